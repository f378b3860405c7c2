"""The Chợ 4.0 rule: versions by date, fee collection facts, listings, visits, and each market's
verdict with what it lacks, through the service functions on a real database."""
from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from accounts.service import Scope
from domain_errors import Conflict, Forbidden, Invalid, NotFound
from market.cho40 import (
    add_rule_version,
    market_verdicts,
    rule_in_force,
    start_fee_collection,
    stop_fee_collection,
)
from market.indicators import (
    CASHLESS_FEES,
    MORE_CASHLESS_VENDORS,
    MORE_LISTED_PRODUCTS,
    MORE_VERIFIED_VENDORS,
    Shortfall,
)
from market.stats import Area
from tests.factories import (
    DAI_TU,
    THAI_NGUYEN,
    make_bank_account,
    make_listing,
    make_market,
    make_product,
    make_quick_user,
    make_vendor,
)
from vendors.models import VendorKind, VisitAnswer
from vendors.visits import due_for_visit, record_visit, visit_counts

DAY = dt.date(2026, 3, 31)


@pytest.fixture
def province_staff(session):
    return make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN))


@pytest.fixture
def agent(session):
    return make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU))


def _market_with(session, active: int, cashless: int):
    market = make_market(session, ward_code=DAI_TU)
    vendors = [make_vendor(session, market, joined_on=dt.date(2025, 1, 1)) for _ in range(active)]
    for vendor in vendors[:cashless]:
        make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1))
    return market, vendors


def test_the_version_in_force_is_the_latest_to_take_effect(session, province_staff):
    first = add_rule_version(session, province_staff, THAI_NGUYEN,
                             {"effective_from": dt.date(2025, 1, 1), "min_cashless_percent": 50})
    second = add_rule_version(session, province_staff, THAI_NGUYEN,
                              {"effective_from": dt.date(2026, 1, 1), "min_cashless_percent": 70})
    assert rule_in_force(session, THAI_NGUYEN, dt.date(2024, 12, 31)) is None
    assert rule_in_force(session, THAI_NGUYEN, dt.date(2025, 12, 31)) == first
    assert rule_in_force(session, THAI_NGUYEN, dt.date(2026, 1, 1)) == second
    with pytest.raises(Conflict):
        add_rule_version(session, province_staff, THAI_NGUYEN,
                         {"effective_from": dt.date(2026, 1, 1), "min_cashless_percent": 80})
    with pytest.raises(Invalid):
        add_rule_version(session, province_staff, THAI_NGUYEN,
                         {"effective_from": dt.date(2026, 2, 1)})


def test_only_province_staff_of_that_province_and_admins_set_the_rule(session, agent):
    with pytest.raises(NotFound):  # an agent of a commune does not see the province
        add_rule_version(session, agent, THAI_NGUYEN,
                         {"effective_from": dt.date(2025, 1, 1), "min_cashless_percent": 50})
    other = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="25"))
    with pytest.raises(NotFound):
        add_rule_version(session, other, THAI_NGUYEN,
                         {"effective_from": dt.date(2025, 1, 1), "min_cashless_percent": 50})
    commune = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU))
    market = make_market(session, ward_code=DAI_TU)
    start_fee_collection(session, commune, market.id, dt.date(2025, 1, 1))
    with pytest.raises(Forbidden):
        start_fee_collection(session, agent, market.id, dt.date(2025, 1, 1))


def test_a_market_is_judged_by_the_version_of_the_day_and_told_what_it_lacks(
        session, province_staff, agent):
    add_rule_version(session, province_staff, THAI_NGUYEN,
                     {"effective_from": dt.date(2025, 1, 1), "min_cashless_percent": 50})
    add_rule_version(session, province_staff, THAI_NGUYEN, {
        "effective_from": dt.date(2026, 1, 1), "min_cashless_percent": 70,
        "min_verified_percent": 50, "verified_within_days": 30, "require_cashless_fees": True,
        "min_listed_products": 2})
    market, vendors = _market_with(session, active=10, cashless=6)
    cooperative = make_vendor(session, market, kind=VendorKind.COOPERATIVE,
                              joined_on=dt.date(2025, 1, 1))
    make_bank_account(session, cooperative, started_on=dt.date(2025, 2, 1))
    make_listing(session, make_product(session, cooperative), listed_on=dt.date(2026, 1, 5))
    # 11 active, 7 cashless: 63.6 %. Under the 2025 version (50 %) it qualifies.
    (in_2025,) = market_verdicts(session, dt.date(2025, 12, 31), Area(market_id=market.id))
    assert in_2025.verdict.qualifies and in_2025.rule.effective_from == dt.date(2025, 1, 1)

    (in_2026,) = market_verdicts(session, DAY, Area(market_id=market.id))
    assert not in_2026.verdict.qualifies
    assert in_2026.verdict.shortfalls == (
        Shortfall(MORE_CASHLESS_VENDORS, 1),  # 70 % of 11 = 7.7 -> 8
        Shortfall(MORE_VERIFIED_VENDORS, 4),  # 50 % of 7 -> 4, none verified
        Shortfall(CASHLESS_FEES), Shortfall(MORE_LISTED_PRODUCTS, 1))

    make_bank_account(session, vendors[7], started_on=dt.date(2026, 3, 1))
    for vendor in vendors[:4]:
        record_visit(session, agent, vendor.id, {
            "visited_on": dt.date(2026, 3, 20), "placard_displayed": VisitAnswer.YES,
            "used_last_30_days": VisitAnswer.YES}, today=DAY)
    start_fee_collection(session, province_staff, market.id, dt.date(2026, 3, 1))
    make_listing(session, make_product(session, cooperative), listed_on=dt.date(2026, 2, 1))
    (now,) = market_verdicts(session, DAY, Area(market_id=market.id))
    assert now.verdict.qualifies, now.verdict
    # The fee collection and the listing began in 2026: February was not Chợ 4.0.
    (february,) = market_verdicts(session, dt.date(2026, 2, 15), Area(market_id=market.id))
    assert not february.verdict.qualifies
    stop_fee_collection(session, province_staff, market.id, dt.date(2026, 3, 31))
    (stopped,) = market_verdicts(session, DAY, Area(market_id=market.id))
    assert stopped.verdict.shortfalls == (Shortfall(CASHLESS_FEES),)


def test_a_later_no_cancels_an_earlier_yes_and_old_visits_fall_due(session, agent):
    market, vendors = _market_with(session, active=3, cashless=3)
    area = Area(market_id=market.id)

    def visit(vendor, day, used):
        record_visit(session, agent, vendor.id, {
            "visited_on": day, "placard_displayed": VisitAnswer.YES,
            "used_last_30_days": used}, today=DAY)

    visit(vendors[0], dt.date(2026, 3, 10), VisitAnswer.YES)
    visit(vendors[0], dt.date(2026, 3, 25), VisitAnswer.NO)
    visit(vendors[1], dt.date(2026, 3, 2), VisitAnswer.YES)
    visit(vendors[2], dt.date(2026, 1, 5), VisitAnswer.YES)
    counts = visit_counts(session, DAY, area, 30)
    assert (counts.cashless, counts.visited, counts.verified_used) == (3, 2, 1)
    due, total = due_for_visit(session, DAY, area, 30)
    assert total == 1 and [d.vendor_id for d in due] == [vendors[2].id]
    assert due[0].last_visit == dt.date(2026, 1, 5)
    # Seen from January, the January visit counts and nobody is due.
    assert due_for_visit(session, dt.date(2026, 1, 31), area, 30)[1] == 2
    with pytest.raises(Invalid):
        visit(vendors[0], DAY + dt.timedelta(days=1), VisitAnswer.YES)


def test_visits_are_recorded_only_in_scope_and_by_those_who_visit(session, province_staff):
    outside = make_vendor(session, make_market(session, ward_code="04792"))
    agent = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU))
    data = {"visited_on": DAY, "placard_displayed": VisitAnswer.UNKNOWN,
            "used_last_30_days": VisitAnswer.UNKNOWN}
    with pytest.raises(NotFound):
        record_visit(session, agent, outside.id, data, today=DAY)
    inside = make_vendor(session, make_market(session, ward_code=DAI_TU))
    with pytest.raises(Forbidden):
        record_visit(session, province_staff, inside.id, data, today=DAY)
