"""Catalogue pages: cooperatives and their products."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from accounts.permissions import vendor_scope
from catalog_export.service import cooperatives, products_of
from db import db
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
    return render_template(
        "catalog/products.html", vendor=vendor, products=products_of(db.session, vendor_id)
    )
