"""Market pages: the markets in a user's scope with their vendor counts, and one market; for
staff, creating, editing and closing markets, and adding, renaming and merging their stalls."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from accounts.permissions import (
    PRINT_PLACARDS,
    SEE_DIGITISATION,
    WRITE_MARKETS,
    WRITE_STALLS,
    market_scope,
)
from db import db
from domain_errors import DomainError
from errors import form_messages, translated_fields
from market.models import MarketClass
from market.schemas import MarketCloseInput, MarketFormInput, StallFormInput, StallMergeInput
from market.service import (
    close_market,
    create_market,
    get_market,
    market_summaries,
    province_map,
    reopen_market,
    search_wards,
    update_market,
    vendors_trading_on,
    visible_market,
)
from market.stalls import (
    create_stall,
    get_stall,
    merge_stalls,
    stall_page,
    stall_row,
    update_stall,
)
from market.stats import Area, area_counts

bp = Blueprint("market", __name__, url_prefix="/markets")


@bp.get("/")
@login_required
def index():
    today = dt.date.today()
    return render_template(
        "market/index.html",
        summaries=market_summaries(db.session, market_scope(current_user), today),
        today=today, may_create=WRITE_MARKETS.allows(current_user),
    )


@bp.get("/<int:market_id>")
@login_required
def detail(market_id: int):
    market = get_market(db.session, market_id, market_scope(current_user))
    if market is None:
        abort(404)
    today = dt.date.today()
    return render_template("market/detail.html", market=market, today=today,
                           counts=area_counts(db.session, today, Area(market_id=market.id)),
                           sees_figures=SEE_DIGITISATION.allows(current_user),
                           may_edit=WRITE_MARKETS.allows(current_user),
                           may_print=PRINT_PLACARDS.allows(current_user))


# --- Creating and editing a market ------------------------------------------------------------

MARKET_FIELDS = ("name", "ward_code", "address", "market_class", "board_contact_name",
                 "board_contact_phone", "latitude", "longitude", "stall_code_pattern")


def _market_values(market) -> dict:
    values = {name: getattr(market, name) for name in MARKET_FIELDS}
    values["market_class"] = market.market_class.value if market.market_class else ""
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _render_market_form(values: dict, errors: dict | None = None, status: int = 200,
                        market=None):
    chosen = values.get("ward_code") or None
    wards = search_wards(db.session, current_user, values.get("ward_q", "")[:100], chosen=chosen)
    province_code = (market.ward.province_code if market is not None
                     else next((w.province_code for w in wards if w.code == chosen), None)
                     or current_user.province_code
                     or (wards[0].province_code if len(wards) == 1 else None))
    errors = errors or {}
    return render_template(
        "market/form.html", market=market, v=values, errors=errors, wards=wards,
        classes=list(MarketClass),
        map=province_map(db.session, current_user, province_code) if province_code else None,
        leaving=vendors_trading_on(db.session, market.id, dt.date.today()) if market else 0,
        general_errors=[m for name, ms in errors.items() if name not in MARKET_FIELDS
                        and name != "closed_on" for m in ms],
    ), status


def _save_market(market=None):
    """Load the posted form and create or update the market; the page again on a refusal."""
    values = request.form.to_dict()
    if values.get("action") == "find_ward":  # the commune search of the page without script
        return _render_market_form(values, market=market)
    try:
        data = MarketFormInput().load(values)
        if market is None:
            market = create_market(db.session, current_user, data)
        else:
            update_market(db.session, current_user, market.id, data)
    except ValidationError as error:
        return _render_market_form(values, translated_fields(error.messages), 422, market)
    except DomainError as error:
        db.session.rollback()
        return _render_market_form(values, form_messages(error), error.status, market)
    db.session.commit()
    flash(_("Đã lưu chợ «%(name)s».", name=market.name))
    return redirect(url_for("market.detail", market_id=market.id), 303)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    WRITE_MARKETS.check(current_user)
    if request.method == "POST":
        return _save_market()
    return _render_market_form({})


@bp.route("/<int:market_id>/edit", methods=["GET", "POST"])
@login_required
def edit(market_id: int):
    WRITE_MARKETS.check(current_user)  # the role first: a refused one learns nothing more
    market = visible_market(db.session, current_user, market_id)
    if request.method == "POST":
        return _save_market(market)
    return _render_market_form(_market_values(market), market=market)


@bp.post("/<int:market_id>/close")
@login_required
def close(market_id: int):
    WRITE_MARKETS.check(current_user)
    market = visible_market(db.session, current_user, market_id)
    typed = {**_market_values(market), "closed_on": request.form.get("closed_on", "")}
    try:
        data = MarketCloseInput().load(request.form.to_dict())
        left = close_market(db.session, current_user, market.id, data["closed_on"],
                            today=dt.date.today())
    except ValidationError as error:
        return _render_market_form(typed, translated_fields(error.messages), 422, market)
    except DomainError as error:
        db.session.rollback()
        return _render_market_form(typed, form_messages(error, "closed_on"), error.status, market)
    db.session.commit()
    # Counts said as "…: 3", which reads right in both languages without plural forms.
    flash(_("Đã đóng cửa chợ. Số tiểu thương được ghi là nghỉ bán từ ngày đó: %(num)s.",
            num=left))
    return redirect(url_for("market.detail", market_id=market.id), 303)


@bp.post("/<int:market_id>/reopen")
@login_required
def reopen(market_id: int):
    WRITE_MARKETS.check(current_user)
    market = visible_market(db.session, current_user, market_id)
    try:
        reopen_market(db.session, current_user, market.id)
    except DomainError as error:
        db.session.rollback()
        return _render_market_form(_market_values(market), form_messages(error, "closed_on"),
                                   error.status, market)
    db.session.commit()
    flash(_("Chợ đã mở lại và nhận đăng ký mới."))
    return redirect(url_for("market.detail", market_id=market.id), 303)


# --- Stalls -----------------------------------------------------------------------------------


def _render_stalls(market, values: dict | None = None, errors: dict | None = None,
                   status: int = 200, question: dict | None = None):
    query = request.args.get("q", "")[:100]
    return render_template(
        "market/stalls.html", market=market, q=query, v=values or {}, errors=errors or {},
        question=question, may_edit=WRITE_STALLS.allows(current_user),
        page=stall_page(db.session, current_user, market.id, dt.date.today(), query=query,
                        page=request.args.get("page", 1, type=int)),
    ), status


def _question(error: DomainError) -> dict | None:
    """What a refusal asking which stall was meant offers (stall_codes.AskAboutStall)."""
    if "stall_choices" not in error.details:
        return None
    return {"choices": error.details["stall_choices"],
            "new_code": error.details.get("new_stall_code")}


@bp.route("/<int:market_id>/stalls", methods=["GET", "POST"])
@login_required
def stalls(market_id: int):
    if request.method == "POST":
        WRITE_STALLS.check(current_user)
    market = visible_market(db.session, current_user, market_id)
    if request.method == "GET":
        return _render_stalls(market)
    values = request.form.to_dict()
    if values.get("use_stall"):  # the question's answer: that code, not the one typed
        values["code"] = values.pop("use_stall")
    try:
        stall = create_stall(db.session, current_user, market.id, StallFormInput().load(values))
    except ValidationError as error:
        return _render_stalls(market, values, translated_fields(error.messages), 422)
    except DomainError as error:
        db.session.rollback()
        return _render_stalls(market, values, form_messages(error), error.status,
                              _question(error))
    db.session.commit()
    flash(_("Đã thêm quầy %(code)s.", code=stall.code))
    return redirect(url_for("market.stalls", market_id=market.id), 303)


def _render_stall(market, stall, values: dict | None = None, errors: dict | None = None,
                  status: int = 200, question: dict | None = None):
    row = stall_row(db.session, stall, dt.date.today())
    values = values or {"code": stall.code, "zone": stall.zone or ""}
    return render_template("market/stall.html", market=market, stall=stall, row=row, v=values,
                           errors=errors or {}, question=question), status


@bp.route("/<int:market_id>/stalls/<int:stall_id>", methods=["GET", "POST"])
@login_required
def stall(market_id: int, stall_id: int):
    """A stall's page: renaming it, and merging it into another stall."""
    WRITE_STALLS.check(current_user)
    found = get_stall(db.session, current_user, market_id, stall_id)
    market = found.market
    if request.method == "GET":
        return _render_stall(market, found)
    values = request.form.to_dict()
    if values.get("use_stall"):
        values["code"] = values.pop("use_stall")
    try:
        update_stall(db.session, current_user, market.id, found.id,
                     StallFormInput().load(values))
    except ValidationError as error:
        return _render_stall(market, found, values, translated_fields(error.messages), 422)
    except DomainError as error:
        db.session.rollback()
        return _render_stall(market, found, values, form_messages(error), error.status,
                             _question(error))
    db.session.commit()
    flash(_("Đã lưu quầy %(code)s.", code=found.code))
    return redirect(url_for("market.stalls", market_id=market.id), 303)


@bp.post("/<int:market_id>/stalls/<int:stall_id>/merge")
@login_required
def merge(market_id: int, stall_id: int):
    WRITE_STALLS.check(current_user)
    found = get_stall(db.session, current_user, market_id, stall_id)
    market, code = found.market, found.code
    values = request.form.to_dict()
    try:
        kept, moved = merge_stalls(db.session, current_user, market.id, found.id,
                                   StallMergeInput().load(values)["into"])
    except ValidationError as error:
        return _render_stall(market, found, errors=translated_fields(error.messages),
                             status=422)
    except DomainError as error:
        db.session.rollback()
        return _render_stall(market, found, errors=form_messages(error, "into"),
                             status=error.status)
    db.session.commit()
    flash(_("Đã gộp quầy %(old)s vào %(new)s. Số tiểu thương được chuyển sang: %(num)s.",
            old=code, new=kept.code, num=moved))
    return redirect(url_for("market.stalls", market_id=market.id), 303)
