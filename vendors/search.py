"""Finding vendors and their payment methods within a user's scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from db import vietnamese_order
from market.models import Market, Ward
from textnorm import search_key
from vendors.models import PaymentMethod, Vendor, VendorKind
from vendors.status import accepts_cashless_on

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
        .order_by(vietnamese_order(Vendor.name), Vendor.id)
        .limit(page_size)
        .offset(offset)
    )
    return Page(list(session.scalars(stmt)), total, max(page, 1), page_size)


def get_vendor(session: Session, vendor_id: int, scope: ColumnElement[bool]) -> Vendor | None:
    return session.scalar(select(Vendor).where(Vendor.id == vendor_id, scope))


def get_payment_method(session: Session, scope: ColumnElement[bool],
                       method_id: int) -> PaymentMethod | None:
    """The payment method, if its vendor is within `scope` (a WHERE clause over Vendor)."""
    return session.scalar(select(PaymentMethod).join(Vendor, PaymentMethod.vendor_id == Vendor.id)
                          .where(PaymentMethod.id == method_id, scope))
