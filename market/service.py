"""Administrative units, markets and stalls: loading, listing and per-market vendor counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from market.indicators import cashless_share
from market.models import Market, Province, Ward, WardKind
from textnorm import nfc, search_key
from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod

WARD_KINDS = {"Phường": WardKind.WARD, "Xã": WardKind.COMMUNE, "Đặc khu": WardKind.SPECIAL_ZONE}


@dataclass(frozen=True)
class AdminUnitRow:
    province_code: str
    province_name: str
    province_short_name: str
    province_latitude: float | None
    province_longitude: float | None
    ward_code: str
    ward_name: str
    ward_short_name: str
    ward_type: str
    ward_latitude: float | None
    ward_longitude: float | None


def read_admin_units() -> list[AdminUnitRow]:
    """The 34 provinces and 3,321 commune-level units in force since 1 July 2025.

    Source: the MIT-licensed `vietnamadminunits` package (its 34-province dataset).
    """
    from vietnamadminunits.database import get_data

    fields = [
        "provinceCode", "province", "provinceShort", "provinceLat", "provinceLon",
        "wardCode", "ward", "wardShort", "wardType", "wardLat", "wardLon",
    ]
    return [
        AdminUnitRow(*(record[f] for f in fields))
        for record in get_data(fields=fields, table="admin_units")
    ]


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def load_admin_units(session: Session, rows: list[AdminUnitRow]) -> tuple[int, int]:
    """Insert or update provinces and wards by official code; returns (provinces, wards)."""
    provinces: dict[str, dict] = {}
    wards: list[dict] = []
    for row in rows:
        provinces[row.province_code] = {
            "code": row.province_code,
            "name": nfc(row.province_name),
            "short_name": nfc(row.province_short_name),
            "latitude": _coordinate(row.province_latitude),
            "longitude": _coordinate(row.province_longitude),
        }
        wards.append({
            "code": row.ward_code,
            "province_code": row.province_code,
            "name": nfc(row.ward_name),
            "short_name": nfc(row.ward_short_name),
            "kind": WARD_KINDS[row.ward_type],
            "latitude": _coordinate(row.ward_latitude),
            "longitude": _coordinate(row.ward_longitude),
            "search_key": search_key(row.ward_name),
        })
    _upsert(session, Province, "code", list(provinces.values()))
    _upsert(session, Ward, "code", wards)
    return len(provinces), len(wards)


def _upsert(session: Session, model, key: str, rows: list[dict]) -> None:
    existing = set(session.scalars(select(getattr(model, key))))
    new_rows = [r for r in rows if r[key] not in existing]
    changed_rows = [r for r in rows if r[key] in existing]
    if new_rows:
        session.execute(model.__table__.insert(), new_rows)
    if changed_rows:
        session.bulk_update_mappings(model, changed_rows)


@dataclass(frozen=True)
class MarketSummary:
    market_id: int
    name: str
    ward_name: str
    market_class: str | None
    active_vendors: int
    cashless_vendors: int

    @property
    def cashless_share(self):
        return cashless_share(self.cashless_vendors, self.active_vendors)


def active_on(day: dt.date) -> ColumnElement[bool]:
    """The vendor had an open membership period on `day` (periods are half-open)."""
    return exists().where(
        VendorStatusPeriod.vendor_id == Vendor.id,
        VendorStatusPeriod.joined_on <= day,
        or_(VendorStatusPeriod.left_on.is_(None), VendorStatusPeriod.left_on > day),
    )


def accepts_cashless_on(day: dt.date) -> ColumnElement[bool]:
    """The vendor had at least one payment method in use on `day`."""
    return exists().where(
        PaymentMethod.vendor_id == Vendor.id,
        PaymentMethod.started_on <= day,
        or_(PaymentMethod.stopped_on.is_(None), PaymentMethod.stopped_on > day),
    )


def market_summaries(
    session: Session, scope: ColumnElement[bool], day: dt.date
) -> list[MarketSummary]:
    """Each market in scope with its active and cashless vendor counts on `day`."""
    stmt = (
        select(
            Market.id,
            Market.name,
            Ward.name,
            Market.market_class,
            func.count(Vendor.id),
            func.count(case((accepts_cashless_on(day), Vendor.id))),
        )
        .join(Ward, Market.ward_code == Ward.code)
        .outerjoin(Vendor, and_(Vendor.market_id == Market.id, active_on(day)))
        .where(scope)
        .group_by(Market.id, Market.name, Ward.name, Market.market_class)
        .order_by(Market.name)
    )
    return [
        MarketSummary(mid, name, ward, mclass.value if mclass else None, active, cashless)
        for mid, name, ward, mclass, active, cashless in session.execute(stmt)
    ]


def get_market(session: Session, market_id: int, scope: ColumnElement[bool]) -> Market | None:
    return session.scalar(select(Market).where(Market.id == market_id, scope))


def count_rows(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def overview_counts(session: Session) -> dict[str, int]:
    """Row counts an administrator sees at a glance."""
    return {
        "provinces": count_rows(session, Province),
        "wards": count_rows(session, Ward),
        "markets": count_rows(session, Market),
        "vendors": count_rows(session, Vendor),
        "users": count_rows(session, User),
    }


def search_markets(
    session: Session, scope: ColumnElement[bool], query: str = "", *, limit: int = 20
) -> list[Market]:
    """Markets in scope whose name contains every word of `query`, diacritics optional:
    "dai tu" finds "Chợ Đại Từ"."""
    stmt = select(Market).where(scope)
    for word in search_key(query).split()[:6]:
        stmt = stmt.where(Market.search_key.contains(word, autoescape=True))
    stmt = stmt.options(selectinload(Market.ward)).order_by(Market.name, Market.id).limit(limit)
    return list(session.scalars(stmt))
