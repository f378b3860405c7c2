"""Digitisation figures counted in SQL: active and cashless vendors on a day, at every level, as
monthly series and broken down by vendor kind, payment kind and market class.

Who is active or cashless on a day is vendors/status.py's rule (through periods.py); the maths
on the counts is market/indicators.py's. A vendor is counted where it trades (its market, the
market's commune and province) or, without a market (a cooperative selling online), in the
commune it is registered in: every vendor in exactly one group, so a total is a plain sum.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.orm import Session

from market.indicators import Counts, Unit
from market.models import Market, MarketClass, Province, Ward
from periods import month_last_day, months
from textnorm import vietnamese_sort_key
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor, VendorKind
from vendors.status import active_on, payment_method_in_use_clause

# The commune a vendor is counted in: its market's, else its own registration's.
_vendor_ward = func.coalesce(Market.ward_code, Vendor.ward_code)


@dataclass(frozen=True)
class Area:
    """Where to count: the whole country, a province, a commune or ward, or one market."""

    province_code: str | None = None
    ward_code: str | None = None
    market_id: int | None = None

    @property
    def level(self) -> str:
        if self.market_id is not None:
            return "market"
        if self.ward_code is not None:
            return "ward"
        return "country" if self.province_code is None else "province"

    def vendor_clause(self) -> ColumnElement[bool]:
        """The vendors counted in this area (a WHERE clause over Vendor joined to its Market)."""
        if self.market_id is not None:
            return Vendor.market_id == self.market_id
        if self.ward_code is not None:
            return _vendor_ward == self.ward_code
        if self.province_code is not None:
            return _vendor_ward.in_(
                select(Ward.code).where(Ward.province_code == self.province_code))
        return true()

    def market_clause(self) -> ColumnElement[bool]:
        if self.market_id is not None:
            return Market.id == self.market_id
        if self.ward_code is not None:
            return Market.ward_code == self.ward_code
        if self.province_code is not None:
            return Market.ward_code.in_(
                select(Ward.code).where(Ward.province_code == self.province_code))
        return true()


def cashless_vendor_ids(day: dt.date) -> Select:
    """Ids of vendors with a payment method in use on `day`: a vendor with two methods is one id.
    Used as `Vendor.id IN (...)`, which the database hashes once instead of probing per vendor."""
    return select(PaymentMethod.vendor_id).where(payment_method_in_use_clause(day))


def _counts_statement(day: dt.date, area: Area, *group_by) -> Select:
    """Active and cashless vendors on `day` in `area`, grouped by the given columns."""
    return (
        select(*group_by, func.count(Vendor.id),
               func.count(case((Vendor.id.in_(cashless_vendor_ids(day)), Vendor.id))))
        .select_from(Vendor)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .where(active_on(day), area.vendor_clause())
        .group_by(*group_by)
    )


def area_counts(session: Session, day: dt.date, area: Area = Area()) -> Counts:
    """The area's counts on `day`, in one query."""
    active, cashless = session.execute(_counts_statement(day, area)).one()
    return Counts(active, cashless)


def counts_by_group(session: Session, day: dt.date, area: Area) -> dict[tuple, Counts]:
    """{(market id or None, commune code): counts} on `day` for the groups of `area` that have
    an active vendor."""
    stmt = _counts_statement(day, area, Vendor.market_id, _vendor_ward)
    return {(market_id, ward): Counts(active, cashless)
            for market_id, ward, active, cashless in session.execute(stmt)}


def province_counts(session: Session, day: dt.date) -> dict[str, Counts]:
    """{province code: counts} on `day` for every province with an active vendor, in one query."""
    stmt = _counts_statement(day, Area(), Ward.province_code).join(
        Ward, Ward.code == _vendor_ward)
    return {code: Counts(active, cashless) for code, active, cashless in session.execute(stmt)}


# --- Units with their children --------------------------------------------------------------


def _sorted(units: list[Unit]) -> list[Unit]:
    return sorted(units, key=lambda unit: (vietnamese_sort_key(unit.name), unit.code))


def country_unit(session: Session, day: dt.date) -> Unit:
    """The country with its provinces (one level: a country of markets would be 10,000 rows)."""
    counts = province_counts(session, day)
    provinces = [Unit("province", code, name, counts.get(code, Counts()))
                 for code, name in session.execute(select(Province.code, Province.name))]
    return Unit("country", "VN", "Việt Nam", sum((p.counts for p in provinces), Counts()),
                _sorted(provinces))


def area_unit(session: Session, day: dt.date, area: Area) -> Unit | None:
    """The province, commune or market of `area` with its counts on `day` and every unit below
    it: a province's communes that have a market or a vendor, and their markets. None if the
    area names no such unit."""
    if area.level == "country":
        return country_unit(session, day)
    counted = counts_by_group(session, day, area)
    markets = session.execute(
        select(Market.id, Market.name, Market.ward_code).where(area.market_clause())).all()
    market_units: dict[str, list[Unit]] = defaultdict(list)
    for market_id, name, ward_code in markets:
        market_units[ward_code].append(
            Unit("market", str(market_id), name, counted.get((market_id, ward_code), Counts())))
    if area.level == "market":
        return market_units[markets[0].ward_code][0] if markets else None

    ward_counts: dict[str, Counts] = defaultdict(Counts)
    for (_market_id, ward_code), counts in counted.items():
        ward_counts[ward_code] += counts
    ward_codes = set(market_units) | set(ward_counts) | _wards_with_vendors(session, area)
    if area.level == "ward":
        ward_codes.add(area.ward_code)
    wards = {code: (name, province_code) for code, name, province_code in session.execute(
        select(Ward.code, Ward.name, Ward.province_code).where(Ward.code.in_(ward_codes)))}
    ward_units = [Unit("ward", code, wards[code][0], ward_counts.get(code, Counts()),
                       _sorted(market_units.get(code, [])))
                  for code in ward_codes if code in wards]
    if area.level == "ward":
        return next((unit for unit in ward_units if unit.code == area.ward_code), None)
    province = session.get(Province, area.province_code)
    if province is None:
        return None
    return Unit("province", province.code, province.name,
                sum((unit.counts for unit in ward_units), Counts()), _sorted(ward_units))


def _wards_with_vendors(session: Session, area: Area) -> set[str]:
    """Communes of the area where a vendor without a market is registered (active or not)."""
    stmt = (select(Vendor.ward_code).distinct().outerjoin(Market, Market.id == Vendor.market_id)
            .where(Vendor.market_id.is_(None), area.vendor_clause()))
    return set(session.scalars(stmt))


# --- Over time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigure:
    year: int
    month: int
    day: dt.date  # the last day of the month, the day a month's figure is read on
    counts: Counts

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


def monthly_series(session: Session, area: Area, first: tuple[int, int],
                   last: tuple[int, int], *, until: dt.date | None = None) -> list[MonthFigure]:
    """The area's counts on the last day of each month from `first` to `last` (both included);
    a month that ends after `until` (the day a page shows, or today) is read on `until`: its
    last day has not come, and its figure must not guess it."""
    figures = []
    for year, month in months(first, last):
        day = month_last_day(year, month)
        if until is not None and day > until:
            if (year, month) > (until.year, until.month):
                break
            day = until
        figures.append(MonthFigure(year, month, day, area_counts(session, day, area)))
    return figures


def last_months(day: dt.date, count: int = 12) -> tuple[tuple[int, int], tuple[int, int]]:
    """(first, last) months of the `count` months ending with `day`'s month."""
    index = day.year * 12 + day.month - 1 - (count - 1)
    return (index // 12, index % 12 + 1), (day.year, day.month)


# --- Breakdowns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """Counts on a day split three ways. By payment kind a vendor with a bank account and a
    wallet is counted under both, so those rows add up to more than the cashless vendors."""

    by_vendor_kind: dict[str, Counts]
    by_market_class: dict[str, Counts]  # "I", "II", "III", "none" (no class, or no market)
    by_payment_kind: dict[str, int]  # "bank_account", "ewallet:<provider>", "card_terminal"


def breakdown(session: Session, day: dt.date, area: Area) -> Breakdown:
    by_kind = {kind.value: counts for (kind,), counts in _grouped(
        session, day, area, Vendor.kind).items()}
    by_class = {(market_class.value if market_class else "none"): counts
                for (market_class,), counts in _grouped(
                    session, day, area, Market.market_class).items()}
    method_key = case((PaymentMethod.kind == PaymentMethodKind.EWALLET,
                       PaymentMethod.wallet_provider), else_=None)
    stmt = (
        select(PaymentMethod.kind, method_key, func.count(func.distinct(Vendor.id)))
        .select_from(Vendor)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .join(PaymentMethod, and_(PaymentMethod.vendor_id == Vendor.id,
                                  payment_method_in_use_clause(day)))
        .where(active_on(day), area.vendor_clause())
        .group_by(PaymentMethod.kind, method_key)
    )
    by_payment: dict[str, int] = {}
    for kind, provider, vendors in session.execute(stmt):
        key = kind.value if provider is None else f"{kind.value}:{_value(provider)}"
        by_payment[key] = by_payment.get(key, 0) + vendors
    return Breakdown(
        {kind.value: by_kind.get(kind.value, Counts()) for kind in VendorKind},
        {name: by_class.get(name, Counts()) for name in [c.value for c in MarketClass] + ["none"]},
        dict(sorted(by_payment.items())),
    )


def _value(member) -> str:
    return getattr(member, "value", member)


def _grouped(session: Session, day: dt.date, area: Area, column) -> dict[tuple, Counts]:
    return {(key,): Counts(active, cashless)
            for key, active, cashless in session.execute(_counts_statement(day, area, column))}


# --- Which units exist ----------------------------------------------------------------------


def visible_provinces(session: Session, scope: ColumnElement[bool]) -> list[Province]:
    """Provinces in `scope` (a WHERE clause over Province), the Vietnamese way."""
    provinces = list(session.scalars(select(Province).where(scope)))
    return sorted(provinces, key=lambda p: vietnamese_sort_key(p.name))


def ward_or_none(session: Session, ward_code: str, scope: ColumnElement[bool]) -> Ward | None:
    return session.scalar(select(Ward).where(Ward.code == ward_code, scope))
