"""A vendor's payment methods: checking one as it will be stored, adding, correcting and
stopping them. Nothing is deleted: a method no longer used is stopped with a date."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import vendor_scope
from audit.service import record, snapshot
from domain_errors import N_, Invalid, NotFound
from qr.banks import validate_bank_account
from qr.payload import PayloadError
from qr.payload_read import check_wallet_payload
from vendors.changes import writable_vendor
from vendors.models import PaymentMethod, PaymentMethodKind
from vendors.search import get_payment_method
from vendors.status import method_in_use_on

# What makes two payment methods of a kind the same one.
METHOD_IDENTITY = {
    PaymentMethodKind.BANK_ACCOUNT: ("bank_bin", "account_number"),
    PaymentMethodKind.EWALLET: ("wallet_provider", "wallet_payload"),
    PaymentMethodKind.CARD_TERMINAL: ("terminal_provider", "terminal_id"),
}
# What may be corrected on a recorded method, by kind; a different account or wallet is a new
# method (stop this one, add the other), so the history keeps both.
METHOD_EDITABLE = {
    PaymentMethodKind.BANK_ACCOUNT: {"account_holder", "started_on"},
    PaymentMethodKind.EWALLET: {"wallet_payload", "started_on"},
    PaymentMethodKind.CARD_TERMINAL: {"terminal_provider", "terminal_id", "started_on"},
}


# What the audit log keeps of a payment method.
LOGGED_FIELDS = ("kind", "bank_bin", "account_number", "account_holder", "wallet_provider",
                 "terminal_provider", "terminal_id", "started_on", "stopped_on")


def checked_method(session: Session, method: dict) -> dict:
    """A payment method as stored: bank and account checked, wallet code checked and kept as
    read. Refused with the field at fault (Invalid). A field the schema requires may be missing
    when a form with other mistakes is checked as far as it goes (registration.field_problems)."""
    kind = method["kind"]
    row = {"kind": kind, "started_on": method.get("started_on")}
    if kind is PaymentMethodKind.BANK_ACCOUNT:
        bank, number = validate_bank_account(session, method["bank_bin"], method["account_number"])
        row.update(bank_bin=bank.bin, account_number=number,
                   account_holder=method.get("account_holder"))
    elif kind is PaymentMethodKind.EWALLET:
        payload = method.get("wallet_payload")
        if payload:
            _check_wallet_code(payload)
        row.update(wallet_provider=method.get("wallet_provider"), wallet_payload=payload)
    else:
        row.update(terminal_provider=method.get("terminal_provider"),
                   terminal_id=method.get("terminal_id"))
    return row


def _check_wallet_code(payload: str) -> None:
    try:
        check_wallet_payload(payload)
    except PayloadError as error:
        raise Invalid(fields={"wallet_payload": error.message}) from error


def add_payment_method(session: Session, actor: User, vendor_id: int, data: dict) -> PaymentMethod:
    vendor = writable_vendor(session, actor, vendor_id)
    row = checked_method(session, data)
    method = PaymentMethod(vendor_id=vendor.id,
                           **{**row, "started_on": row["started_on"] or dt.date.today()})
    session.add(method)
    session.flush()
    record(session, actor.id, "payment_method.add", "payment_method", method.id,
           vendor_id=vendor.id, after=snapshot(method, LOGGED_FIELDS))
    return method


def add_or_replace_payment_method(session: Session, actor: User, vendor_id: int,
                                  data: dict) -> PaymentMethod:
    """A new method from the trader's page: in place of the one `data["replaces"]` names, if any
    (that one stops the day the new one starts), else beside the others."""
    data = dict(data)
    old_method_id = data.pop("replaces", None)
    if old_method_id:
        return replace_payment_method(session, actor, vendor_id, old_method_id, data)
    return add_payment_method(session, actor, vendor_id, data)


def replace_payment_method(session: Session, actor: User, vendor_id: int, old_method_id: int,
                           data: dict) -> PaymentMethod:
    """A new account or wallet in place of one in use: the old one stops the day the new one
    starts, both kept in the history."""
    old = _writable_method(session, actor, old_method_id)
    if old.vendor_id != vendor_id:
        raise NotFound(N_("Không tìm thấy phương thức thanh toán này."))
    new = add_payment_method(session, actor, vendor_id, data)
    if old.stopped_on is None:
        stop_payment_method(session, actor, old.id, max(new.started_on, old.started_on))
    return new


def record_payment_method(session: Session, actor: User, vendor_id: int,
                          data: dict) -> tuple[PaymentMethod, bool]:
    """Add a payment method unless the vendor already uses the same one (same bank account,
    wallet code or terminal): then that one is returned, so a retry records it once.
    Returns the method and whether it was created."""
    vendor = writable_vendor(session, actor, vendor_id)
    row = checked_method(session, data)
    identity = METHOD_IDENTITY[row["kind"]]
    today = dt.date.today()
    for method in vendor.payment_methods:
        if method_in_use_on(method, today) and method.kind is row["kind"] and all(
                getattr(method, name) == row.get(name) for name in identity):
            return method, False
    return add_payment_method(session, actor, vendor_id, data), True


def _writable_method(session: Session, actor: User, method_id: int) -> PaymentMethod:
    method = get_payment_method(session, vendor_scope(actor), method_id)
    if method is None:
        raise NotFound(N_("Không tìm thấy phương thức thanh toán này."))
    writable_vendor(session, actor, method.vendor_id)
    return method


def update_payment_method(session: Session, actor: User, method_id: int,
                          data: dict) -> PaymentMethod:
    """Correct a payment method: the account holder's name, the wallet code, the terminal, or the
    day it was first used."""
    method = _writable_method(session, actor, method_id)
    not_of_kind = sorted(set(data) - METHOD_EDITABLE[method.kind])
    if not_of_kind:
        raise Invalid(fields={name: N_(
            "Mục này không sửa được ở phương thức loại này; hãy ngừng phương thức cũ và thêm "
            "phương thức mới.") for name in not_of_kind})
    empty = [name for name in ("account_holder", "terminal_provider")
             if name in data and not data[name]]
    if empty:
        raise Invalid(fields={name: N_("Vui lòng điền mục này.") for name in empty})
    if data.get("wallet_payload"):
        _check_wallet_code(data["wallet_payload"])
    started_on = data.get("started_on") or method.started_on
    if method.stopped_on is not None and started_on > method.stopped_on:
        raise Invalid(fields={"started_on": N_(
            "Ngày bắt đầu dùng phải trước ngày ngừng (%(day)s).",
            day=method.stopped_on.strftime("%d/%m/%Y"))})
    before = snapshot(method, LOGGED_FIELDS)
    for name, value in data.items():
        setattr(method, name, value if name != "started_on" else started_on)
    session.flush()
    record(session, actor.id, "payment_method.update", "payment_method", method.id,
           vendor_id=method.vendor_id, before=before, after=snapshot(method, LOGGED_FIELDS))
    return method


def stop_payment_method(session: Session, actor: User, method_id: int,
                        stopped_on: dt.date) -> PaymentMethod:
    """Record the first day a payment method was no longer in use; nothing is deleted."""
    method = _writable_method(session, actor, method_id)
    if method.stopped_on is not None:
        raise Invalid(fields={"stopped_on": N_("Phương thức này đã ngừng dùng rồi.")})
    if stopped_on < method.started_on:
        raise Invalid(fields={"stopped_on": N_(
            "Ngày ngừng phải từ ngày bắt đầu dùng (%(day)s) trở đi.",
            day=method.started_on.strftime("%d/%m/%Y"))})
    method.stopped_on = stopped_on
    session.flush()
    record(session, actor.id, "payment_method.stop", "payment_method", method.id,
           vendor_id=method.vendor_id, after={"stopped_on": stopped_on.isoformat()})
    return method
