"""The staff's market and stall pages, and the stall field of the onboarding form, through the
test client: creating, editing and closing a market, adding, renaming and merging stalls, the
stall suggestions, and the question about a near stall without script."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from market.models import Market, Stall
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    login,
    make_market,
    make_quick_user,
    make_stall,
    make_vendor,
)
from vendors.models import Vendor


@pytest.fixture
def office(session):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU,
                         latitude="21.636400", longitude="105.643600")
    make_market(session, name="Chợ Hùng Sơn", ward_code=DAI_TU)
    stalls = {code: make_stall(session, market, code) for code in ("C-07", "C-10", "A-07")}
    stalls["A-07"].zone = "Khu A – Rau củ quả"
    staff = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU),
                            username="canbo.xa")
    agent = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id),
                            username="nhanvien")
    admin = make_quick_user(session, Role.ADMIN, username="quantri")
    session.commit()
    return SimpleNamespace(market=market, stalls=stalls, staff=staff, agent=agent, admin=admin)


def _page(response) -> str:
    return response.get_data(as_text=True)


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- Markets ----------------------------------------------------------------------------------


def test_commune_staff_create_a_market_in_their_commune_with_the_map_drawn(client, office,
                                                                          session):
    login(client, "canbo.xa")
    page = _page(client.get("/markets/"))
    assert 'href="/markets/new"' in page
    form = _page(client.get("/markets/new"))
    # One commune: chosen already, no search; the province's map to click on, its edges given.
    assert re.search(r'<select id="ward_code"[^>]*>\s*<option value="05830"', form)
    assert 'id="ward_q"' not in form
    svg = re.search(r'<svg id="market-map" viewBox="0 0 360 ([\d.]+)"[^>]*data-west="([\d.]+)"', form)
    assert svg and 105 < float(svg.group(2)) < 106
    assert "<title>Chợ Đại Từ</title>" in form
    assert "static/js/market_map.js" in form

    response = client.post("/markets/new", data={
        "name": "Chợ Mới Đại Từ", "ward_code": DAI_TU, "market_class": "III",
        "latitude": "21,6401", "longitude": "105.6502", "stall_code_pattern": "a 00",
        "address": "", "board_contact_phone": ""})
    assert response.status_code == 303
    market = session.scalar(select(Market).where(Market.name == "Chợ Mới Đại Từ"))
    assert (float(market.latitude), market.stall_code_pattern, market.address) == (
        21.6401, "A-00", None)
    detail = _page(client.get(response.headers["Location"]))
    assert "Đã lưu chợ «Chợ Mới Đại Từ»." in detail
    assert f'href="/markets/{market.id}/edit"' in detail
    assert f'href="/markets/{market.id}/stalls"' in detail and "mẫu A-00" in detail


def test_every_error_of_the_market_form_is_shown_beside_its_field(client, office):
    login(client, "canbo.xa")
    response = client.post(f"/markets/{office.market.id}/edit", data={
        "name": "", "ward_code": DAI_TU, "latitude": "95", "stall_code_pattern": "[A-Z]-\\d"})
    page = _page(response)
    assert response.status_code == 422
    assert re.search(r'id="name"[^>]*aria-invalid="true"', page)
    assert '<p class="field-error" id="latitude-error">Vĩ độ nằm trong khoảng -90 đến 90.' in page
    assert re.search(r'id="stall_code_pattern-error">Mẫu «\[A-Z\]-\\d» chưa đúng', page)


def test_an_administrator_finds_the_commune_by_name_without_script(client, office):
    login(client, "quantri")
    page = _page(client.post("/markets/new", data={"name": "Chợ Tân Cương", "ward_q": "tan cuong",
                                                   "action": "find_ward"}))
    assert f'<option value="{TAN_CUONG}">Xã Tân Cương · Tỉnh Thái Nguyên</option>' in page
    assert 'value="Chợ Tân Cương"' in page  # what was typed stays


def test_a_market_closed_from_its_page_takes_no_registration(client, office, session):
    vendor = make_vendor(session, session.get(Market, office.market.id),
                         joined_on=dt.date(2024, 1, 1))
    session.commit()
    login(client, "canbo.xa")
    edit = _page(client.get(f"/markets/{office.market.id}/edit"))
    assert "được ghi là nghỉ bán từ ngày đóng cửa; hiện có: 1." in edit
    yesterday = dt.date.today() - dt.timedelta(days=1)
    response = client.post(f"/markets/{office.market.id}/close",
                           data={"closed_on": yesterday.isoformat()})
    assert response.status_code == 303
    detail = _page(client.get(response.headers["Location"]))
    assert "Số tiểu thương được ghi là nghỉ bán từ ngày đó: 1." in detail
    assert "Chợ đã đóng cửa từ ngày" in detail
    session.expire_all()
    assert session.get(Vendor, vendor.id).status_periods[0].left_on == yesterday

    login(client, "nhanvien")
    assert client.get("/vendors/markets.json?q=dai tu").get_json() == {"markets": []}
    refused = client.post("/vendors/new", data={
        "market_id": office.market.id, "kind": "trader", "name": "Nguyễn Thị Hoa"})
    assert refused.status_code == 422
    assert "Chợ «Chợ Đại Từ» đã đóng cửa từ ngày" in _page(refused)


def test_a_closing_day_in_the_future_is_refused_beside_the_field(client, office):
    login(client, "canbo.xa")
    tomorrow = dt.date.today() + dt.timedelta(days=3)
    response = client.post(f"/markets/{office.market.id}/close",
                           data={"closed_on": tomorrow.isoformat()})
    assert response.status_code == 422
    assert 'id="closed_on-error">Ngày này không thể ở tương lai.' in _page(response)


# --- Stalls -----------------------------------------------------------------------------------


def test_the_stalls_page_lists_and_finds_stalls_and_adds_one(client, office, session):
    login(client, "nhanvien")
    page = _page(client.get(f"/markets/{office.market.id}/stalls"))
    assert page.index(">A-07<") < page.index(">C-07<") < page.index(">C-10<")
    found = _page(client.get(f"/markets/{office.market.id}/stalls?q=rau"))
    assert ">A-07<" in found and ">C-07<" not in found

    response = client.post(f"/markets/{office.market.id}/stalls",
                           data={"code": "c 08", "zone": "Khu C"})
    assert response.status_code == 303
    assert "Đã thêm quầy C-08." in _page(client.get(response.headers["Location"]))
    assert _count(session, Stall, Stall.code == "C-08") == 1


def test_a_stall_near_another_is_questioned_on_the_stalls_page(client, office, session):
    login(client, "canbo.xa")
    response = client.post(f"/markets/{office.market.id}/stalls", data={"code": "c7"})
    page = _page(response)
    assert response.status_code == 409
    assert 'id="code-error">Có phải quầy C-07?' in page
    c07 = office.stalls["C-07"]
    assert f'href="/markets/{office.market.id}/stalls/{c07.id}">Xem quầy C-07' in page
    assert 'name="confirm_new_stall" value="1"> Không, «C7» là quầy mới' in page
    response = client.post(f"/markets/{office.market.id}/stalls",
                           data={"code": "c7", "confirm_new_stall": "1"})
    assert response.status_code == 303
    assert _count(session, Stall, Stall.code == "C7") == 1


def test_a_markets_pattern_offers_the_code_that_fits(client, office, session):
    market = session.get(Market, office.market.id)
    market.stall_code_pattern = "A-00"
    session.commit()
    login(client, "canbo.xa")
    page = _page(client.post(f"/markets/{market.id}/stalls", data={"code": "d8"}))
    assert 'id="code-error">Có phải quầy D-08? Số quầy ở chợ này có dạng A-00' in page
    assert '<button type="submit" name="use_stall" value="D-08" formnovalidate>Dùng số D-08' in page
    assert "confirm_new_stall" not in page
    response = client.post(f"/markets/{market.id}/stalls", data={"code": "d8", "use_stall": "D-08"})
    assert response.status_code == 303
    assert _count(session, Stall, Stall.code == "D-08") == 1


def test_a_stall_is_renamed_and_merged_from_its_page(client, office, session):
    market = session.get(Market, office.market.id)
    typo = make_stall(session, market, "ZZ 99 !!")
    vendors = [make_vendor(session, market, stall_id=typo.id) for _ in range(2)]
    session.commit()
    typo_id, vendor_ids, c07_id = typo.id, [v.id for v in vendors], office.stalls["C-07"].id
    login(client, "nhanvien")
    page = _page(client.get(f"/markets/{market.id}/stalls/{typo.id}"))
    assert "tiểu thương đang kinh doanh: 2" in page
    assert "Số tiểu thương sẽ chuyển: 2." in page

    refused = client.post(f"/markets/{market.id}/stalls/{typo.id}", data={"code": "zz 99 !!"})
    assert refused.status_code == 422 and "không nhận «!»" in _page(refused)
    renamed = client.post(f"/markets/{market.id}/stalls/{typo.id}",
                          data={"code": "zz 99", "zone": ""})
    assert renamed.status_code == 303
    session.expire_all()
    assert session.get(Stall, typo.id).code == "ZZ-99"

    missing = client.post(f"/markets/{market.id}/stalls/{typo.id}/merge", data={"into": "c 7"})
    assert missing.status_code == 422
    assert 'id="into-error">Chợ «Chợ Đại Từ» không có quầy «C-7». Có phải quầy C-07?' in _page(missing)
    merged = client.post(f"/markets/{market.id}/stalls/{typo.id}/merge", data={"into": "c-07"})
    assert merged.status_code == 303
    assert ("Đã gộp quầy ZZ-99 vào C-07. Số tiểu thương được chuyển sang: 2."
            in _page(client.get(merged.headers["Location"])))
    session.expire_all()
    assert session.get(Stall, typo_id) is None
    assert {session.get(Vendor, v).stall_id for v in vendor_ids} == {c07_id}


# --- The onboarding form's stall field --------------------------------------------------------


def test_the_form_asks_for_the_stalls_of_the_market_as_a_code_is_typed(client, office):
    login(client, "nhanvien")
    answer = client.get(f"/vendors/markets/{office.market.id}/stalls.json?q=c 0")
    assert [stall["code"] for stall in answer.get_json()["stalls"]] == ["C-07"]
    answer = client.get(f"/vendors/markets/{office.market.id}/stalls.json?q=rau")
    assert answer.get_json()["stalls"] == [
        {"id": office.stalls["A-07"].id, "code": "A-07", "zone": "Khu A – Rau củ quả"}]
    assert client.get(f"/vendors/markets/{office.market.id}/stalls.json").get_json() == {
        "stalls": []}


def _registration(market, **fields) -> dict:
    return {"market_id": market.id, "kind": "trader", "name": "Nguyễn Thị Hoa",
            "phone": "0912 345 678", "idempotency_key": "form-key-0001", **fields}


def test_without_script_the_form_asks_which_stall_and_takes_the_answer(client, office, session):
    login(client, "nhanvien")
    response = client.post("/vendors/new", data=_registration(office.market, stall_code="c7"))
    page = _page(response)
    assert response.status_code == 409
    assert '<p class="field-error" id="stall_code-error">Có phải quầy C-07?' in page
    assert ('<button type="submit" name="use_stall" value="C-07" formnovalidate>Dùng quầy C-07'
            in page)
    assert 'name="confirm_new_stall" value="1"> Không, «C7» là quầy mới' in page
    # What was typed is offered from the market's stalls, as a list the browser shows.
    assert '<datalist id="stall-list"><option value="C-07">' in page
    assert _count(session, Vendor) == 0

    response = client.post("/vendors/new", data=_registration(
        office.market, stall_code="c7", use_stall="C-07"))
    assert response.status_code == 303
    vendor = session.scalar(select(Vendor))
    assert vendor.stall_id == office.stalls["C-07"].id


def test_without_script_a_new_stall_is_made_once_confirmed(client, office, session):
    login(client, "nhanvien")
    response = client.post("/vendors/new", data=_registration(
        office.market, stall_code="c7", confirm_new_stall="1"))
    assert response.status_code == 303
    assert session.scalar(select(Vendor)).stall.code == "C7"


def test_the_question_in_json_and_in_english(client, office):
    login(client, "nhanvien")
    client.get("/lang/en")
    response = client.post("/vendors/new", data=_registration(office.market, stall_code="c7"),
                           headers={"Accept": "application/json"})
    body = response.get_json()
    assert response.status_code == 409 and body["reason"] == "stall_near_match"
    assert body["stall_choices"] == [
        {"code": "C-07", "stall_id": office.stalls["C-07"].id, "zone": None}]
    assert body["new_stall_code"] == "C7"
    assert body["errors"]["stall_code"][0].startswith("Did you mean stall C-07?")
    junk = client.post("/vendors/new", data=_registration(office.market, stall_code="zz 99 !!"),
                       headers={"Accept": "application/json"})
    assert junk.status_code == 422
    assert "«!»" in junk.get_json()["errors"]["stall_code"][0]
    assert "Số quầy" not in junk.get_json()["errors"]["stall_code"][0]
