"""Finding vendors within a user's scope."""
from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import NamedTuple

from marshmallow import ValidationError
from sqlalchemy import (
    ColumnElement, and_, bindparam, func, insert, inspect, literal, null, or_, select, union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached, selectinload

from accounts.models import Role, User
from accounts.service import market_scope, vendor_scope, ward_scope
from db import utcnow
from market.models import Market, Stall, Ward
from market.service import search_markets
from qr.banks import BankAccountError, list_banks, validate_bank_account
from qr.models import Bank
from qr.payload import PayloadError, check_wallet_payload
from qr.scan import ScanError, read_payment_code
from periods import not_ended_by
from textnorm import nfc, search_key
from vendors.importer import Sheet
from vendors.models import (
    IdempotencyRecord, PaymentMethod, PaymentMethodKind, Vendor, VendorKind, VendorStatusPeriod,
    WalletProvider,
)
from vendors.schemas import VendorRegistrationInput, flat_messages
from vendors.status import accepts_cashless_on, method_in_use_on

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search_vendors(
    session: Session,
    scope: ColumnElement[bool],
    *,
    query: str = "",
    market_id: int | None = None,
    province_code: str | None = None,
    ward_code: str | None = None,
    kind: VendorKind | None = None,
    accepts_cashless: bool | None = None,
    day: dt.date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """Vendors in scope whose name matches `query` with or without diacritics, optionally in a
    province, commune or market (where they trade, or are registered when they have no
    market), of a kind, and taking cashless payment on `day` (today) or not."""
    conditions = [scope]
    if query:
        conditions.append(Vendor.search_key.contains(search_key(query), autoescape=True))
    if market_id is not None:
        conditions.append(Vendor.market_id == market_id)
    if ward_code is not None:
        conditions.append(or_(
            Vendor.market_id.in_(select(Market.id).where(Market.ward_code == ward_code)),
            Vendor.ward_code == ward_code))
    if province_code is not None:
        wards = select(Ward.code).where(Ward.province_code == province_code)
        conditions.append(or_(
            Vendor.market_id.in_(select(Market.id).where(Market.ward_code.in_(wards))),
            Vendor.ward_code.in_(wards)))
    if kind is not None:
        conditions.append(Vendor.kind == kind)
    if accepts_cashless is not None:
        cashless = accepts_cashless_on(day or dt.date.today())
        conditions.append(cashless if accepts_cashless else ~cashless)
    total = session.scalar(select(func.count()).select_from(Vendor).where(*conditions))
    offset = (max(page, 1) - 1) * page_size
    if offset >= total:
        # Past the last page, however far (the database would refuse an offset past 2**63).
        return Page([], total, max(page, 1), page_size)
    stmt = (
        select(Vendor)
        .where(*conditions)
        .options(selectinload(Vendor.market), selectinload(Vendor.stall),
                 selectinload(Vendor.payment_methods), selectinload(Vendor.status_periods))
        .order_by(Vendor.name, Vendor.id)
        .limit(page_size)
        .offset(offset)
    )
    return Page(list(session.scalars(stmt)), total, max(page, 1), page_size)


def get_vendor(session: Session, vendor_id: int, scope: ColumnElement[bool]) -> Vendor | None:
    return session.scalar(select(Vendor).where(Vendor.id == vendor_id, scope))


def mask_phone(phone: str | None) -> str | None:
    """Keep the last three digits, enough to tell two vendors apart on a list."""
    if not phone:
        return phone
    return "•" * (len(phone) - 3) + phone[-3:]


# --- Registering and changing vendors ---------------------------------------------------------


class OnboardingError(Exception):
    """A registration or change that is refused; `messages` maps each field to its reasons,
    in the shape marshmallow uses, so pages and the API show them beside the field."""

    status = 422

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in messages.values() for m in ms))
        self.messages = messages


class NotAllowed(OnboardingError):
    status = 403


class NotFound(OnboardingError):
    status = 404


class IdempotencyConflict(OnboardingError):
    status = 409


@dataclass(frozen=True)
class DuplicateMatch:
    vendor_id: int
    # Name and market only when the existing vendor is within the user's scope.
    name: str | None
    market_name: str | None
    reasons: tuple[str, ...]


class DuplicateVendorError(OnboardingError):
    status = 409

    def __init__(self, matches: list[DuplicateMatch]):
        reasons = sorted({reason for match in matches for reason in match.reasons})
        super().__init__({"duplicate": [
            "Đã có tiểu thương trùng " + ", ".join(reasons) + ". Kiểm tra lại trước khi đăng ký mới."
        ]})
        self.matches = matches


@dataclass(frozen=True)
class Registration:
    vendor: Vendor
    # True when this is a retry of a registration already made with the same key.
    replayed: bool


WRITER_ROLES = {Role.ADMIN, Role.ONBOARDING_AGENT, Role.COMMUNE_STAFF}
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
        raise OnboardingError({"idempotency_key": [
            "Mã chống gửi trùng phải gồm 8–64 ký tự chữ, số, gạch ngang hoặc gạch dưới."]})
    if actor.role not in WRITER_ROLES:
        raise NotAllowed({"role": ["Tài khoản của bạn không được đăng ký tiểu thương."]})
    fingerprint = request_fingerprint(data)
    place = _place_for_registration(session, actor, data)
    methods = [_checked_method(session, m) for m in data["payment_methods"]]
    # The retry and duplicate checks are index lookups in one statement: most registrations
    # are neither, and then that statement is all they cost.
    check_duplicates = not data.get("allow_duplicate")
    hits = _matching_vendors(
        session, phone=data.get("phone") if check_duplicates else None,
        citizen_id=data.get("citizen_id") if check_duplicates else None,
        bank_accounts=[(m["bank_bin"], m["account_number"]) for m in methods
                       if check_duplicates and m["kind"] is PaymentMethodKind.BANK_ACCOUNT],
        registration=(actor.id, idempotency_key) if idempotency_key else None,
    )
    if hits.registered is not None:
        return _earlier_registration(session, *hits.registered, fingerprint)
    if hits.reasons:
        raise DuplicateVendorError(_duplicate_matches(session, vendor_scope(actor), hits.reasons))
    try:
        vendor = _insert_vendor(session, actor, data, place, methods,
                                idempotency_key, fingerprint)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A try with the same key committed first (the idempotency record both insert is
        # refused here): drop ours, answer with theirs.
        session.rollback()
        registered = _matching_vendors(session, registration=(actor.id, idempotency_key)).registered
        if registered is None:
            raise
        return _earlier_registration(session, *registered, fingerprint)
    return Registration(vendor, replayed=False)


def _earlier_registration(session: Session, vendor_id: int, first_fingerprint: str,
                          fingerprint: str) -> Registration:
    """The answer to a retry: the vendor its key registered, or a conflict when the key was
    used for other content."""
    if first_fingerprint != fingerprint:
        raise IdempotencyConflict({"idempotency_key": [
            "Mã chống gửi trùng này đã dùng cho một lần đăng ký có nội dung khác. "
            "Hãy tạo lần đăng ký mới thay vì gửi lại."]})
    vendor = session.scalars(select(Vendor).where(Vendor.id == vendor_id).options(
        joinedload(Vendor.market), joinedload(Vendor.stall), joinedload(Vendor.status_periods),
        joinedload(Vendor.payment_methods))).unique().one()
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
    """The market in the actor's scope, and the stall asked for, in one query."""
    market_id = data.get("market_id")
    if not market_id:
        ward_ok = session.scalar(select(Ward.code).where(Ward.code == data.get("ward_code"),
                                                         ward_scope(actor)))
        if ward_ok is None:
            raise OnboardingError({"ward_code": ["Không có xã/phường này trong địa bàn của bạn."]})
        return _Place(market=None, ward_code=ward_ok)
    stall_id = data.get("stall_id")
    # Agents find new stall numbers: a code the market does not have yet is a new stall.
    code = (data.get("stall_code") or "").upper() or None
    stall_by = "id" if stall_id else "code" if code else None
    scope = _ActorScope(actor.role, actor.province_code, actor.ward_code, actor.market_id,
                        actor.cooperative_id)
    found = session.execute(_market_query(scope, stall_by),
                            {"market_id": market_id, "stall": stall_id or code}).first()
    market, stall = (found[0], found[1] if stall_by else None) if found else (None, None)
    if market is None:
        raise OnboardingError({"market_id": ["Không có chợ này trong địa bàn của bạn."]})
    if stall_id and stall is None:
        raise OnboardingError({"stall_id": [f"Quầy có id {stall_id} không thuộc chợ «{market.name}»."]})
    return _Place(market=market, stall=stall, new_stall_code=None if stall else code)


class _ActorScope(NamedTuple):
    """What accounts.service's scope clauses read of a user, as a value: the queries built on it
    are kept (_market_query)."""

    role: Role
    province_code: str | None
    ward_code: str | None
    market_id: int | None
    cooperative_id: int | None


@functools.lru_cache(maxsize=256)
def _market_query(scope: _ActorScope, stall_by: str | None):
    """The market :market_id if it is in the scope and, when `stall_by` is "id" or "code", its
    stall with that id or code (:stall), or None. Built once per scope and kept: building a
    statement and its cache key costs about as much as running it, on every registration."""
    stmt = select(Market).where(Market.id == bindparam("market_id"), market_scope(scope))
    if stall_by:
        wanted = (Stall.id if stall_by == "id" else Stall.code) == bindparam("stall")
        stmt = stmt.add_columns(Stall).outerjoin(
            Stall, and_(Stall.market_id == Market.id, wanted))
    return stmt


def _insert_vendor(session: Session, actor: User, data: dict, place: _Place, methods: list[dict],
                   idempotency_key: str | None, fingerprint: str) -> Vendor:
    """Insert the new vendor's rows, one statement per table, and return the Vendor they make,
    persistent in the session as a query would have loaded it.

    This is the onboarding hot path (bench/onboarding.py). The ORM's unit of work spent a third
    of a registration's time finding the order of these inserts, which is known here; the
    objects are built after the rows are in and handed to the session as already loaded
    (make_transient_to_detached), so nothing is flushed again and callers get a Vendor like any
    other, relationships filled in, with no query for them.
    """
    now = utcnow()
    joined_on = data.get("joined_on") or dt.date.today()
    market, stall = place.market, place.stall
    new_stalls = []
    if place.new_stall_code:
        stall = _new_stall(session, market, place.new_stall_code)
        new_stalls = [] if inspect(stall).persistent else [stall]
    (vendor,) = _insert_rows(session, Vendor, [{
        "kind": data["kind"], "name": data["name"], "search_key": search_key(data["name"]),
        "phone": data.get("phone"), "citizen_id": data.get("citizen_id"),
        "tax_code": data.get("tax_code"), "market_id": market.id if market else None,
        "stall_id": stall.id if stall else None, "ward_code": place.ward_code,
        "created_at": now,
    }])
    (period,) = _insert_rows(session, VendorStatusPeriod, [
        {"vendor_id": vendor.id, "joined_on": joined_on}])
    payment_methods = _insert_rows(session, PaymentMethod, [
        {**method, "started_on": method.get("started_on") or joined_on, "vendor_id": vendor.id,
         "created_at": now}
        for method in methods
    ])
    if idempotency_key is not None:
        _insert_rows(session, IdempotencyRecord, [{
            "user_id": actor.id, "key": idempotency_key, "fingerprint": fingerprint,
            "vendor_id": vendor.id, "created_at": now}])
    vendor.market, vendor.stall = market, stall
    vendor.status_periods = [period]
    # Listed as a reload lists them (Vendor.payment_methods is ordered by the day first used).
    vendor.payment_methods = sorted(payment_methods, key=lambda method: method.started_on)
    for new in (vendor, period, *payment_methods, *new_stalls):
        make_transient_to_detached(new)
    session.add(vendor)
    return vendor


def _new_stall(session: Session, market: Market, code: str) -> Stall:
    """The market's new stall with this code, inserted; or, when another registration created
    the same stall since it was looked for (two agents at one new row of stalls), that one."""
    values = {"market_id": market.id, "code": code, "zone": None}
    stall_id = session.connection().execute(
        _insert_stall_if_new(session.get_bind().dialect.name), values).scalar()
    if stall_id is None:
        return session.scalars(select(Stall).where(
            Stall.market_id == market.id, Stall.code == code)).one()
    return Stall(id=stall_id, **values)


@functools.cache
def _insert_stall_if_new(dialect: str):
    # INSERT ... ON CONFLICT DO NOTHING: the same statement on both engines, spelled by each.
    stalls = Stall.__table__
    return ({"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](stalls)
            .on_conflict_do_nothing(index_elements=[stalls.c.market_id, stalls.c.code])
            .returning(stalls.c.id))


def _insert_rows(session: Session, model, rows: list[dict]) -> list:
    """INSERT `rows` into the model's table with one statement (Core, not the unit of work) and
    return the transient objects they make, ids and every column set (a column not given is
    NULL), in the order given."""
    if not rows:
        return []
    table = model.__table__
    rows = [{column.key: row.get(column.key) for column in table.columns if column.key != "id"}
            for row in rows]
    ids = session.connection().execute(
        _insert_returning_id(table), rows[0] if len(rows) == 1 else rows).scalars().all()
    return [model(id=row_id, **row) for row_id, row in zip(ids, rows)]


@functools.cache
def _insert_returning_id(table):
    # Built once per table: building a statement and its cache key costs as much as running it.
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def _stall_in_market(session: Session, market: Market, stall_id: int) -> Stall:
    stall = session.scalar(select(Stall).where(Stall.id == stall_id, Stall.market_id == market.id))
    if stall is None:
        raise OnboardingError({"stall_id": [f"Quầy có id {stall_id} không thuộc chợ «{market.name}»."]})
    return stall


def _checked_method(session: Session, method: dict) -> dict:
    """A payment method as stored: bank and account checked, wallet code checked and kept as read."""
    kind = method["kind"]
    row = {"kind": kind, "started_on": method.get("started_on")}
    if kind is PaymentMethodKind.BANK_ACCOUNT:
        try:
            bank, number = validate_bank_account(session, method["bank_bin"], method["account_number"])
        except BankAccountError as error:
            raise OnboardingError({"account_number": [str(error)]}) from error
        row.update(bank_bin=bank.bin, account_number=number,
                   account_holder=method["account_holder"])
    elif kind is PaymentMethodKind.EWALLET:
        payload = method.get("wallet_payload")
        if payload:
            try:
                check_wallet_payload(payload)
            except PayloadError as error:
                raise OnboardingError({"wallet_payload": [error.message_vi]}) from error
        row.update(wallet_provider=method["wallet_provider"], wallet_payload=payload)
    else:
        row.update(terminal_provider=method["terminal_provider"],
                   terminal_id=method.get("terminal_id"))
    return row


# At most this many vendors are listed per test (phone, citizen ID, each bank account).
DUPLICATES_PER_TEST = 20


def find_duplicates(
    session: Session,
    scope: ColumnElement[bool],
    *,
    phone: str | None = None,
    citizen_id: str | None = None,
    bank_accounts: list[tuple[str, str]] = (),
    exclude_vendor_id: int | None = None,
) -> list[DuplicateMatch]:
    """Existing vendors with the same phone, citizen ID or bank account, with every reason each
    matched on; name and market only for those within `scope`."""
    reasons = _matching_vendors(session, phone=phone, citizen_id=citizen_id,
                                bank_accounts=bank_accounts).reasons
    reasons.pop(exclude_vendor_id, None)
    return _duplicate_matches(session, scope, reasons) if reasons else []


def _duplicate_matches(session: Session, scope: ColumnElement[bool],
                       reasons: dict[int, list[str]]) -> list[DuplicateMatch]:
    ids = sorted(reasons)[:DUPLICATES_PER_TEST * len({r for rs in reasons.values() for r in rs})]
    details = session.execute(
        select(Vendor.id, scope, Vendor.name, Market.name)
        .outerjoin(Market, Market.id == Vendor.market_id).where(Vendor.id.in_(ids)))
    return [
        DuplicateMatch(vendor_id, name if in_scope else None,
                       market_name if in_scope else None, tuple(reasons[vendor_id]))
        for vendor_id, in_scope, name, market_name in sorted(details)
    ]


@dataclass
class _Matches:
    reasons: dict[int, list[str]]  # vendor id -> what it shares with the new one
    # (vendor id, fingerprint) of the registration sent before with the same key, if any
    registered: tuple[int, str] | None


_PHONE, _CITIZEN_ID, _BANK_ACCOUNT, _SAME_KEY = (
    "số điện thoại", "số CCCD", "tài khoản ngân hàng", "same key")


def _matching_vendors(session: Session, *, phone: str | None = None,
                      citizen_id: str | None = None, bank_accounts: list[tuple[str, str]] = (),
                      registration: tuple[int, str] | None = None) -> _Matches:
    """The vendors with this phone, citizen ID or a bank account of these, and the vendor that
    user registered with this idempotency key, by index lookups in one statement."""
    lookups = _lookups_statement(bool(phone), bool(citizen_id), len(bank_accounts),
                                 registration is not None)
    found = _Matches({}, None)
    if lookups is None:
        return found
    params = {"phone": phone, "citizen_id": citizen_id}
    for i, (bank_bin, number) in enumerate(bank_accounts):
        params[f"bin_{i}"], params[f"account_{i}"] = bank_bin, number
    if registration is not None:
        params["user_id"], params["key"] = registration
    for vendor_id, reason, fingerprint in session.connection().execute(lookups, params):
        if reason == _SAME_KEY:
            found.registered = (vendor_id, fingerprint)
        elif reason not in found.reasons.setdefault(vendor_id, []):
            found.reasons[vendor_id].append(reason)
    return found


@functools.cache
def _lookups_statement(phone: bool, citizen_id: bool, bank_accounts: int, registration: bool):
    """One indexed lookup per test, each row labelled with its reason, as one statement built
    once for each combination of tests (it runs on every registration). One WHERE with the
    tests OR-ed together read every vendor of the country instead."""
    vendors, methods = Vendor.__table__, PaymentMethod.__table__
    keys = IdempotencyRecord.__table__
    no_fingerprint = null().cast(keys.c.fingerprint.type)
    lookups = []
    if phone:
        lookups.append(select(vendors.c.id, literal(_PHONE), no_fingerprint)
                       .where(vendors.c.phone == bindparam("phone")))
    if citizen_id:
        lookups.append(select(vendors.c.id, literal(_CITIZEN_ID), no_fingerprint)
                       .where(vendors.c.citizen_id == bindparam("citizen_id")))
    if bank_accounts:
        lookups.append(select(methods.c.vendor_id, literal(_BANK_ACCOUNT), no_fingerprint)
                       .where(or_(*(
            and_(methods.c.bank_bin == bindparam(f"bin_{i}"),
                 methods.c.account_number == bindparam(f"account_{i}"))
            for i in range(bank_accounts)))))
    if registration:
        lookups.append(select(keys.c.vendor_id, literal(_SAME_KEY), keys.c.fingerprint)
                       .where(keys.c.user_id == bindparam("user_id"),
                              keys.c.key == bindparam("key")))
    return union_all(*lookups) if lookups else None


def writable_vendor(session: Session, actor: User, vendor_id: int) -> Vendor:
    """The vendor, if the actor may change it; a cooperative manager may change their own."""
    vendor = get_vendor(session, vendor_id, vendor_scope(actor))
    if vendor is None:
        raise NotFound({"vendor_id": ["Không tìm thấy tiểu thương này trong địa bàn của bạn."]})
    own_cooperative = actor.role is Role.COOPERATIVE_MANAGER and actor.cooperative_id == vendor.id
    if actor.role not in WRITER_ROLES and not own_cooperative:
        raise NotAllowed({"role": ["Tài khoản của bạn chỉ được xem, không được sửa."]})
    return vendor


def close_vendor(session: Session, actor: User, vendor_id: int, left_on: dt.date,
                 reason: str | None = None) -> Vendor:
    """Record that the vendor left on `left_on` (the first day away); nothing is deleted."""
    vendor = writable_vendor(session, actor, vendor_id)
    period = session.scalar(select(VendorStatusPeriod).where(
        VendorStatusPeriod.vendor_id == vendor.id, VendorStatusPeriod.left_on.is_(None)))
    if period is None:
        raise OnboardingError({"left_on": ["Tiểu thương này đã nghỉ bán rồi."]})
    if left_on <= period.joined_on:
        raise OnboardingError({"left_on": [
            f"Ngày nghỉ phải sau ngày bắt đầu kinh doanh ({period.joined_on:%d/%m/%Y})."]})
    period.left_on, period.left_reason = left_on, nfc(reason)
    # Payment methods stop with the membership: the figures count neither after that day.
    for method in vendor.payment_methods:
        if not_ended_by(method.stopped_on, left_on):
            method.stopped_on = max(left_on, method.started_on)
    session.flush()
    return vendor


def add_payment_method(session: Session, actor: User, vendor_id: int, data: dict) -> PaymentMethod:
    vendor = writable_vendor(session, actor, vendor_id)
    row = _checked_method(session, data)
    method = PaymentMethod(vendor_id=vendor.id, **{**row, "started_on": row["started_on"] or dt.date.today()})
    session.add(method)
    session.flush()
    return method


def stop_payment_method(session: Session, actor: User, method_id: int,
                        stopped_on: dt.date) -> PaymentMethod:
    """Record the first day a payment method was no longer in use; nothing is deleted."""
    method = session.get(PaymentMethod, method_id)
    if method is None:
        raise NotFound({"payment_method_id": ["Không tìm thấy phương thức thanh toán này."]})
    writable_vendor(session, actor, method.vendor_id)
    if method.stopped_on is not None:
        raise OnboardingError({"stopped_on": ["Phương thức này đã ngừng dùng rồi."]})
    if stopped_on < method.started_on:
        raise OnboardingError({"stopped_on": [
            f"Ngày ngừng phải từ ngày bắt đầu dùng ({method.started_on:%d/%m/%Y}) trở đi."]})
    method.stopped_on = stopped_on
    session.flush()
    return method


# --- The onboarding page: who may use it, the choices it offers, reading a sticker ------------


def may_register_vendors(user: User) -> bool:
    return user.role in WRITER_ROLES


def new_idempotency_key() -> str:
    """A key for one registration, put in the form (the page's script replaces it with its own)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class OnboardingChoices:
    markets: list[Market]
    banks: list[Bank]


def onboarding_choices(session: Session, actor: User, market_query: str = "",
                       market_id: int | None = None) -> OnboardingChoices:
    """The markets (those matching `market_query`, and the one chosen) and banks the form lists."""
    scope = market_scope(actor)
    markets = search_markets(session, scope, market_query, limit=MARKET_CHOICES)
    if market_id and all(market.id != market_id for market in markets):
        chosen = session.scalar(select(Market).where(Market.id == market_id, scope))
        if chosen is not None:
            markets.insert(0, chosen)
    return OnboardingChoices(markets=markets, banks=list_banks(session))


MARKET_CHOICES = 20
# qr.payload names the wallet a sticker pays; these are the wallets cho40 records.
_WALLETS_BY_NAME = {"MoMo": WalletProvider.MOMO, "ZaloPay": WalletProvider.ZALOPAY,
                    "Viettel Money": WalletProvider.VIETTEL_MONEY,
                    "VNPT Money": WalletProvider.VNPT_MONEY, "ShopeePay": WalletProvider.SHOPEEPAY}


@dataclass(frozen=True)
class StickerScan:
    """The bank account read from a trader's bank QR sticker, to prefill the form with."""

    bank_bin: str
    bank_name: str
    account_number: str


class StickerScanError(OnboardingError):
    """The photo gives no bank account. `reason` is qr.scan.ScanError's code, or "wallet_code"
    when it is a wallet's code: then `wallet_provider` and `wallet_payload` offer to keep it as
    an e-wallet instead."""

    def __init__(self, reason: str, message: str, *, wallet_provider: WalletProvider | None = None,
                 wallet_name: str | None = None, wallet_payload: str | None = None):
        super().__init__({"photo": [message]})
        self.reason = reason
        self.wallet_provider = wallet_provider
        self.wallet_name = wallet_name
        self.wallet_payload = wallet_payload


def scan_payment_sticker(session: Session, image_bytes: bytes) -> StickerScan:
    """The bank and account number on the QR sticker in a photo; StickerScanError says why not."""
    try:
        code = read_payment_code(image_bytes)
    except ScanError as error:
        raise StickerScanError(error.code, error.message_vi) from error
    if code.wallet is not None:
        name = code.wallet.provider
        provider = _WALLETS_BY_NAME.get(name, WalletProvider.OTHER)
        what = f"mã ví {name}" if name in _WALLETS_BY_NAME else (
            f"mã {name}" if name else "mã thanh toán của ví hoặc cổng thanh toán")
        raise StickerScanError(
            "wallet_code",
            f"Đây là {what}, không phải mã chuyển khoản ngân hàng, nên không điền được số tài khoản. "
            "Có thể thêm mã này làm ví điện tử của tiểu thương; mã được lưu nguyên như đã quét.",
            wallet_provider=provider, wallet_name=name or "", wallet_payload=code.payload,
        )
    bank = session.get(Bank, code.transfer.bin)
    if bank is None:
        raise StickerScanError(
            "unknown_bank",
            f"Mã QR chuyển tiền vào ngân hàng có mã BIN {code.transfer.bin}, chưa có trong danh mục "
            "ngân hàng của hệ thống. Hãy chọn ngân hàng và nhập số tài khoản bằng tay.",
        )
    return StickerScan(bank_bin=bank.bin, bank_name=bank.short_name,
                       account_number=code.transfer.account)


# --- Bulk import of a commune's vendor list (XLSX or CSV, read by vendors.importer) ------------


@dataclass(frozen=True)
class ImportIssue:
    row: int  # as Excel numbers it, so people find it
    column: str | None  # the column as the file names it, "SĐT (cột C)"; None for the whole row
    message: str


@dataclass
class ImportReport:
    format: str
    rows: int
    errors: list[ImportIssue]
    # Worth a second look, but no reason to refuse the row.
    warnings: list[ImportIssue]
    ignored_columns: list[str]
    vendor_ids: list[int]
    committed: bool = False

    @property
    def valid_rows(self) -> int:
        return self.rows - len({issue.row for issue in self.errors})


# Where a key of VendorRegistrationInput's or register_vendor's messages shows in the file.
_IMPORT_FIELDS = {
    "kind": "kind", "name": "name", "phone": "phone", "citizen_id": "citizen_id",
    "tax_code": "tax_code", "market_id": "market", "ward_code": "market",
    "stall_code": "stall_code", "joined_on": "joined_on", "bank_bin": "bank",
    "account_number": "account_number", "account_holder": "account_holder",
}


def plan_import(session: Session, actor: User, sheet: Sheet,
                default_market_id: int | None = None) -> ImportReport:
    """Check every row of `sheet` by registering it, as the onboarding form would, inside a
    savepoint that is then rolled back: the dry run writes nothing."""
    return _import_sheet(session, actor, sheet, default_market_id, keep=False)


def commit_import(session: Session, actor: User, sheet: Sheet,
                  default_market_id: int | None = None) -> ImportReport:
    """Check every row again and register all of them, or none if any row is refused.
    The caller commits when `report.committed`."""
    return _import_sheet(session, actor, sheet, default_market_id, keep=True)


def _import_sheet(session: Session, actor: User, sheet: Sheet, default_market_id: int | None,
                  keep: bool) -> ImportReport:
    if not may_register_vendors(actor):
        raise NotAllowed({"role": ["Tài khoản của bạn không được đăng ký tiểu thương."]})
    if default_market_id is not None and session.scalar(select(Market.id).where(
            Market.id == default_market_id, market_scope(actor))) is None:
        raise OnboardingError({"market_id": ["Không có chợ này trong địa bàn của bạn."]})
    report = ImportReport(
        format=sheet.format, rows=len(sheet.rows), errors=[], warnings=[],
        ignored_columns=[column.label for column in sheet.ignored], vendor_ids=[],
    )
    banks = _bank_index(session)
    markets = _ImportMarkets(session, actor)
    schema = VendorRegistrationInput()
    seen: dict[tuple, int] = {}
    created: dict[int, int] = {}  # vendor id -> row
    everything = session.begin_nested()
    try:
        for row in sheet.rows:
            errors = {name: list(messages) for name, messages in row.errors.items()}
            raw = _registration_input(row, errors, banks, markets, default_market_id)
            refused = set(errors)
            data = None
            try:
                data = schema.load(raw)
            except ValidationError as error:
                for key, messages in flat_messages(error.messages).items():
                    name = _IMPORT_FIELDS.get(key)
                    # A cell already refused (an unknown bank, say) needs no second message.
                    if name is None or name not in refused:
                        errors.setdefault(name, []).extend(messages)
            _same_as_earlier_row(row.number, _identity(schema, raw, data), seen, errors)
            refused_by_database = False
            if data is not None and not errors:
                refused_by_database = _register_row(session, actor, data, row.number, created,
                                                    errors)
            for name, messages in errors.items():
                report.errors.extend(ImportIssue(row.number, sheet.label(name), m)
                                     for m in messages)
            for name, messages in row.warnings.items():
                report.warnings.extend(ImportIssue(row.number, sheet.label(name), m)
                                       for m in messages)
            if refused_by_database:
                break
        if keep and not report.errors:
            everything.commit()
            report.committed = True
            report.vendor_ids = list(created)
        else:
            everything.rollback()
    except BaseException:
        if everything.is_active:
            everything.rollback()
        raise
    return report


def _register_row(session: Session, actor: User, data: dict, number: int,
                  created: dict[int, int], errors: dict) -> bool:
    """Register one row, or record why not; True when the database refused it, which ends the
    check. register_vendor refuses before it writes, so a refused row leaves nothing behind and
    no savepoint per row is needed (thousands of them overflow PostgreSQL's subtransaction
    cache and slow every session down)."""
    try:
        registration = register_vendor(session, actor, data)
    except DuplicateVendorError as error:
        errors.setdefault(None, []).extend(_duplicate_message(m, created) for m in error.matches)
    except OnboardingError as error:
        for key, messages in error.messages.items():
            errors.setdefault(_IMPORT_FIELDS.get(key), []).extend(str(m) for m in messages)
    except (IntegrityError, DataError):
        errors.setdefault(None, []).append(
            "Cơ sở dữ liệu không nhận dòng này; kiểm tra độ dài và định dạng các ô. Các dòng "
            "sau chưa được kiểm tra.")
        return True
    else:
        created[registration.vendor.id] = number
    return False


def _registration_input(row, errors: dict, banks: dict[str, str], markets: _ImportMarkets,
                        default_market_id: int | None) -> dict:
    """What VendorRegistrationInput loads, from a row; cells refused while reading are left out."""
    values = {name: value for name, value in row.values.items() if name not in errors}
    raw = {name: values[name] for name in ("kind", "name", "phone", "citizen_id", "tax_code",
                                           "stall_code") if name in values}
    if "joined_on" in values:
        raw["joined_on"] = values["joined_on"].isoformat()
    raw["market_id"] = default_market_id
    if "market" in values:
        raw["market_id"], problem = markets.find(values["market"])
        if problem:
            errors["market"] = [problem]
    if any(row.values.get(name) for name in ("bank", "account_number", "account_holder")):
        bank_bin = None
        if "bank" in values:
            bank_bin = banks.get(_bank_key(values["bank"]))
            if bank_bin is None:
                errors["bank"] = [
                    f"Không nhận ra ngân hàng «{values['bank']}». Ghi tên viết tắt như "
                    "Vietcombank, Agribank, BIDV, VietinBank, hoặc mã BIN 6 chữ số (xem trang "
                    "Ngân hàng)."
                ]
        raw["payment_methods"] = [{
            "kind": PaymentMethodKind.BANK_ACCOUNT.value, "bank_bin": bank_bin,
            "account_number": values.get("account_number"),
            "account_holder": values.get("account_holder"),
        }]
    return raw


_IDENTITY_FIELDS = {"phone": "số điện thoại", "citizen_id": "số CCCD"}


def _identity(schema: VendorRegistrationInput, raw: dict, data: dict | None) -> dict:
    """What makes two rows the same person, normalised as registration stores it; taken from
    the row even when another cell of it is wrong, so a repeat further down is still found."""
    found = {}
    for name in _IDENTITY_FIELDS:
        if data is not None:
            found[name] = data.get(name)
        elif raw.get(name):
            try:
                found[name] = schema.fields[name].deserialize(raw[name])
            except ValidationError:
                pass
    for method in raw.get("payment_methods", []):
        digits = re.sub(r"[^0-9]", "", method.get("account_number") or "")
        if method.get("bank_bin") and digits:
            found["bank_account"] = (method["bank_bin"], digits)
    return {name: value for name, value in found.items() if value}


def _same_as_earlier_row(number: int, identity: dict, seen: dict[tuple, int],
                         errors: dict) -> None:
    for name, value in identity.items():
        earlier = seen.setdefault((name, value), number)
        if earlier != number:
            what = _IDENTITY_FIELDS.get(name, "tài khoản ngân hàng")
            column = "account_number" if name == "bank_account" else name
            errors.setdefault(column, []).append(f"Trùng {what} với dòng {earlier} trong tệp.")


def _duplicate_message(match: DuplicateMatch, created: dict[int, int]) -> str:
    reasons = ", ".join(match.reasons)
    if match.vendor_id in created:
        return f"Trùng {reasons} với dòng {created[match.vendor_id]} trong tệp."
    if match.name is None:
        return (f"Đã có tiểu thương trùng {reasons} ở ngoài địa bàn của bạn. "
                "Liên hệ cán bộ xã/phường để kiểm tra.")
    where = f" ({match.market_name})" if match.market_name else ""
    return (f"Đã có tiểu thương trùng {reasons}: {match.name}{where}. "
            "Bỏ dòng này khỏi tệp nếu là cùng một người.")


def _bank_key(text: str) -> str:
    words = search_key(text).split()
    if words[:2] == ["ngan", "hang"]:
        words = words[2:]
    elif words[:1] == ["nh"]:
        words = words[1:]
    return "".join(words)


def _bank_index(session: Session) -> dict[str, str]:
    """BIN by every way a list may name the bank: BIN, code, short or full name."""
    banks = list(session.scalars(select(Bank)))
    index: dict[str, str] = {}
    for bank in banks:
        for name in (bank.bin, bank.code, bank.short_name, bank.full_name):
            index.setdefault(_bank_key(name), bank.bin)
    for bank in banks:
        # "MB" for "MB Bank": only where no bank is already known by that word.
        key = _bank_key(bank.short_name)
        if key.endswith("bank") and len(key) > 5:
            index.setdefault(key[:-4], bank.bin)
    return index


class _ImportMarkets:
    """Markets named in the "Chợ" column, found within the user's scope, diacritics optional."""

    def __init__(self, session: Session, actor: User):
        self.session, self.scope = session, market_scope(actor)
        self.found: dict[str, tuple[int | None, str | None]] = {}

    def find(self, name: str) -> tuple[int | None, str | None]:
        """(market id, None), or (None, why not)."""
        key = search_key(name)
        if key not in self.found:
            self.found[key] = self._find(name, key)
        return self.found[key]

    def _find(self, name: str, key: str) -> tuple[int | None, str | None]:
        candidates = search_markets(self.session, self.scope, name, limit=10)
        exact = [m for m in candidates if m.search_key in (key, f"cho {key}")]
        if len(exact) == 1:
            return exact[0].id, None
        if len(candidates) == 1 and not exact:
            return candidates[0].id, None
        if not candidates:
            return None, f"Không có chợ «{name}» trong địa bàn của bạn."
        names = ", ".join(f"{m.name} ({m.ward.name})" for m in (exact or candidates)[:5])
        return None, (f"«{name}» khớp nhiều chợ: {names}. Ghi đủ tên chợ, hoặc tách tệp theo chợ "
                      "và chọn chợ khi tải lên.")


# --- Changing vendors and payment methods (the JSON API) --------------------------------------


class Conflict(OnboardingError):
    """The change clashes with what is already recorded."""

    status = 409


def update_vendor(session: Session, actor: User, vendor_id: int, data: dict) -> Vendor:
    """Change the fields VendorUpdateInput loaded, and only those; the kind and the history stay.

    A phone or citizen ID another vendor already has is refused as a possible duplicate unless
    `allow_duplicate` says the person has checked. Moving to another market leaves the stall
    unless a stall of the new market is given.
    """
    vendor = writable_vendor(session, actor, vendor_id)
    if "name" in data and not data["name"]:
        raise OnboardingError({"name": ["Vui lòng điền họ tên."]})
    market = vendor.market
    if "market_id" in data and data["market_id"] != vendor.market_id:
        if data["market_id"] is None:
            if vendor.kind is not VendorKind.COOPERATIVE:
                raise OnboardingError({"market_id": ["Tiểu thương và hộ kinh doanh phải có chợ."]})
            market = None
        else:
            market = session.scalar(select(Market).where(Market.id == data["market_id"],
                                                         market_scope(actor)))
            if market is None:
                raise OnboardingError({"market_id": ["Không có chợ này trong địa bàn của bạn."]})
    ward_code = None if market else vendor.ward_code
    if data.get("ward_code"):
        if market is not None:
            raise OnboardingError({"ward_code": ["Chỉ ghi xã/phường cho hợp tác xã không ở chợ."]})
        if session.scalar(select(Ward.code).where(Ward.code == data["ward_code"],
                                                  ward_scope(actor))) is None:
            raise OnboardingError({"ward_code": ["Không có xã/phường này trong địa bàn của bạn."]})
        ward_code = data["ward_code"]
    if market is None and ward_code is None:
        raise OnboardingError({"ward_code": ["Hợp tác xã không ở chợ cần có xã/phường đăng ký."]})
    stall_id = vendor.stall_id if market is not None and market.id == vendor.market_id else None
    if data.get("stall_id"):
        if market is None:
            raise OnboardingError({"stall_id": ["Chỉ chọn quầy khi tiểu thương có chợ."]})
        stall_id = _stall_in_market(session, market, data["stall_id"]).id
    elif "stall_id" in data:
        stall_id = None

    new_phone = data["phone"] if "phone" in data and data["phone"] != vendor.phone else None
    new_citizen_id = (data["citizen_id"] if "citizen_id" in data
                      and data["citizen_id"] != vendor.citizen_id else None)
    if not data.get("allow_duplicate"):
        matches = find_duplicates(session, vendor_scope(actor), phone=new_phone,
                                  citizen_id=new_citizen_id, exclude_vendor_id=vendor.id)
        if matches:
            raise DuplicateVendorError(matches)

    for name in ("name", "phone", "citizen_id", "tax_code"):
        if name in data:
            setattr(vendor, name, data[name])
    vendor.search_key = search_key(vendor.name)
    vendor.market_id = market.id if market else None
    vendor.ward_code, vendor.stall_id = ward_code, stall_id
    session.flush()
    return vendor


def get_payment_method(session: Session, scope: ColumnElement[bool],
                       method_id: int) -> PaymentMethod | None:
    """The payment method, if its vendor is within `scope` (a WHERE clause over Vendor)."""
    return session.scalar(select(PaymentMethod).join(Vendor, PaymentMethod.vendor_id == Vendor.id)
                          .where(PaymentMethod.id == method_id, scope))


def record_payment_method(session: Session, actor: User, vendor_id: int,
                          data: dict) -> tuple[PaymentMethod, bool]:
    """Add a payment method unless the vendor already uses the same one (same bank account,
    wallet code or terminal): then that one is returned, so a retry records it once.
    Returns the method and whether it was created."""
    vendor = writable_vendor(session, actor, vendor_id)
    row = _checked_method(session, data)
    identity = _METHOD_IDENTITY[row["kind"]]
    today = dt.date.today()
    for method in vendor.payment_methods:
        if method_in_use_on(method, today) and method.kind is row["kind"] and all(
                getattr(method, name) == row.get(name) for name in identity):
            return method, False
    return add_payment_method(session, actor, vendor_id, data), True


# What makes two payment methods of a kind the same one.
_METHOD_IDENTITY = {
    PaymentMethodKind.BANK_ACCOUNT: ("bank_bin", "account_number"),
    PaymentMethodKind.EWALLET: ("wallet_provider", "wallet_payload"),
    PaymentMethodKind.CARD_TERMINAL: ("terminal_provider", "terminal_id"),
}
# What may be corrected on a recorded method, by kind; a different account or wallet is a new
# method (stop this one, add the other), so the history keeps both.
_METHOD_EDITABLE = {
    PaymentMethodKind.BANK_ACCOUNT: {"account_holder", "started_on"},
    PaymentMethodKind.EWALLET: {"wallet_payload", "started_on"},
    PaymentMethodKind.CARD_TERMINAL: {"terminal_provider", "terminal_id", "started_on"},
}


def update_payment_method(session: Session, actor: User, method_id: int,
                          data: dict) -> PaymentMethod:
    """Correct a payment method: the account holder's name, the wallet code, the terminal, or the
    day it was first used."""
    method = get_payment_method(session, vendor_scope(actor), method_id)
    if method is None:
        raise NotFound({"payment_method_id": ["Không tìm thấy phương thức thanh toán này."]})
    writable_vendor(session, actor, method.vendor_id)
    not_of_kind = sorted(set(data) - _METHOD_EDITABLE[method.kind])
    if not_of_kind:
        raise OnboardingError({name: [
            "Mục này không sửa được ở phương thức loại này; hãy ngừng phương thức cũ và thêm "
            "phương thức mới."] for name in not_of_kind})
    for name in ("account_holder", "terminal_provider"):
        if name in data and not data[name]:
            raise OnboardingError({name: ["Vui lòng điền mục này."]})
    if data.get("wallet_payload"):
        try:
            check_wallet_payload(data["wallet_payload"])
        except PayloadError as error:
            raise OnboardingError({"wallet_payload": [error.message_vi]}) from error
    started_on = data.get("started_on") or method.started_on
    if method.stopped_on is not None and started_on > method.stopped_on:
        raise OnboardingError({"started_on": [
            f"Ngày bắt đầu dùng phải trước ngày ngừng ({method.stopped_on:%d/%m/%Y})."]})
    for name, value in data.items():
        setattr(method, name, value if name != "started_on" else started_on)
    session.flush()
    return method
