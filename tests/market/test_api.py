"""Markets and stalls over the API: listing with filters and pages, reading, creating and editing
within the user's area, and refusals that change nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from accounts.models import Role
from market.models import Market, Stall
from tests.api_area import refused, snapshot
from tests.factories import DAI_TU, TAN_CUONG, make_market, make_stall

ADMIN, PROVINCIAL, COMMUNE, AGENT, COOP = (
    Role.ADMIN, Role.PROVINCIAL_STAFF, Role.COMMUNE_STAFF, Role.ONBOARDING_AGENT,
    Role.COOPERATIVE_MANAGER)


def _names(response):
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()]


# --- Listing and reading ----------------------------------------------------------------------


def test_markets_are_listed_by_name_with_their_commune_and_province(client, area):
    response = client.get("/api/v1/markets", headers=area.auth(PROVINCIAL))
    (market,) = response.get_json()
    assert market == {
        "id": area.market.id, "name": "Chợ Đại Từ", "ward_code": DAI_TU, "ward_name": "Xã Đại Từ",
        "province_code": "19", "province_name": "Tỉnh Thái Nguyên", "address": None,
        "market_class": "II", "board_contact_name": None, "board_contact_phone": None,
        "latitude": None, "longitude": None, "stall_code_pattern": None, "closed_on": None,
        "created_at": market["created_at"],
    }
    assert market["created_at"].endswith("+00:00")


@pytest.mark.parametrize("query, expected", [
    ("", ["Chợ Đại Từ", "Chợ Tân Cương", "Chợ Thủ Dầu Một"]),
    ("?q=dai tu", ["Chợ Đại Từ"]),
    ("?q=Đại Từ", ["Chợ Đại Từ"]),
    ("?q=CHO+TAN", ["Chợ Tân Cương"]),
    ("?province=19", ["Chợ Đại Từ", "Chợ Tân Cương"]),
    ("?province=79", ["Chợ Thủ Dầu Một"]),
    (f"?ward={TAN_CUONG}", ["Chợ Tân Cương"]),
    (f"?ward={DAI_TU}&q=tan", []),
])
def test_markets_are_filtered_by_province_commune_and_name(client, session, area, query, expected):
    make_market(session, name="Chợ Tân Cương", ward_code=TAN_CUONG)
    session.commit()
    assert _names(client.get("/api/v1/markets" + query, headers=area.auth(ADMIN))) == expected


def test_markets_come_in_pages_with_the_counts_in_a_header(client, session, area):
    for number in range(1, 6):
        make_market(session, name=f"Chợ Số {number}")
    session.commit()
    response = client.get("/api/v1/markets?q=so&page=2&page_size=2", headers=area.auth(ADMIN))
    assert _names(response) == ["Chợ Số 3", "Chợ Số 4"]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 5, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2,
        "previous_page": 1, "next_page": 3}


@pytest.mark.parametrize("query, field", [
    ("?page=0", "page"), ("?page=abc", "page"), ("?page_size=101", "page_size"),
    ("?page_size=-1", "page_size"), ("?province=Thai Nguyen", "province"), ("?ward=1", "ward"),
    ("?q=" + "x" * 101, "q"),
])
def test_bad_list_arguments_are_refused_with_the_field(client, area, query, field):
    refused(client.get("/api/v1/markets" + query, headers=area.auth(ADMIN)), 422, field=field)


@pytest.mark.parametrize("path", ["/api/v1/markets", "/api/v1/vendors", "STALLS",
                                  "/api/v1/products"])
def test_a_page_far_past_the_end_is_empty_not_an_error(client, area, path):
    path = path.replace("STALLS", f"/api/v1/markets/{area.market.id}/stalls")
    response = client.get(f"{path}?page={10**21}", headers=area.auth(ADMIN))
    assert response.status_code == 200 and response.get_json() == []


def test_text_the_database_cannot_store_is_refused_not_a_crash(client, session, area):
    # PostgreSQL refuses NUL characters in text; SQLite stores them.
    before = snapshot(session)
    response = client.post("/api/v1/markets", json={"name": "Chợ\u0000 Mới", "ward_code": DAI_TU},
                           headers=area.auth(ADMIN))
    assert response.status_code in (201, 422), response.get_json()
    if response.status_code == 422:
        refused(response, 422, "ký tự không hợp lệ")
        assert snapshot(session) == before
    response = client.get("/api/v1/vendors?q=a%00b", headers=area.auth(ADMIN))
    assert response.status_code in (200, 422)


def test_one_market_is_read_within_the_area_only(client, area):
    response = client.get(f"/api/v1/markets/{area.market.id}", headers=area.auth(AGENT))
    assert response.status_code == 200 and response.get_json()["name"] == "Chợ Đại Từ"
    for market_id in (area.far_market.id, 999999, 2**31 - 1):
        refused(client.get(f"/api/v1/markets/{market_id}", headers=area.auth(AGENT)), 404,
                "Không tìm thấy chợ")
    refused(client.get(f"/api/v1/markets/{2**40}", headers=area.auth(ADMIN)), 404)
    refused(client.get("/api/v1/markets/abc", headers=area.auth(ADMIN)), 404)


# --- Creating and editing markets -------------------------------------------------------------


NEW_MARKET = {"name": "  Chợ Hùng Sơn ", "ward_code": DAI_TU, "address": "Tổ dân phố 5",
              "market_class": "III", "board_contact_name": "Nguyễn Văn Ban",
              "board_contact_phone": "+84 912 000 111", "latitude": 21.6321, "longitude": "105.64"}


@pytest.mark.parametrize("role", [ADMIN, COMMUNE])
def test_administrators_and_commune_staff_create_markets_in_their_area(client, session, area, role):
    response = client.post("/api/v1/markets", json=NEW_MARKET, headers=area.auth(role))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["name"], body["ward_code"], body["market_class"]) == (
        "Chợ Hùng Sơn", DAI_TU, "III")
    assert (body["board_contact_phone"], body["latitude"], body["longitude"]) == (
        "0912000111", 21.6321, 105.64)
    market = session.get(Market, body["id"])
    assert market.search_key == "cho hung son"
    assert _names(client.get("/api/v1/markets?q=hung son", headers=area.auth(role))) == [
        "Chợ Hùng Sơn"]


@pytest.mark.parametrize("role", [PROVINCIAL, AGENT, COOP])
def test_other_roles_may_not_create_markets(client, session, area, role):
    before = snapshot(session)
    refused(client.post("/api/v1/markets", json=NEW_MARKET, headers=area.auth(role)), 403,
            "không được tạo hoặc sửa chợ")
    assert snapshot(session) == before


@pytest.mark.parametrize("changes, field, reason", [
    ({"name": None}, "name", "Vui lòng điền"),
    ({"name": "   "}, "name", "Vui lòng điền"),
    ({"name": 123}, "name", "chuỗi"),
    ({"name": "Chợ " + "x" * 200}, "name", "200 ký tự"),
    ({"ward_code": None}, "ward_code", "Vui lòng điền"),
    ({"ward_code": "5830"}, "ward_code", "5 chữ số"),
    ({"ward_code": 5830}, "ward_code", "chuỗi"),
    ({"market_class": "IV"}, "market_class", "I, II, III"),
    ({"board_contact_phone": "12345"}, "board_contact_phone", "10 chữ số"),
    ({"board_contact_phone": "0912 345 678 9999"}, "board_contact_phone", "10 chữ số"),
    ({"latitude": 91}, "latitude", "-90 đến 90"),
    ({"longitude": "east"}, "longitude", "Cần một số"),
    ({"longitude": "NaN"}, "longitude", "NaN"),
    ({"latitude": 1e308}, "latitude", "Cần một số"),
    ({"latitude": -1000.5}, "latitude", "-90 đến 90"),
    ({"address": "x" * 301}, "address", "300 ký tự"),
    ({"owner": "someone"}, "owner", "không có trong API"),
])
def test_invalid_markets_are_refused_field_by_field(client, session, area, changes, field, reason):
    before = snapshot(session)
    body = {key: value for key, value in {**NEW_MARKET, **changes}.items()}
    refused(client.post("/api/v1/markets", json=body, headers=area.auth(ADMIN)), 422,
            "kiểm tra lại", field=field, reason=reason)
    assert snapshot(session) == before


def test_missing_fields_are_each_named(client, session, area):
    before = snapshot(session)
    body = refused(client.post("/api/v1/markets", json={}, headers=area.auth(ADMIN)), 422)
    assert body["errors"] == {"name": ["Vui lòng điền mục này."],
                              "ward_code": ["Vui lòng điền mục này."]}
    assert snapshot(session) == before


@pytest.mark.parametrize("data, content_type, message", [
    ('{"name": "Chợ Mới", ', "application/json", "không phải JSON hợp lệ"),
    ("name=Chợ Mới&ward_code=05830", "application/x-www-form-urlencoded", "Content-Type"),
    ('{"name": "Chợ Mới", "ward_code": "05830"}', "text/plain", "Content-Type"),
    (b"\xff\xfe\x00garbage", "application/json", "không phải JSON hợp lệ"),
])
def test_a_body_that_is_not_json_is_a_bad_request(client, session, area, data, content_type,
                                                  message):
    before = snapshot(session)
    refused(client.post("/api/v1/markets", data=data, content_type=content_type,
                        headers=area.auth(ADMIN)), 400, message)
    assert snapshot(session) == before


@pytest.mark.parametrize("body", [[], "Chợ Mới", 42, None])
def test_json_that_is_not_an_object_is_refused(client, session, area, body):
    before = snapshot(session)
    response = client.post("/api/v1/markets", data=json.dumps(body),
                           content_type="application/json", headers=area.auth(ADMIN))
    refused(response, 422)
    assert snapshot(session) == before


def test_a_commune_outside_the_area_is_refused(client, session, area):
    before = snapshot(session)
    refused(client.post("/api/v1/markets", json={**NEW_MARKET, "ward_code": TAN_CUONG},
                        headers=area.auth(COMMUNE)), 422, field="ward_code", reason="địa bàn")
    refused(client.post("/api/v1/markets", json={**NEW_MARKET, "ward_code": "99999"},
                        headers=area.auth(ADMIN)), 422, field="ward_code")
    assert snapshot(session) == before


def test_a_market_sent_twice_is_recorded_once(client, session, area):
    first = client.post("/api/v1/markets", json=NEW_MARKET, headers=area.auth(ADMIN))
    assert first.status_code == 201
    before = snapshot(session)
    body = refused(client.post("/api/v1/markets", json={**NEW_MARKET, "name": "cho hung son"},
                               headers=area.auth(ADMIN)), 409, "đã có chợ «Chợ Hùng Sơn»")
    assert body["errors"]["name"]
    assert snapshot(session) == before


def test_a_market_is_edited_field_by_field(client, session, area):
    response = client.patch(f"/api/v1/markets/{area.market.id}",
                            json={"name": "Chợ Trung tâm Đại Từ", "address": None,
                                  "board_contact_phone": "0912 000 222"},
                            headers=area.auth(COMMUNE))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["market_class"], body["board_contact_phone"]) == (
        "Chợ Trung tâm Đại Từ", "II", "0912000222")
    session.expire_all()
    assert session.get(Market, area.market.id).search_key == "cho trung tam dai tu"


@pytest.mark.parametrize("role, market, changes, status, field", [
    (COMMUNE, "market", {"name": None}, 422, "name"),
    (COMMUNE, "market", {"name": ""}, 422, "name"),
    (COMMUNE, "market", {"ward_code": TAN_CUONG}, 422, "ward_code"),
    (COMMUNE, "market", {"latitude": "abc"}, 422, "latitude"),
    (COMMUNE, "market", {"id": 5}, 422, "id"),
    (COMMUNE, "far_market", {"name": "Chợ Của Tôi"}, 404, None),
    (PROVINCIAL, "market", {"name": "Chợ Của Tỉnh"}, 403, None),
    (AGENT, "market", {"name": "Chợ Của Tổ"}, 403, None),
])
def test_refused_market_edits_change_nothing(client, session, area, role, market, changes,
                                             status, field):
    before = snapshot(session)
    market_id = getattr(area, market).id
    refused(client.patch(f"/api/v1/markets/{market_id}", json=changes, headers=area.auth(role)),
            status, field=field)
    assert snapshot(session) == before


def test_renaming_a_market_to_a_name_in_use_in_its_commune_is_a_conflict(client, session, area):
    make_market(session, name="Chợ Hùng Sơn", ward_code=DAI_TU)
    session.commit()
    before = snapshot(session)
    refused(client.patch(f"/api/v1/markets/{area.market.id}", json={"name": "Chợ Hùng Sơn"},
                         headers=area.auth(ADMIN)), 409, "đã có chợ")
    assert snapshot(session) == before


# --- Stalls -----------------------------------------------------------------------------------


def test_a_markets_stalls_are_listed_by_code_in_pages(client, session, area):
    for code in ("C-3", "B-2", "D-4"):
        make_stall(session, area.market, code)
    session.commit()
    response = client.get(f"/api/v1/markets/{area.market.id}/stalls?page_size=3",
                          headers=area.auth(AGENT))
    assert response.status_code == 200
    assert [s["code"] for s in response.get_json()] == ["A-01", "B-2", "C-3"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 4
    refused(client.get(f"/api/v1/markets/{area.far_market.id}/stalls", headers=area.auth(AGENT)),
            404)


@pytest.mark.parametrize("role", [ADMIN, COMMUNE, AGENT])
def test_stalls_are_added_by_those_who_register_vendors(client, session, area, role):
    response = client.post(f"/api/v1/markets/{area.market.id}/stalls",
                           json={"code": " b-17 ", "zone": "Khu rau"}, headers=area.auth(role))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["market_id"], body["code"], body["zone"]) == (area.market.id, "B-17", "Khu rau")
    assert session.get(Stall, body["id"]).code == "B-17"


@pytest.mark.parametrize("role, market, body, status, field, reason", [
    (AGENT, "market", {}, 422, "code", "Vui lòng điền"),
    (AGENT, "market", {"code": ""}, 422, "code", "Vui lòng điền"),
    (AGENT, "market", {"code": 17}, 422, "code", "chuỗi"),
    (AGENT, "market", {"code": "X" * 21}, 422, "code", "20 ký tự"),
    (AGENT, "market", {"code": "B-1", "zone": "x" * 101}, 422, "zone", "100 ký tự"),
    (AGENT, "market", {"code": "a-01"}, 409, "code", "đã có quầy số A-01"),
    (AGENT, "far_market", {"code": "B-1"}, 404, None, None),
    (PROVINCIAL, "market", {"code": "B-1"}, 403, None, None),
    (COOP, "market", {"code": "B-1"}, 403, None, None),  # may not add stalls anywhere
])
def test_refused_stalls_change_nothing(client, session, area, role, market, body, status, field,
                                       reason):
    before = snapshot(session)
    refused(client.post(f"/api/v1/markets/{getattr(area, market).id}/stalls", json=body,
                        headers=area.auth(role)), status, field=field, reason=reason)
    assert snapshot(session) == before


def test_a_stall_is_read_and_edited_through_its_own_market_only(client, session, area):
    path = f"/api/v1/markets/{area.market.id}/stalls/{area.stall.id}"
    assert client.get(path, headers=area.auth(AGENT)).get_json()["code"] == "A-01"
    response = client.patch(path, json={"code": "a-02", "zone": None}, headers=area.auth(AGENT))
    assert response.status_code == 200 and response.get_json()["code"] == "A-02"

    before = snapshot(session)
    # A stall of another market, reached through this one, is not there.
    in_other_market = f"/api/v1/markets/{area.market.id}/stalls/{area.far_stall.id}"
    refused(client.get(in_other_market, headers=area.auth(ADMIN)), 404, "không có quầy này")
    refused(client.patch(in_other_market, json={"zone": "Khu A"}, headers=area.auth(ADMIN)), 404)
    refused(client.patch(path, json={"code": None}, headers=area.auth(AGENT)), 422, field="code")
    refused(client.patch(path, json={"market_id": area.far_market.id}, headers=area.auth(ADMIN)),
            422, field="market_id")
    refused(client.patch(path, json={"zone": "Khu A"}, headers=area.auth(PROVINCIAL)), 403)
    assert snapshot(session) == before


def test_renaming_a_stall_to_a_code_in_use_is_a_conflict(client, session, area):
    other = make_stall(session, area.market, "B-05")
    session.commit()
    before = snapshot(session)
    refused(client.patch(f"/api/v1/markets/{area.market.id}/stalls/{other.id}",
                         json={"code": "a-01"}, headers=area.auth(AGENT)), 409, "A-01")
    assert snapshot(session) == before
    assert session.scalar(select(Stall.code).where(Stall.id == other.id)) == "B-05"
