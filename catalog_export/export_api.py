"""JSON API for catalogue exports, under /api/v1: start one on the job queue, follow it, fetch
its file (see api.py for tokens, scope, errors)."""
from __future__ import annotations

from flask import current_app, send_file, url_for
from flask.views import MethodView

from accounts.permissions import EXPORT_CATALOGUE
from api import ID, ApiBlueprint, api_user
from catalog_export.export_jobs import start_export
from catalog_export.export_schemas import ExportInput, ExportSchema
from catalog_export.exports import (
    export_download,
    export_file_path,
    get_export,
    images_zip_path,
    jobs_of,
    left_out_messages,
)
from catalog_export.models import CatalogExport
from db import db
from errors import translate
from jobs.runner import no_file, output_dir
from rate_limits import DOWNLOADS

blp = ApiBlueprint(
    "catalog_exports_api", __name__,
    description="Files of a vendor's products on sale for an e-commerce platform, written by a "
                "background job. Anyone who sees the vendor may export it (exporting changes "
                "nothing). Products a platform would refuse are left out, each with its reasons.",
)


@blp.route(f"/vendors/<{ID}:vendor_id>/exports")
class VendorExports(MethodView):
    @blp.requires(EXPORT_CATALOGUE)
    @blp.arguments(ExportInput)
    @blp.response(202, ExportSchema)
    @blp.alt_response(404, description="No such vendor in your area.")
    def post(self, data, vendor_id):
        """Start an export of the vendor's products on sale; follow it at /exports/{id}"""
        record = start_export(api_user(), vendor_id, data["platform"],
                              with_images_zip=data["with_images_zip"])
        return export_view(record)


@blp.route(f"/exports/<{ID}:export_id>")
class ExportById(MethodView):
    @blp.response(200, ExportSchema)
    @blp.alt_response(404, description="No such export in your area.")
    def get(self, export_id):
        """An export: its status, counts, the products left out and why, its download when done"""
        return export_view(get_export(db.session, api_user(), export_id))


@blp.route(f"/exports/<{ID}:export_id>/file", defaults={"part": "file"})
@blp.route(f"/exports/<{ID}:export_id>/images", defaults={"part": "images"},
           endpoint="ExportImages")
class ExportFile(MethodView):
    @blp.response(200, description="The exported file, or the ZIP of the photos prepared for "
                                   "the platform")
    @blp.alt_response(404, description="No such export in your area, or no such file kept.")
    @blp.alt_response(429, description="Too many downloads in a short time; `Retry-After` says "
                                       "when.")
    @DOWNLOADS
    @blp.alt_response(410, description="The file was removed, kept for JOB_FILES_MAX_AGE_DAYS.")
    def get(self, export_id, part):
        """The exported file (/file) or its images ZIP (/images), while it is kept"""
        record = get_export(db.session, api_user(), export_id)
        found = export_download(output_dir(current_app), record, part)
        if found is None:
            no_file(jobs_of(db.session, [record]).get(record.job_id))
        return send_file(found[0], as_attachment=True, download_name=found[1])


def export_view(record: CatalogExport) -> dict:
    job = jobs_of(db.session, [record]).get(record.job_id)
    folder = output_dir(current_app)
    has_file = export_file_path(folder, record) is not None
    reasons = left_out_messages(record)
    return {
        "id": record.id, "vendor_id": record.vendor_id, "platform": record.platform,
        "created_by": record.created_by, "created_at": record.created_at,
        "status": job.status.value if job else ("done" if record.output_name else "queued"),
        "percent": job.percent if job else (100 if record.output_name else 0),
        "error": translate(job.error_message) if job and job.error_message else None,
        "products_written": record.products_written, "rows_written": record.rows_written,
        "left_out": {str(product_id): [
            {"field": item["field"], "rule": item["rule"], "message": translate(message)}
            for item, message in zip(record.left_out[str(product_id)], messages)]
            for product_id, messages in reasons.items()},
        "download_name": record.download_name,
        "download_url": url_for("catalog_exports_api.ExportFile", export_id=record.id,
                                _external=True) if has_file else None,
        "images_url": url_for("catalog_exports_api.ExportImages", export_id=record.id,
                              _external=True)
        if images_zip_path(folder, record) is not None else None,
    }
