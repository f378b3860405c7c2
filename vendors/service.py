"""Finding vendors within a user's scope."""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from accounts.models import Role, User
from accounts.service import market_scope, vendor_scope, ward_scope
from market.models import Market, Stall, Ward
from qr.banks import BankAccountError, validate_bank_account
from qr.payload import PayloadError, check_wallet_payload
from textnorm import nfc, search_key
from vendors.models import (
    IdempotencyRecord, PaymentMethod, PaymentMethodKind, Vendor, VendorStatusPeriod,
)

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
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """Vendors in scope whose name matches `query` with or without diacritics."""
    conditions = [scope]
    if query:
        conditions.append(Vendor.search_key.contains(search_key(query), autoescape=True))
    if market_id is not None:
        conditions.append(Vendor.market_id == market_id)
    total = session.scalar(select(func.count()).select_from(Vendor).where(*conditions))
    stmt = (
        select(Vendor)
        .where(*conditions)
        .options(selectinload(Vendor.market), selectinload(Vendor.stall),
                 selectinload(Vendor.payment_methods))
        .order_by(Vendor.name, Vendor.id)
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
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
    fingerprint = request_fingerprint(data)
    if idempotency_key is not None:
        earlier = _earlier_registration(session, actor, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier

    market = _market_for_registration(session, actor, data)
    methods = [_checked_method(session, m) for m in data["payment_methods"]]
    if not data.get("allow_duplicate"):
        matches = find_duplicates(
            session, vendor_scope(actor), phone=data.get("phone"), citizen_id=data.get("citizen_id"),
            bank_accounts=[(m["bank_bin"], m["account_number"]) for m in methods
                           if m["kind"] is PaymentMethodKind.BANK_ACCOUNT],
        )
        if matches:
            raise DuplicateVendorError(matches)

    joined_on = data.get("joined_on") or dt.date.today()
    vendor = Vendor(
        kind=data["kind"], name=data["name"], search_key=search_key(data["name"]),
        phone=data.get("phone"), citizen_id=data.get("citizen_id"), tax_code=data.get("tax_code"),
        market_id=market.id if market else None,
        stall_id=_stall_id(session, market, data.get("stall_code")) if market else None,
        ward_code=None if market else data.get("ward_code"),
    )
    session.add(vendor)
    session.flush()
    session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=joined_on))
    for method in methods:
        session.add(PaymentMethod(vendor_id=vendor.id, **{
            **method, "started_on": method.get("started_on") or joined_on}))
    if idempotency_key is None:
        session.flush()
        return Registration(vendor, replayed=False)

    session.add(IdempotencyRecord(user_id=actor.id, key=idempotency_key,
                                  fingerprint=fingerprint, vendor_id=vendor.id))
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request with the same key committed first: drop ours, return theirs.
        session.rollback()
        earlier = _earlier_registration(session, actor, idempotency_key, fingerprint)
        if earlier is None:
            raise
        return earlier
    return Registration(vendor, replayed=False)


def _earlier_registration(session: Session, actor: User, key: str, fingerprint: str):
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == actor.id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict({"idempotency_key": [
            "Mã chống gửi trùng này đã dùng cho một lần đăng ký có nội dung khác. "
            "Hãy tạo lần đăng ký mới thay vì gửi lại."]})
    return Registration(session.get(Vendor, record.vendor_id), replayed=True)


def _market_for_registration(session: Session, actor: User, data: dict) -> Market | None:
    if actor.role not in WRITER_ROLES:
        raise NotAllowed({"role": ["Tài khoản của bạn không được đăng ký tiểu thương."]})
    if data.get("market_id"):
        market = session.scalar(select(Market).where(Market.id == data["market_id"],
                                                     market_scope(actor)))
        if market is None:
            raise OnboardingError({"market_id": ["Không có chợ này trong địa bàn của bạn."]})
        return market
    ward_ok = session.scalar(select(Ward.code).where(Ward.code == data.get("ward_code"),
                                                     ward_scope(actor)))
    if ward_ok is None:
        raise OnboardingError({"ward_code": ["Không có xã/phường này trong địa bàn của bạn."]})
    return None


def _stall_id(session: Session, market: Market, code: str | None) -> int | None:
    """The stall with this code in the market, created on first use (agents find new numbers)."""
    if not code:
        return None
    code = code.upper()
    stall = session.scalar(select(Stall).where(Stall.market_id == market.id, Stall.code == code))
    if stall is None:
        stall = Stall(market_id=market.id, code=code)
        session.add(stall)
        session.flush()
    return stall.id


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


def find_duplicates(
    session: Session,
    scope: ColumnElement[bool],
    *,
    phone: str | None = None,
    citizen_id: str | None = None,
    bank_accounts: list[tuple[str, str]] = (),
    exclude_vendor_id: int | None = None,
) -> list[DuplicateMatch]:
    """Existing vendors with the same phone, citizen ID or bank account."""
    tests = []
    if phone:
        tests.append(("số điện thoại", Vendor.phone == phone))
    if citizen_id:
        tests.append(("số CCCD", Vendor.citizen_id == citizen_id))
    for bank_bin, number in bank_accounts:
        tests.append(("tài khoản ngân hàng", Vendor.payment_methods.any(and_(
            PaymentMethod.bank_bin == bank_bin, PaymentMethod.account_number == number))))
    if not tests:
        return []
    reasons: dict[int, list[str]] = {}
    for reason, condition in tests:
        stmt = select(Vendor.id).where(condition)
        if exclude_vendor_id is not None:
            stmt = stmt.where(Vendor.id != exclude_vendor_id)
        for vendor_id in session.scalars(stmt.limit(20)):
            reasons.setdefault(vendor_id, []).append(reason)
    if not reasons:
        return []
    visible = set(session.scalars(select(Vendor.id).where(Vendor.id.in_(reasons), scope)))
    vendors = {v.id: v for v in session.scalars(
        select(Vendor).where(Vendor.id.in_(visible)).options(selectinload(Vendor.market)))}
    return [
        DuplicateMatch(
            vendor_id=vendor_id,
            name=vendors[vendor_id].name if vendor_id in vendors else None,
            market_name=(vendors[vendor_id].market.name
                         if vendor_id in vendors and vendors[vendor_id].market else None),
            reasons=tuple(found),
        )
        for vendor_id, found in sorted(reasons.items())
    ]


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
        if method.stopped_on is None or method.stopped_on > left_on:
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
