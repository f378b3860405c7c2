"""Starting a catalogue export on the job queue, for the pages and the API alike: the history row
first (everything checkable is checked then, so a refused export records nothing), the seller's
template kept in the jobs folder for the job, then the job."""
from __future__ import annotations

import secrets

from flask import current_app

from accounts.models import User
from catalog_export.exports import new_export
from catalog_export.image_store import images_dir
from catalog_export.models import CatalogExport
from catalog_export.tasks import JOB_KIND
from db import db
from files import atomic_output
from jobs.runner import enqueue, output_dir
from uploads import delete_stale_files

# The seller templates kept for export jobs, in the jobs folder.
TEMPLATE_FILES = "template-*.xlsx"


def start_export(user: User, vendor_id: int | None, platform: str, *, with_images_zip: bool,
                 template: bytes | None = None) -> CatalogExport:
    """Record the export and queue its job; returns the row, committed with its job. Refused
    (a person with too many jobs waiting: TooMany), neither is recorded."""
    app = current_app._get_current_object()
    record = new_export(db.session, user, vendor_id, platform, template=template)
    template_name = None
    if template is not None:
        # The job deletes its template once read; a template whose job never ran goes here.
        delete_stale_files(output_dir(app), TEMPLATE_FILES)
        template_name = f"template-{record.id}-{secrets.token_hex(8)}.xlsx"
        # Written private (mkstemp's 0600) and renamed whole.
        with atomic_output(output_dir(app) / template_name) as out:
            out.write(template)
    try:
        enqueue(JOB_KIND, {
            "export_id": record.id, "platform": platform, "vendor_id": vendor_id,
            "with_images_zip": with_images_zip, "template": template_name,
            "public_base_url": app.config.get("PUBLIC_BASE_URL"),
            "images_folder": str(images_dir(app)),
        }, created_by=user.id, recorded=lambda job: setattr(record, "job_id", job.id))
    except Exception:
        if template_name is not None:
            (output_dir(app) / template_name).unlink(missing_ok=True)
        raise
    return record
