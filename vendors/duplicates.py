"""Possible duplicates of a vendor: others with the same phone, citizen ID or bank account, found
by index lookups; and the retry of a registration already made with the same idempotency key."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, bindparam, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from domain_errors import N_, Conflict, Message
from market.models import Market
from vendors.models import IdempotencyRecord, PaymentMethod, Vendor

# What a possible duplicate shares with the vendor being registered.
PHONE, CITIZEN_ID, BANK_ACCOUNT = "phone", "citizen_id", "bank_account"
# In the order a refusal names them.
REASON_LABELS = {
    CITIZEN_ID: N_("số CCCD"),
    PHONE: N_("số điện thoại"),
    BANK_ACCOUNT: N_("tài khoản ngân hàng"),
}
_SAME_KEY = "same_key"
# At most this many vendors are listed per test (phone, citizen ID, each bank account).
DUPLICATES_PER_TEST = 20


@dataclass(frozen=True)
class DuplicateMatch:
    vendor_id: int
    # Name and market only when the existing vendor is within the user's scope.
    name: str | None
    market_name: str | None
    reasons: tuple[str, ...]  # keys of REASON_LABELS

    @property
    def reason_labels(self) -> list[Message]:
        return [REASON_LABELS[reason] for reason in self.reasons]


class DuplicateVendorError(Conflict):
    """Vendors already recorded that may be the same person; `matches` lists them."""

    code = "duplicate_vendor"

    def __init__(self, matches: list[DuplicateMatch]):
        shared = {reason for match in matches for reason in match.reasons}
        super().__init__(
            fields={"duplicate": N_(
                "Đã có tiểu thương trùng %(reasons)s. Kiểm tra lại trước khi đăng ký mới.",
                reasons=[label for reason, label in REASON_LABELS.items() if reason in shared])},
            duplicates=[{"vendor_id": m.vendor_id, "name": m.name, "market_name": m.market_name,
                         "reasons": m.reason_labels} for m in matches],
        )
        self.matches = matches


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
    reasons = matching_vendors(session, phone=phone, citizen_id=citizen_id,
                               bank_accounts=bank_accounts).reasons
    reasons.pop(exclude_vendor_id, None)
    return duplicate_matches(session, scope, reasons) if reasons else []


def duplicate_matches(session: Session, scope: ColumnElement[bool],
                      reasons: dict[int, list[str]]) -> list[DuplicateMatch]:
    """The vendors of `reasons` (vendor id -> what it shares), named only within `scope`."""
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
class Matches:
    reasons: dict[int, list[str]]  # vendor id -> what it shares with the new one
    # (vendor id, fingerprint) of the registration sent before with the same key, if any
    registered: tuple[int, str] | None


def matching_vendors(session: Session, *, phone: str | None = None,
                     citizen_id: str | None = None, bank_accounts: list[tuple[str, str]] = (),
                     registration: tuple[int, str] | None = None) -> Matches:
    """The vendors with this phone, citizen ID or a bank account of these, and the vendor that
    user registered with this idempotency key, by index lookups in one statement."""
    lookups = _lookups_statement(bool(phone), bool(citizen_id), len(bank_accounts),
                                 registration is not None)
    found = Matches({}, None)
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
        lookups.append(select(vendors.c.id, literal(PHONE), no_fingerprint)
                       .where(vendors.c.phone == bindparam("phone")))
    if citizen_id:
        lookups.append(select(vendors.c.id, literal(CITIZEN_ID), no_fingerprint)
                       .where(vendors.c.citizen_id == bindparam("citizen_id")))
    if bank_accounts:
        lookups.append(select(methods.c.vendor_id, literal(BANK_ACCOUNT), no_fingerprint)
                       .where(or_(*(
            and_(methods.c.bank_bin == bindparam(f"bin_{i}"),
                 methods.c.account_number == bindparam(f"account_{i}"))
            for i in range(bank_accounts)))))
    if registration:
        lookups.append(select(keys.c.vendor_id, literal(_SAME_KEY), keys.c.fingerprint)
                       .where(keys.c.user_id == bindparam("user_id"),
                              keys.c.key == bindparam("key")))
    return union_all(*lookups) if lookups else None
