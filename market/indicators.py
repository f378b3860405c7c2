"""Digitisation indicator maths: counts in, shares, totals and the Chợ 4.0 verdict out.
No Flask, no database: market/stats.py counts in SQL and hands the counts here.

A share is always a ratio of counts summed at the level asked for (market, commune or ward,
province, country), never an average of the shares below it: a province of one market of 1,000
vendors at 10 % and one of 10 vendors at 90 % is at 10.8 %, not 50 %.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

LEVELS = ("country", "province", "ward", "market")


def cashless_share(cashless_vendors: int, active_vendors: int) -> Fraction | None:
    """Share of active vendors that accept cashless payment; None when there is nobody to count."""
    if active_vendors < 0 or cashless_vendors < 0:
        raise ValueError("counts cannot be negative")
    if cashless_vendors > active_vendors:
        raise ValueError("more cashless vendors than active vendors")
    if active_vendors == 0:
        return None
    return Fraction(cashless_vendors, active_vendors)


def as_percent(share: Fraction | None, digits: int = 1) -> float | None:
    return None if share is None else round(float(share) * 100, digits)


def as_ratio(share: Fraction | None, digits: int = 6) -> float | None:
    """The share as a number from 0 to 1, as the JSON and CLI give it."""
    return None if share is None else round(float(share), digits)


@dataclass(frozen=True)
class Counts:
    """Active vendors, and those of them accepting cashless payment, on one day in one unit."""

    active: int = 0
    cashless: int = 0

    def __post_init__(self):
        cashless_share(self.cashless, self.active)  # refuses impossible counts

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.active + other.active, self.cashless + other.cashless)

    @property
    def share(self) -> Fraction | None:
        return cashless_share(self.cashless, self.active)

    @property
    def percent(self) -> float | None:
        return as_percent(self.share)


def total(counts: Iterable[Counts]) -> Counts:
    return sum(counts, Counts())


@dataclass
class Unit:
    """A unit of one level (country, province, ward, market) with its counts on a day and the
    units one level down. A parent's counts are the sum of what was counted for it, not of its
    children's shares."""

    level: str
    code: str
    name: str
    counts: Counts = field(default_factory=Counts)
    children: list[Unit] = field(default_factory=list)

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}")

    def as_dict(self, day: dt.date | None = None) -> dict:
        """The shape of `flask stats share --format json` and the API: date (top level only),
        level, code, name, active, cashless, share (0..1 or null), children."""
        data = {} if day is None else {"date": day.isoformat()}
        data.update(level=self.level, code=self.code, name=self.name,
                    active=self.counts.active, cashless=self.counts.cashless,
                    share=as_ratio(self.counts.share),
                    children=[child.as_dict() for child in self.children])
        return data


def change_in_points(before: Counts, after: Counts) -> float | None:
    """How many percentage points the share moved, to one decimal; None if either is unknown."""
    if before.share is None or after.share is None:
        return None
    return round(float(after.share - before.share) * 100, 1)


# --- Verification visits --------------------------------------------------------------------


@dataclass(frozen=True)
class VisitCounts:
    """Of the cashless vendors active on a day: how many were visited within the window, and how
    many of those said or showed that they were paid through the placard in the last 30 days."""

    cashless: int = 0
    visited: int = 0
    verified_used: int = 0

    def __post_init__(self):
        if not 0 <= self.verified_used <= self.visited <= self.cashless:
            raise ValueError("visit counts must satisfy 0 <= used <= visited <= cashless")

    def __add__(self, other: VisitCounts) -> VisitCounts:
        return VisitCounts(self.cashless + other.cashless, self.visited + other.visited,
                           self.verified_used + other.verified_used)

    @property
    def visited_share(self) -> Fraction | None:
        return None if self.cashless == 0 else Fraction(self.visited, self.cashless)

    @property
    def verified_share(self) -> Fraction | None:
        return None if self.cashless == 0 else Fraction(self.verified_used, self.cashless)


# --- The Chợ 4.0 rule -------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """A version of a province's rule, as plain values; None leaves a criterion out."""

    min_cashless_percent: int | None = None
    min_verified_percent: int | None = None
    verified_within_days: int = 30
    require_cashless_fees: bool = False
    min_listed_products: int | None = None

    @property
    def is_empty(self) -> bool:
        return (self.min_cashless_percent is None and self.min_verified_percent is None
                and not self.require_cashless_fees and self.min_listed_products is None)


@dataclass(frozen=True)
class MarketFacts:
    """What the rule is judged on, for one market on one day."""

    counts: Counts
    visits: VisitCounts
    fees_cashless: bool
    listed_products: int


# The kinds of shortfall; the pages and report word each one (ui.py), the JSON gives them as is.
NO_ACTIVE_VENDORS = "no_active_vendors"
MORE_CASHLESS_VENDORS = "more_cashless_vendors"
MORE_VERIFIED_VENDORS = "more_verified_vendors"
CASHLESS_FEES = "cashless_fees"
MORE_LISTED_PRODUCTS = "more_listed_products"


@dataclass(frozen=True)
class Shortfall:
    kind: str
    missing: int = 0  # how many more vendors or products; 0 where a number does not apply


@dataclass(frozen=True)
class Verdict:
    qualifies: bool
    shortfalls: tuple[Shortfall, ...] = ()


def _at_least(percent: int, of: int) -> int:
    """The smallest count that is at least `percent` % of `of` (exact: no rounding of shares)."""
    return -(-percent * of // 100)


def judge(criteria: Criteria, facts: MarketFacts) -> Verdict:
    """Whether the market meets every criterion, and for each one it misses, by how much.

    A market with no active vendor never qualifies: a share of nobody is not a share. A rule with
    no criterion at all qualifies nobody either, so an unfinished rule makes no Chợ 4.0."""
    if criteria.is_empty:
        return Verdict(False)
    if facts.counts.active == 0:
        return Verdict(False, (Shortfall(NO_ACTIVE_VENDORS),))
    shortfalls = []
    if criteria.min_cashless_percent is not None:
        needed = _at_least(criteria.min_cashless_percent, facts.counts.active)
        if facts.counts.cashless < needed:
            shortfalls.append(Shortfall(MORE_CASHLESS_VENDORS, needed - facts.counts.cashless))
    if criteria.min_verified_percent is not None:
        # A share of the vendors accepting cashless payment; with none of them, nothing is
        # verified, and at least one must be.
        percent, cashless = criteria.min_verified_percent, facts.visits.cashless
        needed = _at_least(percent, cashless) if cashless else int(percent > 0)
        if facts.visits.verified_used < needed:
            shortfalls.append(Shortfall(MORE_VERIFIED_VENDORS,
                                        needed - facts.visits.verified_used))
    if criteria.require_cashless_fees and not facts.fees_cashless:
        shortfalls.append(Shortfall(CASHLESS_FEES))
    if (criteria.min_listed_products is not None
            and facts.listed_products < criteria.min_listed_products):
        shortfalls.append(Shortfall(MORE_LISTED_PRODUCTS,
                                    criteria.min_listed_products - facts.listed_products))
    return Verdict(not shortfalls, tuple(shortfalls))
