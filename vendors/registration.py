"""Registering a vendor: where they trade, their first membership period and payment methods,
possible duplicates, and retries of the same registration (idempotency keys). The onboarding
form, the API and the bulk import all register through `register_vendor`."""
from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, bindparam, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from accounts.models import Role, User
from accounts.permissions import REGISTER_VENDORS, market_scope, vendor_scope, ward_scope
from audit.service import insert_entries, snapshot
from core_rows import as_loaded, columns_of, insert_rows, loaded, made_object
from db import utcnow
from domain_errors import N_, Conflict, Invalid
from market.closing import check_market_open
from market.models import Market, Stall, Ward
from market.stall_codes import (
    AskAboutStall,
    ExistingStall,
    StallChoice,
    choose_stall,
    stall_match_key,
)
from market.stalls import normalised_code, stall_refusal
from textnorm import search_key
from vendors.duplicates import (
    DuplicateVendorError,
    duplicate_matches,
    matching_vendors,
)
from vendors.models import (
    IdempotencyRecord,
    PaymentMethod,
    PaymentMethodKind,
    Vendor,
    VendorStatusPeriod,
)
from vendors.payment_methods import LOGGED_FIELDS, checked_method


@dataclass(frozen=True)
class Registration:
    vendor: Vendor
    # True when this is a retry of a registration already made with the same key.
    replayed: bool


IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-]{8,64}")


def request_fingerprint(data: dict) -> str:
    """A digest of validated input: equal content gives an equal digest, whatever the key order."""
    canonical = json.dumps(data, sort_keys=True, default=_plain_value, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value))


def register_vendor(
    session: Session, actor: User, data: dict, idempotency_key: str | None = None
) -> Registration:
    """Create a vendor with its first membership period and payment methods.

    `data` is what VendorRegistrationInput loaded. With an idempotency key, a retry with the
    same content returns the first vendor; the same key with other content is refused.
    """
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise Invalid(fields={"idempotency_key": N_(
            "Mã chống gửi trùng phải gồm 8–64 ký tự chữ, số, gạch ngang hoặc gạch dưới.")})
    REGISTER_VENDORS.check(actor)
    fingerprint = request_fingerprint(data)
    # Every field the database is asked about is checked before any is refused: the agent fixes
    # them all in one go, not one per submit.
    problems: dict = {}
    place = _collecting(problems, _place_for_registration, session, actor, data)
    methods = [_collecting(problems, checked_method, session, m) for m in data["payment_methods"]]
    if problems:
        raise Invalid(fields=problems)
    # The retry and duplicate checks are index lookups in one statement: most registrations
    # are neither, and then that statement is all they cost.
    check_duplicates = not data.get("allow_duplicate")
    hits = matching_vendors(
        session, phone=data.get("phone") if check_duplicates else None,
        citizen_id=data.get("citizen_id") if check_duplicates else None,
        bank_accounts=[(m["bank_bin"], m["account_number"]) for m in methods
                       if check_duplicates and m["kind"] is PaymentMethodKind.BANK_ACCOUNT],
        registration=(actor.id, idempotency_key) if idempotency_key else None,
    )
    if hits.registered is not None:
        return _earlier_registration(session, actor, *hits.registered, fingerprint)
    if hits.reasons:
        raise DuplicateVendorError(duplicate_matches(session, vendor_scope(actor), hits.reasons))
    try:
        vendor = _insert_vendor(session, actor, data, place, methods,
                                idempotency_key, fingerprint)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A try with the same key committed first (the idempotency record both insert is
        # refused here): drop ours, answer with theirs.
        session.rollback()
        registered = matching_vendors(session, registration=(actor.id, idempotency_key)).registered
        if registered is None:
            raise
        return _earlier_registration(session, actor, *registered, fingerprint)
    return Registration(vendor, replayed=False)


def _collecting(problems: dict, check, *args):
    """check(*args), its field errors added to `problems` instead of raised. A refusal that
    asks a question (which stall was meant) is raised as it is: the page asks it."""
    try:
        return check(*args)
    except Invalid as error:
        if error.details:
            raise
        for name, messages in (error.fields or {"_schema": [error.message]}).items():
            problems.setdefault(name, []).extend(messages)
        return None


def field_problems(session: Session, actor: User, data: dict) -> dict:
    """What register_vendor would refuse of the fields loaded so far (a form whose other fields
    are still wrong): the market and the payment methods given, checked against the database.
    {field: [Message]}, empty when nothing is wrong."""
    problems: dict = {}
    if data.get("market_id") or data.get("ward_code"):
        _collecting(problems, _place_for_registration, session, actor, data)
    for method in data.get("payment_methods") or []:
        if isinstance(method, dict) and method.get("kind") is not None:
            _collecting(problems, checked_method, session, method)
    return problems


def _earlier_registration(session: Session, actor: User, vendor_id: int,
                          first_fingerprint: str, fingerprint: str) -> Registration:
    """The answer to a retry: the vendor its key registered, as the actor may see it now; a
    conflict when the key was used for other content, or when that vendor has since left the
    actor's area (moved to another market, say): the retry is told the registration was made,
    and nothing of the vendor."""
    if first_fingerprint != fingerprint:
        raise Conflict(code="idempotency_conflict", fields={"idempotency_key": N_(
            "Mã chống gửi trùng này đã dùng cho một lần đăng ký có nội dung khác. "
            "Hãy tạo lần đăng ký mới thay vì gửi lại.")})
    vendor = session.scalars(select(Vendor).where(Vendor.id == vendor_id, vendor_scope(actor))
                             .options(joinedload(Vendor.market), joinedload(Vendor.stall),
                                      joinedload(Vendor.status_periods),
                                      joinedload(Vendor.payment_methods))).unique().one_or_none()
    if vendor is None:
        raise Conflict(code="idempotency_out_of_scope", fields={"idempotency_key": N_(
            "Lần đăng ký trước với mã chống gửi trùng này đã được ghi nhận, nhưng tiểu thương "
            "đó nay không còn trong địa bàn của bạn, nên không hiển thị ở đây. Nếu cần, hãy "
            "hỏi cán bộ quản lý địa bàn mới.")})
    return Registration(vendor, replayed=True)


@dataclass(frozen=True)
class _Place:
    """Where a vendor being registered trades: a market and maybe a stall in it, found or
    (`new_stall_code`) to be created with the vendor; or, for a cooperative without a market,
    the commune it is registered in."""

    market: Market | None
    stall: Stall | None = None
    new_stall_code: str | None = None
    ward_code: str | None = None


def _place_for_registration(session: Session, actor: User, data: dict) -> _Place:
    """The market in the actor's scope, open on the day the vendor joins, and the stall asked
    for, in one query: by id, or by code (market/stall_codes.py: the stall with that code, a
    new one, or a question when the code is near another's or outside the market's pattern)."""
    market_id = data.get("market_id")
    if not market_id:
        ward_ok = session.scalar(select(Ward.code).where(Ward.code == data.get("ward_code"),
                                                         ward_scope(actor)))
        if ward_ok is None:
            raise Invalid(fields={"ward_code": N_(
                "Không có xã/phường này trong địa bàn của bạn.")})
        return _Place(market=None, ward_code=ward_ok)
    stall_id = data.get("stall_id")
    # Agents find new stall numbers: a code the market does not have yet is a new stall.
    code = normalised_code(data["stall_code"], "stall_code") if data.get("stall_code") else None
    stall_by = "id" if stall_id else "code" if code else None
    scope = _ActorScope(actor.role, actor.province_code, actor.ward_code, actor.market_id,
                        actor.cooperative_id)
    # By code, one row per stall sharing the code's match key (its near matches), or one row
    # with no stall.
    rows = session.connection().execute(_market_query(scope, stall_by), {
        "market_id": market_id,
        "stall": stall_id if stall_by == "id" else stall_match_key(code)}).all()
    if not rows:
        raise Invalid(fields={"market_id": N_("Không có chợ này trong địa bàn của bạn.")})
    market = loaded(session, Market, rows[0][:_MARKET_WIDTH], _MARKET_READ)
    stalls = {}
    for row in rows if stall_by else ():
        if row[_MARKET_WIDTH] is not None:
            stall = loaded(session, Stall, row[_MARKET_WIDTH:])
            stalls[stall.id] = stall
    check_market_open(market, max(data.get("joined_on") or dt.date.today(), dt.date.today()))
    if stall_by == "id":
        if not stalls:
            raise Invalid(fields={"stall_id": N_(
                "Quầy có id %(id)s không thuộc chợ «%(market)s».", id=stall_id,
                market=market.name)})
        return _Place(market=market, stall=stalls[stall_id])
    if stall_by is None:
        return _Place(market=market)
    decision = choose_stall(
        code, [StallChoice(stall.code, stall.id, stall.zone) for stall in stalls.values()],
        market.stall_code_pattern, confirm_new=bool(data.get("confirm_new_stall")))
    if isinstance(decision, AskAboutStall):
        raise stall_refusal(decision, "stall_code")
    if isinstance(decision, ExistingStall):
        return _Place(market=market, stall=stalls[decision.stall_id])
    return _Place(market=market, new_stall_code=decision.code)


class _ActorScope(NamedTuple):
    """What accounts.permissions' scope clauses read of a user, as a value: the queries built
    on it are kept (_market_query)."""

    role: Role
    province_code: str | None
    ward_code: str | None
    market_id: int | None
    cooperative_id: int | None


@functools.lru_cache(maxsize=256)
def _market_query(scope: _ActorScope, stall_by: str | None):
    """The market :market_id if it is in the scope and, when `stall_by` is "id", its stall with
    that id (:stall) or None; when "code", each of its stalls with the match key :stall, or
    None. Built once per scope and kept: building a statement and its cache key costs about as
    much as running it, on every registration."""
    stmt = select(*columns_of(Market, _MARKET_READ)).where(Market.id == bindparam("market_id"),
                                                           market_scope(scope))
    if stall_by:
        wanted = (Stall.id if stall_by == "id" else Stall.match_key) == bindparam("stall")
        stmt = stmt.add_columns(*columns_of(Stall)).select_from(Market.__table__).outerjoin(
            Stall.__table__, and_(Stall.market_id == Market.id, wanted))
    return stmt


# What a registration reads of the market (the rest is loaded if something reads it); a row of
# _market_query has these columns, then the stall's.
_MARKET_READ = ("id", "name", "ward_code", "stall_code_pattern", "closed_on")
_MARKET_WIDTH = len(_MARKET_READ)


def _insert_vendor(session: Session, actor: User, data: dict, place: _Place, methods: list[dict],
                   idempotency_key: str | None, fingerprint: str) -> Vendor:
    """Insert the new vendor's rows, one statement per table, and return the Vendor they make,
    persistent in the session as a query would have loaded it.

    This is the onboarding hot path (bench/onboarding.py). The ORM's unit of work spent a third
    of a registration's time finding the order of these inserts, which is known here; the
    objects are built after the rows are in and handed to the session as already loaded
    (core_rows.as_loaded), so nothing is flushed again and callers get a Vendor like any
    other, relationships filled in, with no query for them.
    """
    now = utcnow()
    joined_on = data.get("joined_on") or dt.date.today()
    market, stall = place.market, place.stall
    new_stalls = []
    if place.new_stall_code:
        stall = _new_stall(session, market, place.new_stall_code)
        new_stalls = [] if inspect(stall).persistent else [stall]
    (vendor,) = insert_rows(session, Vendor, [{
        "kind": data["kind"], "name": data["name"], "search_key": search_key(data["name"]),
        "phone": data.get("phone"), "citizen_id": data.get("citizen_id"),
        "tax_code": data.get("tax_code"), "market_id": market.id if market else None,
        "stall_id": stall.id if stall else None, "ward_code": place.ward_code,
        "created_at": now,
    }])
    (period,) = insert_rows(session, VendorStatusPeriod, [
        {"vendor_id": vendor.id, "joined_on": joined_on}])
    payment_methods = insert_rows(session, PaymentMethod, [
        _method_row(method, vendor.id, joined_on, now) for method in methods])
    if idempotency_key is not None:
        insert_rows(session, IdempotencyRecord, [{
            "user_id": actor.id, "key": idempotency_key, "fingerprint": fingerprint,
            "vendor_id": vendor.id, "created_at": now}])
    insert_entries(session, market.ward_code if market else place.ward_code, _registration_log(
        actor, vendor, joined_on, payment_methods, new_stalls))
    # Set as a query's loader sets them: no change events, so no backref puts the vendor into
    # the market's or stall's collections and nothing is left for the flush at commit.
    set_committed_value(vendor, "market", market)
    set_committed_value(vendor, "stall", stall)
    set_committed_value(vendor, "status_periods", [period])
    # Listed as a reload lists them (Vendor.payment_methods is ordered by the day first used).
    set_committed_value(vendor, "payment_methods",
                        sorted(payment_methods, key=lambda method: method.started_on))
    for new in (vendor, period, *payment_methods, *new_stalls):
        as_loaded(session, new)
    return vendor


# What the audit log keeps of a vendor registered (with the first day of its membership).
REGISTERED_FIELDS = ("kind", "name", "phone", "citizen_id", "tax_code", "market_id", "stall_id",
                     "ward_code")


def _registration_log(actor: User, vendor: Vendor, joined_on: dt.date,
                      payment_methods: list[PaymentMethod], new_stalls: list[Stall]) -> list[dict]:
    """The audit entries of a registration: the vendor, each payment method, a stall it made."""
    def given(values: dict) -> dict:
        return {name: value for name, value in values.items() if value is not None}

    entries = [{"user_id": actor.id, "action": "vendor.register", "entity": "vendor",
                "entity_id": vendor.id, "vendor_id": vendor.id,
                "after": given({**snapshot(vendor, REGISTERED_FIELDS),
                                "first_day": joined_on.isoformat()})}]
    entries += [{"user_id": actor.id, "action": "payment_method.add", "entity": "payment_method",
                 "entity_id": method.id, "vendor_id": vendor.id,
                 "after": given(snapshot(method, LOGGED_FIELDS))} for method in payment_methods]
    entries += [{"user_id": actor.id, "action": "stall.create", "entity": "stall",
                 "entity_id": stall.id, "after": {"market_id": stall.market_id, "code": stall.code}}
                for stall in new_stalls]
    return entries


# The columns of a payment method row, whatever its kind: rows inserted by one statement have
# the same columns.
_METHOD_COLUMNS = ("kind", "bank_bin", "account_number", "account_holder", "wallet_provider",
                   "wallet_payload", "terminal_provider", "terminal_id")


def _method_row(method: dict, vendor_id: int, joined_on: dt.date, now: dt.datetime) -> dict:
    return {**{name: method.get(name) for name in _METHOD_COLUMNS},
            "started_on": method.get("started_on") or joined_on, "vendor_id": vendor_id,
            "created_at": now}


def _new_stall(session: Session, market: Market, code: str) -> Stall:
    """The market's new stall with this code, inserted; or, when another registration created
    the same stall since it was looked for (two agents at one new row of stalls), that one."""
    values = {"market_id": market.id, "code": code, "zone": None,
              "match_key": stall_match_key(code)}
    connection = session.connection()
    stall_id = connection.execute(_insert_stall_if_new(connection.dialect.name), values).scalar()
    if stall_id is None:
        return session.scalars(select(Stall).where(
            Stall.market_id == market.id, Stall.code == code)).one()
    return made_object(Stall, (stall_id, *values.values()), ("id", *values))


@functools.cache
def _insert_stall_if_new(dialect: str):
    # INSERT ... ON CONFLICT DO NOTHING: the same statement on both engines, spelled by each.
    stalls = Stall.__table__
    return ({"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](stalls)
            .on_conflict_do_nothing(index_elements=[stalls.c.market_id, stalls.c.code])
            .returning(stalls.c.id))
