"""What goes on a vendor's placard, read from the database in one query: the placards of a vendor
or of a market on a day, in stall order, how many a run will print, and names for their files."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from db import vietnamese_order
from market.models import Market, Stall
from qr.models import Bank
from qr.payload import PayloadError, build_vietqr
from textnorm import nfc, search_key, without_invisible_controls
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor
from vendors.status import active_on, payment_method_in_use_clause

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placard:
    """What one vendor's placard shows; `payload` is the static VietQR code paying the account."""

    vendor_id: int
    vendor_name: str
    account_holder: str  # as the bank account has it, often upper case without diacritics
    bank_short_name: str
    bank_bin: str
    account_number: str
    stall_code: str | None
    market_name: str | None
    payload: str

    @property
    def holder_name(self) -> str:
        """The holder's name to print: banks keep "NGUYEN THI THU"; when that is the vendor's own
        name without its marks, print it with them ("NGUYỄN THỊ THU"), else as the bank has it."""
        if search_key(self.account_holder) == search_key(self.vendor_name):
            return nfc(self.vendor_name).upper()
        return self.account_holder



def vendor_placard(
    session: Session, vendor_id: int, *, day: dt.date | None = None
) -> Placard | None:
    """The placard of a vendor active on `day` (today) with a bank account in use then, or None."""
    placards = _placards(session, Vendor.id == vendor_id, day or dt.date.today())
    return placards[0] if placards else None


def market_placards(
    session: Session, market_id: int, *, day: dt.date | None = None
) -> list[Placard]:
    """The placard of every vendor of the market active on `day` (today) with a bank account in
    use then, in stall order (A-2 before A-10), vendors without a stall last."""
    placards = _placards(session, Vendor.market_id == market_id, day or dt.date.today())
    return sorted(placards, key=_stall_order)


def market_ids(session: Session, scope: ColumnElement[bool]) -> list[int]:
    """The markets in a person's scope (accounts.service.market_scope), a placard run's markets."""
    return list(session.scalars(select(Market.id).where(scope).order_by(Market.id)))


def count_market_placards(
    session: Session, market_ids: list[int], *, day: dt.date | None = None
) -> int:
    """How many placards the markets' sheets will hold (one query)."""
    day = day or dt.date.today()
    in_use = _bank_accounts_in_use(day, Vendor.market_id.in_(market_ids))
    return (
        session.scalar(
            select(func.count(func.distinct(in_use.c.vendor_id)))
            .join(Vendor, Vendor.id == in_use.c.vendor_id)
            .where(active_on(day))
        )
        or 0
    )


def _bank_accounts_in_use(day: dt.date, vendors: ColumnElement[bool]):
    """Bank-account payment methods in use on `day` by the vendors matched, ranked newest first
    per vendor (rank 1 is the account to print)."""
    return (
        select(
            PaymentMethod.vendor_id,
            PaymentMethod.bank_bin,
            PaymentMethod.account_number,
            PaymentMethod.account_holder,
            func.row_number()
            .over(
                partition_by=PaymentMethod.vendor_id,
                order_by=(PaymentMethod.started_on.desc(), PaymentMethod.id.desc()),
            )
            .label("rank"),
        )
        .where(
            PaymentMethod.kind == PaymentMethodKind.BANK_ACCOUNT,
            payment_method_in_use_clause(day),
            PaymentMethod.vendor_id.in_(select(Vendor.id).where(vendors)),
        )
        .subquery()
    )


def _placards(session: Session, vendors: ColumnElement[bool], day: dt.date) -> list[Placard]:
    account = _bank_accounts_in_use(day, vendors)
    stmt = (
        select(
            Vendor.id,
            Vendor.name,
            account.c.account_holder,
            Bank.short_name,
            account.c.bank_bin,
            account.c.account_number,
            Stall.code,
            Market.name,
        )
        .join(account, and_(account.c.vendor_id == Vendor.id, account.c.rank == 1))
        .join(Bank, Bank.bin == account.c.bank_bin)
        .outerjoin(Stall, Stall.id == Vendor.stall_id)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .where(vendors, active_on(day))
        .order_by(Stall.code, vietnamese_order(Vendor.name), Vendor.id)
    )
    placards = []
    for vendor_id, name, holder, bank, bin_, number, stall, market in session.execute(stmt):
        try:
            payload = build_vietqr(bin_, number)
        except PayloadError as error:
            # Account numbers are checked when entered; one that slipped through must not stop
            # a whole market's sheets from printing.
            log.warning("No placard for vendor %s: %s", vendor_id, error)
            continue
        # Names kept before textnorm dropped invisible controls may still hold one: a
        # right-to-left override would print the name backwards.
        name, holder, market = (without_invisible_controls(text) if text else text
                                for text in (name, holder, market))
        placards.append(
            Placard(vendor_id, name, holder, bank, bin_, number, stall, market, payload)
        )
    return placards


def _stall_order(placard: Placard):
    code = placard.stall_code
    if code is None:
        return (1, (), placard.vendor_name, placard.vendor_id)
    # Numbers inside a stall code compare as numbers: A-2 before A-10.
    parts = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.findall(r"\d+|\D+", code)
    )
    return (0, parts, placard.vendor_name, placard.vendor_id)


def file_slug(name: str, record_id: int) -> str:
    """A market or vendor in a file name: its name without marks, then its id ("cho-dai-tu-12")."""
    return "-".join(re.findall(r"[a-z0-9]+", search_key(name)) + [str(record_id)])
