"""Catalogue pages: cooperatives and their products, and the product form a manager fills in on a
phone (option axes typed once, a row per combination)."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from accounts.permissions import EDIT_CATALOGUE, vendor_scope
from catalog_export import image_store, taxonomy
from catalog_export.canonical import Certification
from catalog_export.exporters import EXPORTERS
from catalog_export.forms import input_of, values_of, variant_rows
from catalog_export.image_store import images_dir, media_type
from catalog_export.listings import record_listing
from catalog_export.models import ProductStatus
from catalog_export.product_images import add_image, image_path, move_image, remove_image
from catalog_export.products import (
    archive_product,
    cooperatives,
    create_product,
    get_product,
    list_products,
    restore_product,
    update_product,
    writable_product,
    writable_vendor,
)
from catalog_export.schemas import ListingInput, ProductInput
from db import db
from domain_errors import DomainError
from errors import form_messages, translate, translated_fields
from vendors.models import VendorKind
from vendors.search import get_vendor

bp = Blueprint("catalog", __name__, url_prefix="/catalog")


@bp.get("/")
@login_required
def index():
    return render_template(
        "catalog/index.html", cooperatives=cooperatives(db.session, vendor_scope(current_user))
    )


@bp.get("/<int:vendor_id>")
@login_required
def cooperative(vendor_id: int):
    vendor = get_vendor(db.session, vendor_id, vendor_scope(current_user))
    if vendor is None or vendor.kind is not VendorKind.COOPERATIVE:
        abort(404)
    products, _total = list_products(db.session, current_user, vendor_id=vendor.id,
                                     page_size=500)
    return render_template("catalog/products.html", vendor=vendor, products=products,
                           may_edit=EDIT_CATALOGUE.allows(current_user))


@bp.route("/<int:vendor_id>/products/new", methods=["GET", "POST"])
@login_required
def new_product(vendor_id: int):
    vendor = writable_vendor(db.session, current_user, vendor_id)
    if request.method == "GET":
        return _form(vendor, None, {"status": ProductStatus.DRAFT.value})
    return _save(vendor, None)


@bp.get("/products/<int:product_id>")
@login_required
def product(product_id: int):
    return _product_page(get_product(db.session, current_user, product_id))


def _product_page(found, photo_errors=(), status: int = 200, listing_errors=None):
    return render_template("catalog/product.html", product=found, vendor=found.vendor,
                           may_edit=EDIT_CATALOGUE.allows(current_user),
                           photo_errors=photo_errors, listing_errors=listing_errors or {},
                           platforms=[exporter.label for exporter in EXPORTERS.values()],
                           listing=request.form if listing_errors else {}), status


@bp.post("/products/<int:product_id>/images")
@login_required
def upload_images(product_id: int):
    """Photos from the phone: each is checked and stored, or the page says why not."""
    found = writable_product(db.session, current_user, product_id)
    uploads = [upload for upload in request.files.getlist("photo") if upload.filename]
    if not uploads:
        return _product_page(found, [_("Chọn hoặc chụp một ảnh trước khi tải lên.")], 422)
    for upload in uploads:
        try:
            add_image(db.session, current_user, found.id, upload.read(), images_dir(current_app))
        except DomainError as error:
            db.session.rollback()
            messages = [translate(m) for m in error.messages()]
            return _product_page(get_product(db.session, current_user, product_id),
                                 [f"{upload.filename}: {m}" for m in messages], error.status)
        db.session.commit()
    return redirect(url_for("catalog.product", product_id=found.id, _anchor="photos"), 303)


@bp.post("/products/<int:product_id>/restore")
@login_required
def restore(product_id: int):
    found = restore_product(db.session, current_user, product_id)
    db.session.commit()
    return redirect(url_for("catalog.product", product_id=found.id), 303)


@bp.post("/products/<int:product_id>/listings")
@login_required
def add_listing(product_id: int):
    """Where the product was put up for sale, recorded after the upload."""
    found = writable_product(db.session, current_user, product_id)
    try:
        data = ListingInput().load(request.form.to_dict())
        record_listing(db.session, current_user, found.id, data)
    except ValidationError as error:
        return _product_page(found, listing_errors=translated_fields(error.messages), status=422)
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 422):
            raise
        return _product_page(get_product(db.session, current_user, product_id),
                             listing_errors=translated_fields(error.fields), status=error.status)
    db.session.commit()
    return redirect(url_for("catalog.product", product_id=product_id, _anchor="listings"), 303)


@bp.post("/images/<int:image_id>/move")
@login_required
def move(image_id: int):
    position = request.form.get("position", "0")
    image = move_image(db.session, current_user, image_id,
                       int(position) if position.isdigit() else 0)
    db.session.commit()
    return redirect(url_for("catalog.product", product_id=image.product_id, _anchor="photos"), 303)


@bp.post("/images/<int:image_id>/delete")
@login_required
def delete_image(image_id: int):
    product_id, files = remove_image(db.session, current_user, image_id)
    db.session.commit()
    image_store.remove(images_dir(current_app), *files)
    return redirect(url_for("catalog.product", product_id=product_id, _anchor="photos"), 303)


@bp.get("/images/<int:image_id>")
@login_required
def image(image_id: int):
    return _send_image(image_id, thumbnail=False)


@bp.get("/images/<int:image_id>/thumbnail")
@login_required
def thumbnail(image_id: int):
    return _send_image(image_id, thumbnail=True)


def _send_image(image_id: int, *, thumbnail: bool):
    path = image_path(db.session, current_user, image_id, images_dir(current_app), thumbnail=thumbnail)
    response = send_file(path, mimetype=media_type(path.name), max_age=0)
    # A draft's photo is for its editors: kept out of shared caches.
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response




@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    found = writable_product(db.session, current_user, product_id)
    if request.method == "GET":
        return _form(found.vendor, found, values_of(found))
    return _save(found.vendor, found)


@bp.post("/products/<int:product_id>/archive")
@login_required
def archive(product_id: int):
    found = archive_product(db.session, current_user, product_id)
    db.session.commit()
    return redirect(url_for("catalog.cooperative", vendor_id=found.vendor_id), 303)


def _save(vendor, product):
    values = request.form.to_dict()
    rows = variant_rows(values)
    if values.get("action") == "generate":  # the axes changed: show their combinations
        return _form(vendor, product, values, rows=rows)
    if values.get("action") == "find_category":  # the category search of the page
        return _form(vendor, product, values, rows=rows,
                     category_matches=taxonomy.search(values.get("category_q", "")[:100],
                                                      language=get_locale().language))
    try:
        data = ProductInput().load(input_of(values, rows))
        if product is None:
            product = create_product(db.session, current_user, vendor.id, data)
        else:
            product = update_product(db.session, current_user, product.id, data)
    except ValidationError as error:
        return _form(vendor, product, values, translated_fields(error.messages), 422, rows)
    except DomainError as error:
        db.session.rollback()
        return _form(vendor, product, values, form_messages(error), error.status, rows)
    db.session.commit()
    return redirect(url_for("catalog.product", product_id=product.id), 303)


def _form(vendor, product, values: dict, errors: dict | None = None, status: int = 200,
          rows: list | None = None, category_matches=()):
    errors = errors or {}
    language = get_locale().language
    chosen = values.get("google_category_id", "")
    chosen = taxonomy.category(int(chosen)) if str(chosen).isdigit() else None
    return render_template(
        "catalog/product_form.html", vendor=vendor, product=product, v=values, errors=errors,
        rows=variant_rows(values) if rows is None else rows,
        certifications=list(Certification), statuses=[ProductStatus.DRAFT, ProductStatus.ACTIVE],
        general_errors=[m for name, messages in errors.items()
                        if name == "_schema" for m in messages],
        category=chosen and taxonomy.display(chosen, language),
        category_matches=[(match.id, taxonomy.display(match, language))
                          for match in category_matches],
    ), status
