"""The readiness page: a vendor's products on sale against each platform's rules before export,
as a matrix (products × platforms), and each problem with a link to where it is fixed."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from accounts.permissions import EDIT_CATALOGUE, vendor_scope
from catalog_export.exporters import EXPORTERS
from catalog_export.readiness import readiness
from db import db

bp = Blueprint("catalog_readiness", __name__, url_prefix="/catalog")

# A finding's field -> the id of the product form's input where it is fixed
# (templates/catalog/product_form.html). Photos are not on the form: their link is the product.
FORM_ANCHORS = {
    "name": "name", "description": "description", "brand": "brand",
    "category": "category_q", "price": "price", "sku": "sku",
    "weight_grams": "weight_grams", "package_size": "length_cm", "gtin": "gtin",
    "variants": "axis1_name",
}
FIELD_LABELS = {
    "name": _l("Tên sản phẩm"), "description": _l("Mô tả"), "brand": _l("Thương hiệu"),
    "category": _l("Ngành hàng"), "price": _l("Giá"), "sku": _l("Mã SKU"),
    "weight_grams": _l("Khối lượng"), "package_size": _l("Kích thước đóng gói"),
    "gtin": _l("Mã vạch (GTIN/EAN)"), "variants": _l("Phân loại"), "images": _l("Ảnh"),
}


def fix_link(product_id: int, field: str, may_edit: bool) -> str:
    """Where the problem is fixed: the form's field for those who may edit; else the product's
    page (read-only staff, and photos, which are not on the form)."""
    if not may_edit or field == "images":
        return url_for("catalog.product", product_id=product_id)
    # A field of a column-mapping profile the form has no input for: the form's top.
    return url_for("catalog.edit_product", product_id=product_id,
                   _anchor=FORM_ANCHORS.get(field))

@bp.get("/<int:vendor_id>/readiness")
@login_required
def report(vendor_id: int):
    platform = request.args.get("platform", "").strip() or None
    found = readiness(db.session, vendor_scope(current_user), vendor_id,
                      [platform] if platform else None,
                      public_base_url=current_app.config.get("PUBLIC_BASE_URL"))
    return render_template(
        "catalog/readiness.html", report=found, platform=platform,
        all_platforms=list(EXPORTERS.values()), may_edit=EDIT_CATALOGUE.allows(current_user),
        fix_link=fix_link, field_labels=FIELD_LABELS)
