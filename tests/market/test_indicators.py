"""The cashless share maths, directly."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from market.indicators import as_percent, cashless_share


def test_share_is_exact_and_none_when_there_is_nobody():
    assert cashless_share(1, 3) == Fraction(1, 3)
    assert as_percent(cashless_share(1, 3)) == 33.3
    assert cashless_share(0, 0) is None and as_percent(None) is None


@pytest.mark.parametrize("cashless, active", [(-1, 3), (4, 3), (1, -1)])
def test_impossible_counts_are_refused(cashless, active):
    with pytest.raises(ValueError):
        cashless_share(cashless, active)


# --- Counts, units and the Chợ 4.0 verdict ----------------------------------------------------

from market.indicators import (
    CASHLESS_FEES,
    MORE_CASHLESS_VENDORS,
    MORE_LISTED_PRODUCTS,
    MORE_VERIFIED_VENDORS,
    NO_ACTIVE_VENDORS,
    Counts,
    Criteria,
    MarketFacts,
    Shortfall,
    Unit,
    VisitCounts,
    change_in_points,
    judge,
)


def facts(active=20, cashless=10, visited=0, used=0, fees=False, listed=0) -> MarketFacts:
    return MarketFacts(Counts(active, cashless), VisitCounts(cashless, visited, used), fees, listed)


def test_counts_add_as_counts_and_refuse_the_impossible():
    assert Counts(10, 1) + Counts(1, 1) == Counts(11, 2)
    assert (Counts(10, 1) + Counts(1, 1)).share == Fraction(2, 11)
    with pytest.raises(ValueError):
        Counts(1, 2)
    with pytest.raises(ValueError):
        VisitCounts(cashless=3, visited=2, verified_used=3)


def test_a_unit_gives_the_json_shape_with_a_ratio_and_null_for_nobody():
    unit = Unit("ward", "05830", "Xã Đại Từ", Counts(3, 1),
                [Unit("market", "7", "Chợ Đại Từ", Counts(0, 0))])
    assert unit.as_dict(dt.date(2026, 3, 31)) == {
        "date": "2026-03-31", "level": "ward", "code": "05830", "name": "Xã Đại Từ",
        "active": 3, "cashless": 1, "share": 0.333333,
        "children": [{"level": "market", "code": "7", "name": "Chợ Đại Từ", "active": 0,
                      "cashless": 0, "share": None, "children": []}]}
    with pytest.raises(ValueError):
        Unit("village", "1", "x")


def test_change_in_points():
    assert change_in_points(Counts(10, 5), Counts(20, 14)) == 20.0
    assert change_in_points(Counts(0, 0), Counts(20, 14)) is None


@pytest.mark.parametrize("percent, active, cashless, missing", [
    (70, 20, 13, 1),  # 14 of 20 needed
    (70, 21, 14, 1),  # 14.7 -> 15 of 21: never rounded down
    (70, 20, 14, 0),
    (100, 7, 6, 1),
    (0, 5, 0, 0),
])
def test_the_cashless_criterion_says_how_many_more_vendors(percent, active, cashless, missing):
    verdict = judge(Criteria(min_cashless_percent=percent), facts(active, cashless))
    assert verdict.qualifies is (missing == 0)
    assert verdict.shortfalls == ((Shortfall(MORE_CASHLESS_VENDORS, missing),) if missing else ())


def test_every_criterion_missed_is_listed_with_what_is_missing():
    criteria = Criteria(min_cashless_percent=50, min_verified_percent=50,
                        require_cashless_fees=True, min_listed_products=5)
    verdict = judge(criteria, facts(20, 8, visited=4, used=2, listed=3))
    assert not verdict.qualifies
    assert verdict.shortfalls == (Shortfall(MORE_CASHLESS_VENDORS, 2),
                                  Shortfall(MORE_VERIFIED_VENDORS, 2),
                                  Shortfall(CASHLESS_FEES), Shortfall(MORE_LISTED_PRODUCTS, 2))
    assert judge(criteria, facts(20, 10, visited=5, used=5, fees=True, listed=5)).qualifies


def test_no_market_qualifies_without_active_vendors_or_without_criteria():
    assert judge(Criteria(min_listed_products=0), facts(0, 0)).shortfalls == (
        Shortfall(NO_ACTIVE_VENDORS),)
    assert not judge(Criteria(), facts(20, 20, fees=True, listed=100)).qualifies
    # With nobody cashless there is nobody to verify: at least one must be.
    assert judge(Criteria(min_verified_percent=10), facts(5, 0)).shortfalls == (
        Shortfall(MORE_VERIFIED_VENDORS, 1),)
