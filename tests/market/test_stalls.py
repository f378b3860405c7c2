"""A market's stalls and its closing, through the services on the real database: codes written
and checked as market/stall_codes.py says, near matches questioned, the market's pattern,
merging, and a closed market's vendors and registrations."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from domain_errors import Conflict, Forbidden, Invalid, NotFound
from market.models import Market, Stall
from market.service import (
    close_market,
    create_market,
    reopen_market,
    search_markets,
    update_market,
    vendors_trading_on,
)
from market.stalls import create_stall, merge_stalls, search_stalls, stall_page, update_stall
from market.stats import Area, area_counts
from tests.api_area import refused
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THU_DAU_MOT,
    make_bank_account,
    make_market,
    make_quick_user,
    make_stall,
    make_vendor,
)
from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod

# The form's market search reads the clock: the closings here are days before the real today.
TODAY = dt.date.today()
CLOSED_ON = TODAY - dt.timedelta(days=2)
EVE = CLOSED_ON - dt.timedelta(days=1)


@pytest.fixture
def dai_tu(session):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    staff = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU))
    agent = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id))
    provincial = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    return SimpleNamespace(market=market, staff=staff, agent=agent, provincial=provincial)


def _stall_codes(session, market) -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(Stall.code).where(Stall.market_id == market.id)))


# --- Adding and renaming ----------------------------------------------------------------------


def test_a_new_stall_code_is_written_as_the_rules_say_with_its_match_key(session, dai_tu):
    market, agent = dai_tu.market, dai_tu.agent
    stall = create_stall(session, agent, market.id, {"code": " c 07 ", "zone": "Khu C"})
    session.commit()
    assert (stall.code, stall.match_key, stall.zone) == ("C-07", "C.7", "Khu C")


def test_junk_is_refused_and_makes_no_stall(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    with pytest.raises(Invalid) as refused:
        create_stall(session, staff, market.id, {"code": "zz 99 !!"})
    assert "không nhận «!»" in str(refused.value.fields["code"][0])
    assert _stall_codes(session, market) == []


def test_a_code_near_an_existing_stall_is_questioned_then_made_when_confirmed(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    existing = make_stall(session, market, "C-07")
    session.commit()
    with pytest.raises(Conflict) as asked:
        create_stall(session, staff, market.id, {"code": "c7"})
    assert asked.value.code == "stall_near_match"
    assert str(asked.value.fields["code"][0]).startswith("Có phải quầy C-07?")
    assert asked.value.details["stall_choices"] == [
        {"code": "C-07", "stall_id": existing.id, "zone": None}]
    assert asked.value.details["new_stall_code"] == "C7"
    session.rollback()
    create_stall(session, staff, market.id, {"code": "c7", "confirm_new_stall": True})
    session.commit()
    assert _stall_codes(session, market) == ["C-07", "C7"]


def test_the_same_code_again_is_a_conflict(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    make_stall(session, market, "C-07")
    session.commit()
    with pytest.raises(Conflict, match="đã có quầy số C-07"):
        create_stall(session, staff, market.id, {"code": "c-07"})


def test_a_markets_pattern_refuses_other_codes_offering_the_one_that_fits(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    update_market(session, staff, market.id, {"stall_code_pattern": "a 00, a-000"})
    session.commit()
    assert market.stall_code_pattern == "A-00, A-000"
    with pytest.raises(Invalid) as refused:
        create_stall(session, staff, market.id, {"code": "c7", "confirm_new_stall": True})
    assert refused.value.code == "stall_code_pattern"
    assert refused.value.details["stall_choices"] == [
        {"code": "C-07", "stall_id": None, "zone": None}]
    assert "new_stall_code" not in refused.value.details or \
        refused.value.details["new_stall_code"] is None
    assert str(refused.value.fields["code"][0]).startswith(
        "Có phải quầy C-07? Số quầy ở chợ này có dạng A-00, A-000")
    session.rollback()
    create_stall(session, staff, market.id, {"code": "c-07"})
    create_stall(session, staff, market.id, {"code": "D-123"})
    session.commit()
    assert _stall_codes(session, market) == ["C-07", "D-123"]


def test_a_pattern_staff_cannot_mean_is_refused_on_the_market(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    with pytest.raises(Invalid) as refused:
        update_market(session, staff, market.id, {"stall_code_pattern": "[A-Z]-\\d\\d"})
    assert "stall_code_pattern" in refused.value.fields


def test_renaming_checks_the_new_code_as_a_new_stall_is_checked(session, dai_tu):
    market, agent = dai_tu.market, dai_tu.agent
    c07, typo = make_stall(session, market, "C-07"), make_stall(session, market, "X9")
    session.commit()
    with pytest.raises(Conflict, match="Có phải quầy C-07"):
        update_stall(session, agent, market.id, typo.id, {"code": "c 7"})
    session.rollback()
    with pytest.raises(Conflict, match="đã có quầy số C-07"):
        update_stall(session, agent, market.id, typo.id, {"code": "C-07"})
    session.rollback()
    renamed = update_stall(session, agent, market.id, typo.id, {"code": "c 08", "zone": "Khu C"})
    session.commit()
    assert (renamed.code, renamed.match_key, renamed.zone) == ("C-08", "C.8", "Khu C")
    # A stall renamed to another writing of its own code is not near itself.
    assert update_stall(session, agent, market.id, c07.id, {"code": "C07"}).code == "C07"


def test_provincial_staff_may_not_change_stalls_and_others_areas_are_not_found(session, dai_tu):
    market, staff, provincial = dai_tu.market, dai_tu.staff, dai_tu.provincial
    far = make_market(session, ward_code=THU_DAU_MOT)
    session.commit()
    with pytest.raises(Forbidden):
        create_stall(session, provincial, market.id, {"code": "A-01"})
    with pytest.raises(NotFound):
        create_stall(session, staff, far.id, {"code": "A-01"})


# --- Merging ----------------------------------------------------------------------------------


def test_merging_moves_the_vendors_of_one_stall_to_another_and_removes_the_first(session, dai_tu):
    market, agent = dai_tu.market, dai_tu.agent
    kept, typo = make_stall(session, market, "C-07"), make_stall(session, market, "ZZ 99 !!")
    typo.zone = "Khu C – Quần áo"
    at_kept = make_vendor(session, market, stall_id=kept.id)
    at_typo = [make_vendor(session, market, stall_id=typo.id),
               make_vendor(session, market, stall_id=typo.id, joined_on=dt.date(2024, 1, 1),
                           left_on=dt.date(2025, 1, 1))]
    session.commit()
    typo_id = typo.id

    stall, moved = merge_stalls(session, agent, market.id, typo_id, "c 07")
    session.commit()

    assert (stall.id, moved) == (kept.id, 2)
    assert stall.zone == "Khu C – Quần áo"  # it had none
    assert session.get(Stall, typo_id) is None
    session.expire_all()
    assert {v.stall_id for v in session.scalars(select(Vendor).where(
        Vendor.id.in_([at_kept.id, *(v.id for v in at_typo)])))} == {kept.id}


def test_a_merge_refused_changes_nothing(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    make_stall(session, market, "C-07")
    typo = make_stall(session, market, "C7")
    vendor = make_vendor(session, market, stall_id=typo.id)
    other_market = make_market(session, ward_code=DAI_TU)
    make_stall(session, other_market, "D-01")
    session.commit()
    with pytest.raises(Invalid, match="không có quầy «C-7». Có phải quầy C-07?"):
        merge_stalls(session, staff, market.id, typo.id, "C-7")
    session.rollback()
    with pytest.raises(Invalid, match="không có quầy «D-01»"):  # another market's
        merge_stalls(session, staff, market.id, typo.id, "D-01")
    session.rollback()
    with pytest.raises(Invalid, match="Chọn một quầy khác"):
        merge_stalls(session, staff, market.id, typo.id, "c7")
    session.rollback()
    assert _stall_codes(session, market) == ["C-07", "C7"]
    assert session.get(Vendor, vendor.id).stall_id == typo.id


# --- Finding stalls ---------------------------------------------------------------------------


def test_stalls_are_found_by_code_and_zone_within_the_users_area(session, dai_tu):
    market, staff, agent = dai_tu.market, dai_tu.staff, dai_tu.agent
    for code, zone in [("C-07", "Khu C – Quần áo"), ("C-10", "Khu C – Quần áo"),
                       ("A-07", "Khu A – Rau củ quả")]:
        create_stall(session, staff, market.id, {"code": code, "zone": zone})
    far = make_market(session, ward_code=THU_DAU_MOT)
    session.commit()
    assert [s.code for s in search_stalls(session, agent, market.id, "c7")] == ["C-07"]
    assert [s.code for s in search_stalls(session, agent, market.id, "07")] == ["A-07", "C-07"]
    assert [s.code for s in search_stalls(session, agent, market.id, "rau")] == ["A-07"]
    with pytest.raises(NotFound):
        search_stalls(session, staff, far.id, "c")


def test_the_stalls_page_lists_stalls_in_reading_order_with_their_vendors(session, dai_tu):
    market, staff = dai_tu.market, dai_tu.staff
    stalls = {code: make_stall(session, market, code) for code in ("C-10", "C-2", "A-01")}
    make_vendor(session, market, stall_id=stalls["C-2"].id)
    make_vendor(session, market, stall_id=stalls["C-2"].id, left_on=dt.date(2025, 1, 1))
    session.commit()
    page = stall_page(session, staff, market.id, TODAY)
    assert [(r.code, r.vendors, r.active_vendors) for r in page.rows] == [
        ("A-01", 0, 0), ("C-2", 2, 1), ("C-10", 0, 0)]
    assert [r.code for r in stall_page(session, staff, market.id, TODAY, query="c").rows] == [
        "C-2", "C-10"]
    second = stall_page(session, staff, market.id, TODAY, page=2, page_size=2)
    assert ([r.code for r in second.rows], second.total, second.pages) == (["C-10"], 3, 2)


# --- Markets: created, closed and reopened ----------------------------------------------------


def test_a_market_is_created_with_its_pattern_and_coordinates(session, dai_tu):
    staff = dai_tu.staff
    market = create_market(session, staff, {
        "name": "Chợ Mới", "ward_code": DAI_TU, "latitude": "21.63", "longitude": "105.64",
        "stall_code_pattern": "k 000"})
    session.commit()
    assert (market.stall_code_pattern, float(market.latitude)) == ("K-000", 21.63)
    with pytest.raises(Invalid):  # a commune outside the staff's area
        create_market(session, staff, {"name": "Chợ Xa", "ward_code": TAN_CUONG})


def test_closing_a_market_sends_its_vendors_away_that_day_and_keeps_the_past(session, dai_tu):
    market, staff, agent = dai_tu.market, dai_tu.staff, dai_tu.agent
    trading = make_vendor(session, market, joined_on=dt.date(2024, 1, 1))
    method = make_bank_account(session, trading, started_on=dt.date(2024, 2, 1))
    left_before = make_vendor(session, market, joined_on=dt.date(2024, 1, 1),
                              left_on=dt.date(2025, 6, 1))
    session.commit()
    before = area_counts(session, EVE, Area(market_id=market.id))
    assert (before.active, before.cashless) == (1, 1)

    with pytest.raises(Forbidden):
        close_market(session, agent, market.id, CLOSED_ON, today=TODAY)
    with pytest.raises(Invalid, match="tương lai"):
        close_market(session, staff, market.id, TODAY + dt.timedelta(days=1),
                     today=TODAY)
    with pytest.raises(Invalid, match="ngày đóng cửa phải sau ngày đó"):
        close_market(session, staff, market.id, dt.date(2024, 1, 1), today=TODAY)
    session.rollback()

    assert close_market(session, staff, market.id, CLOSED_ON, today=TODAY) == 1
    session.commit()
    session.expire_all()
    assert session.get(Market, market.id).closed_on == CLOSED_ON
    period = session.scalar(select(VendorStatusPeriod).where(
        VendorStatusPeriod.vendor_id == trading.id))
    assert (period.left_on, period.left_reason) == (CLOSED_ON, "Chợ đóng cửa")
    assert session.get(PaymentMethod, method.id).stopped_on == CLOSED_ON
    assert session.scalar(select(VendorStatusPeriod.left_on).where(
        VendorStatusPeriod.vendor_id == left_before.id)) == dt.date(2025, 6, 1)
    # The days before stay as they were; from the closing day nobody trades there.
    after = area_counts(session, EVE, Area(market_id=market.id))
    assert (after.active, after.cashless) == (1, 1)
    assert vendors_trading_on(session, market.id, CLOSED_ON) == 0
    # The form's market search no longer offers it; the staff's list of markets still has it.
    assert search_markets(session, Market.id == market.id) == []
    assert search_markets(session, Market.id == market.id, include_closed=True) == [market]
    with pytest.raises(Invalid, match=f"đã đóng cửa từ ngày {CLOSED_ON:%d/%m/%Y}"):
        close_market(session, staff, market.id, TODAY, today=TODAY)
    session.rollback()

    reopen_market(session, staff, market.id)
    session.commit()
    assert search_markets(session, Market.id == market.id) == [market]
    assert session.scalar(select(func.count()).select_from(VendorStatusPeriod).where(
        VendorStatusPeriod.vendor_id == trading.id, VendorStatusPeriod.left_on.is_(None))) == 0


# --- The JSON API -----------------------------------------------------------------------------


def test_the_api_questions_a_near_stall_and_takes_the_confirmation(client, session, area):
    path = f"/api/v1/markets/{area.market.id}/stalls"  # the area's market has stall A-01
    body = refused(client.post(path, json={"code": "a1"}, headers=area.auth(Role.ADMIN)), 409,
                   field="code", reason="Có phải quầy A-01?")
    assert body["reason"] == "stall_near_match"
    assert body["stall_choices"] == [{"code": "A-01", "stall_id": area.stall.id, "zone": None}]
    assert body["new_stall_code"] == "A1"
    response = client.post(path, json={"code": "a1", "confirm_new_stall": True},
                           headers=area.auth(Role.ADMIN))
    assert response.status_code == 201 and response.get_json()["code"] == "A1"
    refused(client.post(path, json={"code": "zz 99 !!"}, headers=area.auth(Role.ADMIN)), 422,
            field="code")
    market = client.patch(f"/api/v1/markets/{area.market.id}", json={"stall_code_pattern": "a-00"},
                          headers=area.auth(Role.COMMUNE_STAFF)).get_json()
    assert (market["stall_code_pattern"], market["closed_on"]) == ("A-00", None)
    body = refused(client.post(path, json={"code": "b 2"}, headers=area.auth(Role.ADMIN)), 422,
                   field="code", reason="Có phải quầy B-02?")
    assert body["reason"] == "stall_code_pattern"
    assert body["stall_choices"] == [{"code": "B-02", "stall_id": None, "zone": None}]
