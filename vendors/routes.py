"""Vendor pages: list and detail."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from accounts.service import may_see_contact_details, vendor_scope
from db import db
from vendors.service import get_vendor, search_vendors

bp = Blueprint("vendors", __name__, url_prefix="/vendors")


@bp.get("/")
@login_required
def index():
    page = search_vendors(
        db.session,
        vendor_scope(current_user),
        query=request.args.get("q", "")[:100],
        market_id=request.args.get("market", type=int),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "vendors/index.html", page=page, q=request.args.get("q", ""),
        show_contact=may_see_contact_details(current_user),
    )


@bp.get("/<int:vendor_id>")
@login_required
def detail(vendor_id: int):
    vendor = get_vendor(db.session, vendor_id, vendor_scope(current_user))
    if vendor is None:
        abort(404)
    return render_template(
        "vendors/detail.html", vendor=vendor, show_contact=may_see_contact_details(current_user)
    )
