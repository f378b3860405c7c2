"""Catalogue pages: cooperatives and their products, and the product form a manager fills in on a
phone (option axes typed once, a row per combination)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from accounts.permissions import EDIT_CATALOGUE, vendor_scope
from catalog_export.canonical import Certification
from catalog_export.forms import input_of, values_of, variant_rows
from catalog_export.models import ProductStatus
from catalog_export.products import (
    archive_product,
    create_product,
    get_product,
    list_products,
    update_product,
    writable_product,
    writable_vendor,
)
from catalog_export.schemas import ProductInput
from catalog_export.service import cooperatives
from db import db
from domain_errors import DomainError
from errors import translate, translated_fields
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
    found = get_product(db.session, current_user, product_id)
    return render_template("catalog/product.html", product=found, vendor=found.vendor,
                           may_edit=EDIT_CATALOGUE.allows(current_user))


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
        messages = translated_fields(error.fields)
        if error.message is not None:
            messages.setdefault("_schema", []).append(translate(error.message))
        return _form(vendor, product, values, messages, error.status, rows)
    db.session.commit()
    return redirect(url_for("catalog.product", product_id=product.id), 303)


def _form(vendor, product, values: dict, errors: dict | None = None, status: int = 200,
          rows: list | None = None):
    errors = errors or {}
    return render_template(
        "catalog/product_form.html", vendor=vendor, product=product, v=values, errors=errors,
        rows=variant_rows(values) if rows is None else rows,
        certifications=list(Certification), statuses=[ProductStatus.DRAFT, ProductStatus.ACTIVE],
        general_errors=[m for name, messages in errors.items()
                        if name == "_schema" for m in messages],
    ), status
