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
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Select,
    Subquery,
    and_,
    case,
    func,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal

from market.indicators import Counts, Unit
from market.models import Market, MarketClass, Province, Ward
from periods import in_use_during_clause, month_last_day, months
from textnorm import vietnamese_sort_key
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor, VendorKind, VendorStatusPeriod
from vendors.status import active_on, membership_on_clause, payment_method_in_use_clause

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
    """Ids of vendors with a payment method in use on `day`; a vendor with two methods appears
    twice (take them DISTINCT, or in `Vendor.id IN (...)`)."""
    return select(PaymentMethod.vendor_id).where(payment_method_in_use_clause(day))


# How the counts are read at scale (bench/dashboard.py: a million vendors, two years of
# history). Who counts is vendors/status.py's rule either way: active if a membership period
# covers the day, cashless if a payment method is in use on it; a vendor with two counts once.
# - The country: one pass over every vendor's place, periods and methods, each read in vendor
#   order from an index of its own (ix_vendors_place, ix_*_vendor_dates), grouped by the
#   vendor's market and own commune; the 13,000-odd groups are then joined to markets and
#   communes, not the million vendors.
# - An area: its vendors from its markets (ix_vendors_market_vendor) and communes
#   (ix_vendors_without_market), their periods and methods looked up by those ids (_AmongIds).
# - The cashless ids are joined as a DISTINCT list. The CASE over `Vendor.id IN (cashless ids)`
#   this replaced is a subplan that PostgreSQL hashes only when the ids fit in work_mem: with
#   885,000 ids and the default 4 MB it scanned the list once per vendor, and none of the three
#   figures of the bench finished in 2 minutes.


class _AmongIds(ColumnElement[bool]):
    """`column IN (ids)`, written `column = ANY(ARRAY(ids))` for PostgreSQL: one index scan
    walking the sorted ids, where PostgreSQL plans the IN form as a nested loop of one index
    search a vendor (2.5x slower for the 50,000 vendors of a large province)."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals: ClassVar = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column, ids: Select):
        self.column = column
        self.ids = ids


@compiles(_AmongIds)
def _among_ids_in(element: _AmongIds, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(_AmongIds, "postgresql")
def _among_ids_any(element: _AmongIds, compiler, **kw) -> str:
    return (f"{compiler.process(element.column, **kw)} = "
            f"ANY(ARRAY({compiler.process(element.ids.scalar_subquery(), **kw)}))")


def _commune_clause(area: Area, column) -> ColumnElement[bool]:
    """The commune code in `column` lies in the area (a commune's or a province's)."""
    if area.ward_code is not None:
        return column == area.ward_code
    if area.province_code is not None:
        return column.in_(select(Ward.code).where(Ward.province_code == area.province_code))
    return true()


def _counted_vendors(area: Area) -> Select | CompoundSelect:
    """The vendors of `area.vendor_clause()` as rows (id, market_id, ward_code: the commune each
    is counted in): those at the area's markets, and those without a market registered in its
    communes."""
    at_markets = (select(Vendor.id, Vendor.market_id, Market.ward_code)
                  .join(Market, Market.id == Vendor.market_id).where(area.market_clause()))
    if area.level == "market":
        return at_markets
    without_market = select(Vendor.id, Vendor.market_id, Vendor.ward_code).where(
        Vendor.market_id.is_(None), _commune_clause(area, Vendor.ward_code))
    return union_all(at_markets, without_market)


def _group_counts(day: dt.date, area: Area) -> Subquery:
    """Active and cashless vendors on `day` in `area` (a subquery: market_id, ward_code, active,
    cashless), grouped by market and commune. For the country, ward_code is the vendor's own
    (set for vendors without a market): the market's commune is joined to the groups after."""
    if area.level == "country":
        cashless = cashless_vendor_ids(day).distinct().subquery()
        return (
            select(Vendor.market_id, Vendor.ward_code, func.count().label("active"),
                   func.count(cashless.c.vendor_id).label("cashless"))
            .outerjoin(cashless, cashless.c.vendor_id == Vendor.id)
            .where(active_on(day))
            .group_by(Vendor.market_id, Vendor.ward_code)
        ).subquery()
    counted = _counted_vendors(area).cte("counted")
    ids = select(counted.c.id)
    active = (select(VendorStatusPeriod.vendor_id).distinct()
              .where(_AmongIds(VendorStatusPeriod.vendor_id, ids), membership_on_clause(day))
              .subquery())
    cashless = (cashless_vendor_ids(day).distinct()
                .where(_AmongIds(PaymentMethod.vendor_id, ids)).subquery())
    return (
        select(counted.c.market_id, counted.c.ward_code, func.count().label("active"),
               func.count(cashless.c.vendor_id).label("cashless"))
        .select_from(counted)
        .join(active, active.c.vendor_id == counted.c.id)
        .outerjoin(cashless, cashless.c.vendor_id == counted.c.id)
        .group_by(counted.c.market_id, counted.c.ward_code)
    ).subquery()


def _counts(active, cashless) -> Counts:
    # SUM is NULL over no rows, and a NUMERIC (Decimal) over bigint on PostgreSQL.
    return Counts(int(active or 0), int(cashless or 0))


def _counts_statement(day: dt.date, area: Area, *group_by) -> Select:
    """Active and cashless vendors on `day` in `area`, grouped by the given columns of Vendor
    or Market (breakdowns)."""
    cashless = cashless_vendor_ids(day).distinct().subquery()
    return (
        select(*group_by, func.count(Vendor.id), func.count(cashless.c.vendor_id))
        .select_from(Vendor)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .outerjoin(cashless, cashless.c.vendor_id == Vendor.id)
        .where(active_on(day), area.vendor_clause())
        .group_by(*group_by)
    )


def area_counts(session: Session, day: dt.date, area: Area = Area()) -> Counts:
    """The area's counts on `day`, in one query."""
    groups = _group_counts(day, area)
    return _counts(*session.execute(
        select(func.sum(groups.c.active), func.sum(groups.c.cashless))).one())


def counts_by_group(session: Session, day: dt.date, area: Area) -> dict[tuple, Counts]:
    """{(market id or None, commune code): counts} on `day` for the groups of `area` that have
    an active vendor."""
    groups = _group_counts(day, area)
    commune = func.coalesce(Market.ward_code, groups.c.ward_code)
    stmt = (select(groups.c.market_id, commune, func.sum(groups.c.active),
                   func.sum(groups.c.cashless))
            .select_from(groups).outerjoin(Market, Market.id == groups.c.market_id)
            .group_by(groups.c.market_id, commune))
    return {(market_id, ward): _counts(active, cashless)
            for market_id, ward, active, cashless in session.execute(stmt)}


def province_counts(session: Session, day: dt.date) -> dict[str, Counts]:
    """{province code: counts} on `day` for every province with an active vendor, in one query."""
    groups = _group_counts(day, Area())
    stmt = (select(Ward.province_code, func.sum(groups.c.active), func.sum(groups.c.cashless))
            .select_from(groups).outerjoin(Market, Market.id == groups.c.market_id)
            .join(Ward, Ward.code == func.coalesce(Market.ward_code, groups.c.ward_code))
            .group_by(Ward.province_code))
    return {code: _counts(active, cashless) for code, active, cashless in session.execute(stmt)}


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
    if area.level == "market":
        return set()
    stmt = (select(Vendor.ward_code).distinct()
            .where(Vendor.market_id.is_(None), _commune_clause(area, Vendor.ward_code)))
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
    month_list, days = [], []
    for year, month in months(first, last):
        day = month_last_day(year, month)
        if until is not None and day > until:
            if (year, month) > (until.year, until.month):
                break
            day = until
        month_list.append((year, month))
        days.append(day)
    return [MonthFigure(year, month, day, counts)
            for (year, month), day, counts in zip(month_list, days,
                                                  _counts_on_days(session, days, area))]


def _counts_on_days(session: Session, days: list[dt.date], area: Area) -> list[Counts]:
    """The area's counts on each of `days`, in one query: each vendor's periods and methods are
    read once, into one flag a day (was a period or method in use that day), and the flags
    summed; a vendor with two periods or two methods covering a day still counts once."""
    if not days:
        return []
    first, last = min(days), max(days)
    active = select(VendorStatusPeriod.vendor_id, *[
        func.max(case((membership_on_clause(day), 1), else_=0)).label(f"on_{n}")
        for n, day in enumerate(days)]).where(in_use_during_clause(
            VendorStatusPeriod.joined_on, VendorStatusPeriod.left_on, first, last))
    cashless = select(PaymentMethod.vendor_id, *[
        func.max(case((payment_method_in_use_clause(day), 1), else_=0)).label(f"on_{n}")
        for n, day in enumerate(days)]).where(in_use_during_clause(
            PaymentMethod.started_on, PaymentMethod.stopped_on, first, last))
    if area.level != "country":
        ids = select(_counted_vendors(area).cte("counted").c.id)
        active = active.where(_AmongIds(VendorStatusPeriod.vendor_id, ids))
        cashless = cashless.where(_AmongIds(PaymentMethod.vendor_id, ids))
    active = active.group_by(VendorStatusPeriod.vendor_id).subquery()
    cashless = cashless.group_by(PaymentMethod.vendor_id).subquery()
    sums = []
    for n in range(len(days)):
        on = active.c[f"on_{n}"]
        sums += [func.sum(on), func.sum(on * func.coalesce(cashless.c[f"on_{n}"], 0))]
    row = session.execute(select(*sums).select_from(active).outerjoin(
        cashless, cashless.c.vendor_id == active.c.vendor_id)).one()
    return [_counts(row[2 * n], row[2 * n + 1]) for n in range(len(days))]


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
