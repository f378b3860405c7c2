"""Catalogue export pages: choosing a platform (with the seller's Shopee template, and a ZIP of
photos), the export's progress and result, its history, the downloads, and the photos of
products on sale served to the platforms that fetch them."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import ValidationError

from accounts.permissions import EXPORT_PROVINCE_CATALOGUE
from catalog_export.export_jobs import start_export
from catalog_export.export_schemas import ExportInput
from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.shopee import TemplateTooLarge
from catalog_export.exports import (
    TEMPLATE_MAX_BYTES,
    TEMPLATE_PLATFORMS,
    area_name,
    export_download,
    export_file_path,
    export_history,
    exportable_vendor,
    get_export,
    image_for_sale,
    images_zip_path,
    jobs_of,
    left_out_messages,
    people_named,
    product_for_sale,
    product_names,
)
from catalog_export.image_store import images_dir, media_type, path_of
from db import db
from domain_errors import N_, DomainError
from errors import form_messages, translated_fields
from jobs.runner import job_page, no_file, output_dir
from rate_limits import DOWNLOADS

bp = Blueprint("catalog_exports", __name__, url_prefix="/catalog")

# Platforms fetch a product's photos again and again; a photo's name never changes its content
# (a new upload gets a new random name), so caches may keep it long.
PUBLIC_IMAGE_MAX_AGE = 7 * 24 * 3600
PUBLIC_PAGE_MAX_AGE = 3600


@bp.context_processor
def export_helpers():
    return {"exporters": EXPORTERS, "template_platforms": TEMPLATE_PLATFORMS}


@bp.route("/<int:vendor_id>/export", methods=["GET", "POST"])
@login_required
def export(vendor_id: int):
    vendor = exportable_vendor(db.session, current_user, vendor_id)
    if request.method == "GET":
        return _form(vendor=vendor)
    return _start(vendor_id=vendor.id, vendor=vendor)


@bp.route("/province/export", methods=["GET", "POST"])
@login_required
def province_export():
    EXPORT_PROVINCE_CATALOGUE.check(current_user)
    if request.method == "GET":
        return _form(vendor=None)
    return _start(vendor_id=None, vendor=None)


@bp.get("/<int:vendor_id>/exports")
@login_required
def history(vendor_id: int):
    vendor = exportable_vendor(db.session, current_user, vendor_id)
    return _history_page(vendor, export_history(db.session, current_user, vendor.id))


@bp.get("/province/exports")
@login_required
def province_history():
    return _history_page(None, export_history(db.session, current_user, None))


@bp.get("/exports/<int:export_id>")
@login_required
def export_result(export_id: int):
    record = get_export(db.session, current_user, export_id)
    job = jobs_of(db.session, [record]).get(record.job_id)
    return job_page("catalog/export_result.html", job, record=record, **_details([record]))


@bp.get("/exports/<int:export_id>/file", defaults={"part": "file"})
@bp.get("/exports/<int:export_id>/images.zip", defaults={"part": "images"},
        endpoint="download_images")
@login_required
@DOWNLOADS
def download(export_id: int, part: str):
    record = get_export(db.session, current_user, export_id)
    found = export_download(output_dir(current_app), record, part)
    if found is None:
        no_file(jobs_of(db.session, [record]).get(record.job_id))
    return send_file(found[0], as_attachment=True, download_name=found[1])


# No login: the platforms fetch these addresses (PUBLIC_BASE_URL/catalog/public-images/<name>).
@bp.get("/public-images/<name>")
def public_image(name: str):
    path = path_of(images_dir(current_app), name)
    if path is None or not image_for_sale(db.session, name):
        abort(404)
    response = send_file(path, mimetype=media_type(name), max_age=PUBLIC_IMAGE_MAX_AGE,
                         conditional=True)
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# No login either: the page a feed's `link` points at (PUBLIC_BASE_URL/catalog/public/<id>), for
# products on sale only; it shows what a shop would, nothing about the people behind it.
@bp.get("/public/<int:product_id>")
def public_product(product_id: int):
    product = product_for_sale(db.session, product_id)
    if product is None:
        abort(404)
    response = make_response(render_template("catalog/public_product.html", product=product))
    # The page carries the signed-in person's name in its header: shared caches keep only the
    # anonymous one.
    if current_user.is_authenticated:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_PAGE_MAX_AGE
    response.vary.add("Cookie")
    return response


def _start(*, vendor_id: int | None, vendor):
    try:
        form = ExportInput().load(request.form)
        record = start_export(current_user, vendor_id, form["platform"],
                              with_images_zip=form["with_images_zip"],
                              template=_uploaded_template())
    except ValidationError as error:
        return _form(vendor=vendor, errors=translated_fields(error.messages), status=422)
    except DomainError as error:
        db.session.rollback()
        general = "template" if error.code.startswith("template") else "_schema"
        return _form(vendor=vendor, errors=form_messages(error, general), status=error.status)
    return redirect(url_for("catalog_exports.export_result", export_id=record.id), 303)


def _uploaded_template() -> bytes | None:
    """The template file sent, read no further than the largest a template may be."""
    upload = request.files.get("template")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(TEMPLATE_MAX_BYTES + 1)
    if len(data) > TEMPLATE_MAX_BYTES:
        raise TemplateTooLarge(N_("Tệp mẫu quá lớn: tối đa %(max)s MB.",
                                  max=TEMPLATE_MAX_BYTES // 1024 // 1024))
    return data


def _form(*, vendor, errors: dict | None = None, status: int = 200):
    values = request.form if request.method == "POST" else {}
    return render_template(
        "catalog/export.html", vendor=vendor, errors=errors or {}, v=values,
        area=None if vendor is not None else area_name(db.session, current_user)), status


def _history_page(vendor, records):
    return render_template("catalog/exports.html", vendor=vendor, records=records,
                           **_details(records))


def _details(records) -> dict:
    folder = output_dir(current_app)
    return {
        "jobs": jobs_of(db.session, records),
        "people": people_named(db.session, records),
        "product_names": product_names(db.session, records),
        "reasons": {record.id: left_out_messages(record) for record in records},
        "files": {record.id: export_file_path(folder, record) is not None for record in records},
        "zips": {record.id: images_zip_path(folder, record) is not None for record in records},
    }
