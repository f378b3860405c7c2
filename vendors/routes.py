"""Vendor pages: list, detail, and the onboarding form an agent registers traders with."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from accounts.permissions import (
    RECORD_VISITS,
    REGISTER_VENDORS,
    SEE_CONTACT_DETAILS,
    market_scope,
    vendor_scope,
)
from db import db, utcnow
from domain_errors import N_, DomainError, TooLarge
from errors import domain_error_response, form_messages, translate, translated_fields, wants_json
from input_hygiene import record_id
from market.service import search_markets
from market.stalls import search_stalls
from qr.payload_read import offline_reading_rules
from qr.placard_data import vendor_placard
from rate_limits import duplicate_lookups, scans
from vendors.models import VendorKind, VisitAnswer, WalletProvider
from vendors.offline import offline_set
from vendors.onboarding import new_idempotency_key, onboarding_choices
from vendors.pages import detail_page, duplicate_rows
from vendors.registration import field_problems, register_vendor
from vendors.schemas import (
    IDEMPOTENCY_KEY_HEADER,
    ONBOARDING_BANK_FIELDS,
    ONBOARDING_WALLET_FIELDS,
    OnboardingFormInput,
    VisitInput,
)
from vendors.search import get_vendor, search_vendors
from vendors.sticker import StickerScanError, read_sticker_text, scan_payment_sticker
from vendors.visits import record_visit

bp = Blueprint("vendors", __name__, url_prefix="/vendors")


@bp.get("/")
@login_required
def index():
    page = search_vendors(
        db.session,
        vendor_scope(current_user),
        query=request.args.get("q", "")[:100],
        market_id=request.args.get("market", type=record_id),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "vendors/index.html", page=page, q=request.args.get("q", ""),
        show_contact=SEE_CONTACT_DETAILS.allows(current_user),
        may_register=REGISTER_VENDORS.allows(current_user),
    )


def _vendor_or_404(vendor_id: int):
    vendor = get_vendor(db.session, vendor_id, vendor_scope(current_user))
    if vendor is None:
        abort(404)
    return vendor


@bp.get("/<int:vendor_id>")
@login_required
def detail(vendor_id: int):
    return detail_page(_vendor_or_404(vendor_id))


@bp.route("/<int:vendor_id>/visits/new", methods=["GET", "POST"])
@login_required
def new_visit(vendor_id: int):
    """A return visit recorded from the phone at the stall."""
    RECORD_VISITS.check(current_user)  # the role first: a refused one learns nothing more
    vendor = _vendor_or_404(vendor_id)
    values, errors = {"visited_on": dt.date.today().isoformat()}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            record_visit(db.session, current_user, vendor.id, VisitInput().load(values),
                         today=dt.date.today())
        except ValidationError as error:
            errors = translated_fields(error.messages)
        except DomainError as error:
            db.session.rollback()
            errors = form_messages(error)
        else:
            db.session.commit()
            return redirect(url_for("vendors.detail", vendor_id=vendor.id, _anchor="visits"), 303)
    return render_template("vendors/visit.html", vendor=vendor, v=values, errors=errors,
                           answers=list(VisitAnswer)), 422 if errors else 200


# --- Onboarding: the registration form, its market search, sticker scan and service worker ----

# Form fields shown on the page, each with its own error slot; other messages go to the top.
FORM_FIELDS = (
    "market_id", "stall_code", "kind", "name", "phone", "citizen_id", "photo",
    *ONBOARDING_BANK_FIELDS, *ONBOARDING_WALLET_FIELDS,
)


def _render_form(values: dict, errors: dict | None = None, status: int = 200, duplicates=(),
                 stall_question: dict | None = None):
    market_id = record_id(values.get("market_id"))
    choices = onboarding_choices(db.session, current_user, values.get("market_q", "")[:100],
                                 market_id, values.get("stall_code", "")[:20])
    errors = errors or {}
    return render_template(
        "vendors/new.html", v=values, errors=errors, duplicates=duplicates, choices=choices,
        stall_question=stall_question, kinds=list(VendorKind), wallets=list(WalletProvider),
        sticker_rules=offline_reading_rules(),
        general_errors=[m for name, ms in errors.items() if name not in FORM_FIELDS
                        and name != "duplicate" for m in ms],
    ), status


def _refused(values: dict, messages: dict, status: int, duplicates=(), details=None):
    """The form again, with each message beside its field, and the question about the stall
    when the refusal asks one (market.stalls.stall_refusal)."""
    if status == 409 and "idempotency_key" in messages:
        # That key is spent on other content; a fresh one lets the agent register this person.
        values = {**values, "idempotency_key": new_idempotency_key()}
    question = None
    if details and "stall_choices" in details:
        question = {"choices": details["stall_choices"], "new_code": details.get("new_stall_code")}
        values = {name: value for name, value in values.items() if name != "confirm_new_stall"}
    return _render_form(values, messages, status, duplicate_rows(duplicates), question)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@duplicate_lookups(methods=["POST"],
                   exempt_when=lambda: request.form.get("action") == "find_market")
def new():
    REGISTER_VENDORS.check(current_user)
    if request.method == "GET":
        return _render_form({"market_id": request.args.get("market_id", ""), "kind": "trader",
                             "idempotency_key": new_idempotency_key()})
    values = request.form.to_dict()
    if values.get("action") == "find_market":  # the search button of the page without script
        return _render_form(values)
    if values.get("use_stall"):  # "Có phải quầy C-07?" answered with that stall
        values["stall_code"] = values.pop("use_stall")
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER) or values.get("idempotency_key") or None
    try:
        data = OnboardingFormInput().load(values)
        registration = register_vendor(db.session, current_user, data, key)
    except ValidationError as error:
        if wants_json():
            raise
        messages = translated_fields(error.messages)
        # The fields the schema passed are checked against the database too (the bank account
        # number for its bank, the market's area), so every mistake shows on this first answer.
        partial = error.valid_data if isinstance(error.valid_data, dict) else {}
        for name, found in translated_fields(
                field_problems(db.session, current_user, partial)).items():
            messages.setdefault(name, []).extend(m for m in found if m not in messages[name])
        return _refused(values, messages, 422)
    except DomainError as error:
        if wants_json():
            return domain_error_response(error)
        db.session.rollback()
        return _refused(values, form_messages(error), error.status, getattr(error, "matches", ()),
                        error.details)
    db.session.commit()
    target = url_for("vendors.registered", vendor_id=registration.vendor.id)
    if wants_json():
        return jsonify(vendor_id=registration.vendor.id, redirect=target,
                       replayed=registration.replayed), 200 if registration.replayed else 201
    return redirect(target, 303)


@bp.get("/<int:vendor_id>/registered")
@login_required
def registered(vendor_id: int):
    # The page an agent sees right after registering someone, phone number and all.
    REGISTER_VENDORS.check(current_user)
    vendor = _vendor_or_404(vendor_id)
    return render_template("vendors/registered.html", vendor=vendor,
                           placard=vendor_placard(db.session, vendor.id))


@bp.get("/markets.json")
@login_required
def market_search():
    markets = search_markets(db.session, market_scope(current_user),
                             request.args.get("q", "")[:100])
    return jsonify(markets=[{"id": m.id, "name": m.name, "ward": m.ward.name} for m in markets])


@bp.get("/markets/<int:market_id>/stalls.json")
@login_required
def stall_search(market_id: int):
    """The market's stalls matching what the agent is typing, for the form's stall field."""
    stalls = search_stalls(db.session, current_user, market_id, request.args.get("q", "")[:20])
    return jsonify(stalls=[{"id": s.stall_id, "code": s.code, "zone": s.zone} for s in stalls])


@bp.post("/scan")
@login_required
@scans()
def scan():
    REGISTER_VENDORS.check(current_user)
    photo = request.files.get("photo")
    values = request.form.to_dict()
    # The phone decodes the code itself where it can and sends only its text.
    payload = values.pop("payload", None)
    try:
        if payload is not None:
            found = read_sticker_text(db.session, payload)
        else:
            found = scan_payment_sticker(db.session, photo.read() if photo else b"")
    except StickerScanError as error:
        if wants_json():
            return domain_error_response(error)
        if error.wallet:  # without script the wallet is filled in; the agent may clear it
            values.update(wallet_provider=error.wallet["provider"],
                          wallet_payload=error.wallet["payload"])
        return _render_form(values, {"photo": [translate(error.message)]}, 422)
    if wants_json():
        return jsonify(bank_bin=found.bank_bin, bank_name=found.bank_name,
                       account_number=found.account_number)
    values.update(bank_bin=found.bank_bin, account_number=found.account_number)
    return _render_form(values)


@bp.errorhandler(RequestEntityTooLarge)
def photo_too_large(error):
    megabytes = format_decimal((current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024,
                               format="#,##0.#")
    if request.endpoint == "vendors.scan":
        message = N_("Ảnh quá lớn (tối đa %(mb)s MB). Hãy chụp lại với độ phân giải thấp hơn.",
                     mb=megabytes)
    else:
        message = N_("Tệp tải lên quá lớn (tối đa %(mb)s MB).", mb=megabytes)
    return domain_error_response(TooLarge(message))


@bp.get("/offline.json")
@login_required
def offline_list():
    """The pages the agent's phone keeps for reading with no signal (vendors/offline.py)."""
    REGISTER_VENDORS.check(current_user)
    kept = offline_set(db.session, current_user, utcnow())
    pages = [url_for("accounts.home"), url_for("vendors.new"), url_for("vendors.index"),
             url_for("market.index"), url_for("site.offline")]
    for market_id, list_pages in kept.market_pages:
        pages.append(url_for("market.detail", market_id=market_id))
        pages += [url_for("vendors.index", market=market_id, **({"page": n} if n > 1 else {}))
                  for n in range(1, list_pages + 1)]
    pages += [url_for("vendors.detail", vendor_id=vendor_id) for vendor_id in kept.recent_vendor_ids]
    response = jsonify(pages=pages)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def offline_settings():
    # The pages of people who go from stall to stall are kept on their phone for when the
    # signal drops (static/js/offline.js, static/sw.js); nobody else's are.
    # A job renders templates too, outside any request: there is no user then.
    signed_in = has_request_context() and current_user.is_authenticated
    return {"works_offline": signed_in and REGISTER_VENDORS.allows(current_user)}
