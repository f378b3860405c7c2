"""Finding vendors within a user's scope."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from textnorm import search_key
from vendors.models import Vendor

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
