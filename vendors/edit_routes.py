"""The trader's page, after registration: correcting details, adding, replacing or stopping a
bank account or e-wallet (a photo of the new sticker fills it in), recording that the trader
left the market or came back. Each change is one service call, logged with what it changed."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from accounts.permissions import EDIT_VENDORS, vendor_scope
from db import db
from domain_errors import DomainError
from errors import form_messages, translate, translated_fields
from qr.banks import list_banks
from rate_limits import duplicate_lookups, scans
from vendors.changes import close_vendor, return_vendor, update_vendor
from vendors.models import PaymentMethodKind, WalletProvider
from vendors.pages import detail_page, duplicate_rows
from vendors.payment_methods import add_or_replace_payment_method, stop_payment_method
from vendors.schemas import (
    LeaveFormInput,
    PaymentMethodFormInput,
    ReturnFormInput,
    StopFormInput,
    VendorDetailsFormInput,
)
from vendors.search import get_vendor
from vendors.sticker import StickerScanError, scan_payment_sticker

bp = Blueprint("vendor_edits", __name__, url_prefix="/vendors")


def _editable_vendor(vendor_id: int):
    """The vendor, for a role that may edit (403 first, whatever the vendor) and in its area."""
    EDIT_VENDORS.check(current_user)
    vendor = get_vendor(db.session, vendor_id, vendor_scope(current_user))
    if vendor is None:
        abort(404)
    return vendor


def _back_to(vendor, anchor: str | None = None):
    return redirect(url_for("vendors.detail", vendor_id=vendor.id, _anchor=anchor), 303)


def _attempt(change, on_refusal):
    """Run a change and commit it; a refusal rolls back and is shown by `on_refusal(messages,
    status, error)`."""
    try:
        change()
    except ValidationError as error:
        db.session.rollback()
        return on_refusal(translated_fields(error.messages), 422, None)
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        return on_refusal(form_messages(error), error.status, error)
    db.session.commit()
    return None


@bp.route("/<int:vendor_id>/edit", methods=["GET", "POST"])
@login_required
@duplicate_lookups(methods=["POST"])
def edit(vendor_id: int):
    vendor = _editable_vendor(vendor_id)
    values = {name: getattr(vendor, name) or "" for name in ("name", "phone", "citizen_id",
                                                              "tax_code")}
    if request.method == "GET":
        return render_template("vendors/edit.html", vendor=vendor, v=values, errors={})
    values = request.form.to_dict()

    def refused(messages, status, error):
        return render_template(
            "vendors/edit.html", vendor=vendor, v=values, errors=messages,
            duplicates=duplicate_rows(getattr(error, "matches", ()) if error else ()),
        ), status

    return (_attempt(lambda: update_vendor(db.session, current_user, vendor.id,
                                           VendorDetailsFormInput().load(values)), refused)
            or _back_to(vendor))


def _scanning() -> bool:
    """Whether the payment-method form asks for its photo to be read: the scan button, or a
    photo sent with neither an account number nor a wallet."""
    photo = request.files.get("photo")
    return request.method == "POST" and (
        request.form.get("action") == "scan"
        or bool(photo and photo.filename and not request.form.get("account_number")
                and not request.form.get("wallet_provider")))


@bp.route("/<int:vendor_id>/payment-methods/new", methods=["GET", "POST"])
@login_required
@scans(exempt_when=lambda: not _scanning())
def new_payment_method(vendor_id: int):
    vendor = _editable_vendor(vendor_id)
    values = {"kind": request.args.get("kind", "bank_account"),
              "replaces": request.args.get("replaces", "")}
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        if _scanning():
            photo = request.files.get("photo")
            errors = _scan_into(values, photo.read() if photo else b"")
        else:
            refusal = _attempt(
                lambda: add_or_replace_payment_method(
                    db.session, current_user, vendor.id, PaymentMethodFormInput().load(values)),
                lambda messages, status, error: (messages, status))
            if refusal is None:
                return _back_to(vendor, "payment-methods")
            errors = refusal[0]
    return render_template(
        "vendors/payment_method.html", vendor=vendor, v=values, errors=errors,
        banks=list_banks(db.session), wallets=list(WalletProvider),
        in_use=[m for m in vendor.payment_methods if m.stopped_on is None],
    ), 422 if errors else 200


def _scan_into(values: dict, photo: bytes) -> dict:
    """Fill the form from a photo of the sticker: a bank account's bank and number, or the
    wallet it names. The errors to show, if it could not be read."""
    try:
        found = scan_payment_sticker(db.session, photo)
    except StickerScanError as error:
        if error.wallet:
            values.update(kind=PaymentMethodKind.EWALLET.value,
                          wallet_provider=error.wallet["provider"],
                          wallet_payload=error.wallet["payload"])
            return {}
        return {"photo": [translate(error.message)]}
    values.update(kind=PaymentMethodKind.BANK_ACCOUNT.value, bank_bin=found.bank_bin,
                  account_number=found.account_number)
    return {}


@bp.post("/<int:vendor_id>/payment-methods/<int:method_id>/stop")
@login_required
def stop_method(vendor_id: int, method_id: int):
    vendor = _editable_vendor(vendor_id)
    method = next((m for m in vendor.payment_methods if m.id == method_id), None)
    if method is None:
        abort(404)
    return _attempt(
        lambda: stop_payment_method(db.session, current_user, method.id,
                                    StopFormInput().load(request.form)["stopped_on"]),
        lambda messages, status, error: _detail_refused(vendor, messages, status),
    ) or _back_to(vendor, "payment-methods")


@bp.post("/<int:vendor_id>/leave")
@login_required
def leave(vendor_id: int):
    vendor = _editable_vendor(vendor_id)

    def change():
        data = LeaveFormInput().load(request.form)
        close_vendor(db.session, current_user, vendor.id, data["left_on"], data.get("reason"))

    return (_attempt(change, lambda m, s, e: _detail_refused(vendor, m, s))
            or _back_to(vendor, "membership"))


@bp.post("/<int:vendor_id>/return")
@login_required
def come_back(vendor_id: int):
    vendor = _editable_vendor(vendor_id)
    return _attempt(
        lambda: return_vendor(db.session, current_user, vendor.id,
                              ReturnFormInput().load(request.form)["joined_on"]),
        lambda m, s, e: _detail_refused(vendor, m, s),
    ) or _back_to(vendor, "membership")


def _detail_refused(vendor, messages: dict, status: int):
    """The trader's page again with the refusal beside the form that was sent."""
    return detail_page(vendor, errors=messages), status

