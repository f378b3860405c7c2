"""Vendors over the API: registering (with retries), listing with filters, reading, editing and
closing, within the user's area; refusals say why and change nothing."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from tests.api_area import refused, snapshot
from tests.factories import TAN_CUONG, make_bank_account, make_market, make_stall, make_vendor
from vendors.models import IdempotencyRecord, PaymentMethod, Vendor, VendorKind

ADMIN, PROVINCIAL, COMMUNE, AGENT, COOP = (
    Role.ADMIN, Role.PROVINCIAL_STAFF, Role.COMMUNE_STAFF, Role.ONBOARDING_AGENT,
    Role.COOPERATIVE_MANAGER)
TODAY = dt.date.today()


def _registration(area, **changes):
    body = {
        "kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912 345 678",
        "citizen_id": "001 234 567 890", "market_id": area.market.id, "stall_code": "b-12",
        "joined_on": "2025-03-01",
        "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                             "account_number": "0011 0012 34567",
                             "account_holder": "NGUYEN THI HOA"}],
    }
    body.update(changes)
    return body


def _count(session, model) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(model))


# --- Registering ------------------------------------------------------------------------------


def test_an_agent_registers_a_vendor_with_stall_history_and_bank_account(client, session, area):
    response = client.post("/api/v1/vendors", json=_registration(area), headers=area.auth(AGENT))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/vendors/{body['id']}")
    assert "Idempotent-Replayed" not in response.headers
    shown = ("kind", "name", "phone", "citizen_id", "market_id", "market_name", "stall_code",
             "active", "accepts_cashless")
    assert {key: body[key] for key in shown} == {
        "kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912345678",
        "citizen_id": "001234567890", "market_id": area.market.id, "market_name": "Chợ Đại Từ",
        "stall_code": "B-12", "active": True, "accepts_cashless": True}
    assert body["status_periods"] == [{"joined_on": "2025-03-01", "left_on": None,
                                       "left_reason": None}]
    (method,) = body["payment_methods"]
    assert (method["bank_bin"], method["account_number"], method["started_on"],
            method["in_use"]) == ("970436", "0011001234567", "2025-03-01", True)
    assert _count(session, Vendor) == 2  # the cooperative and her


def test_a_cooperative_without_a_market_is_registered_in_its_commune(client, area):
    response = client.post("/api/v1/vendors", json={
        "kind": "cooperative", "name": "HTX Rau Đại Từ", "ward_code": "05830",
        "tax_code": "4600123456"}, headers=area.auth(COMMUNE))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["market_id"], body["ward_code"], body["tax_code"]) == (None, "05830", "4600123456")


def test_a_vendor_is_registered_at_a_stall_chosen_by_id(client, area):
    response = client.post("/api/v1/vendors", json=_registration(
        area, stall_code=None, stall_id=area.stall.id), headers=area.auth(AGENT))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["stall_id"] == area.stall.id


def test_a_retry_with_the_same_key_returns_the_first_vendor(client, session, area):
    headers = {**area.auth(AGENT), "Idempotency-Key": "reg-2025-0001"}
    first = client.post("/api/v1/vendors", json=_registration(area), headers=headers)
    assert first.status_code == 201
    before = snapshot(session)
    again = client.post("/api/v1/vendors", json=_registration(area, phone="+84 912 345 678"),
                        headers=headers)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert snapshot(session) == before


def test_the_same_key_with_other_content_is_a_conflict(client, session, area):
    headers = {**area.auth(AGENT), "Idempotency-Key": "reg-2025-0002"}
    first = client.post("/api/v1/vendors", json=_registration(area), headers=headers)
    assert first.status_code == 201
    before = snapshot(session)
    body = refused(client.post("/api/v1/vendors", json=_registration(area, name="Trần Văn Nam"),
                               headers=headers), 409, "nội dung khác", field="idempotency_key")
    assert "duplicates" not in body
    assert snapshot(session) == before


def test_keys_are_per_user(client, session, area):
    key = {"Idempotency-Key": "reg-2025-0003"}
    assert client.post("/api/v1/vendors", json=_registration(area),
                       headers={**area.auth(AGENT), **key}).status_code == 201
    other = client.post("/api/v1/vendors", json=_registration(
        area, name="Trần Văn Nam", phone=None, citizen_id=None, payment_methods=[]),
        headers={**area.auth(COMMUNE), **key})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    assert _count(session, IdempotencyRecord) == 2


def test_a_retry_after_the_vendor_left_the_agents_area_discloses_nothing_of_them(
        client, session, area):
    # Registered by the agent, then moved by an administrator to a market of another province
    # with a new phone, citizen ID and bank account holder: the agent's retry with the same key
    # and body is told the registration was made, and nothing of the vendor as it is now.
    headers = {**area.auth(AGENT), "Idempotency-Key": "reg-2025-0009"}
    first = client.post("/api/v1/vendors", json=_registration(area), headers=headers)
    assert first.status_code == 201, first.get_json()
    vendor_id = first.get_json()["id"]
    moved = client.patch(f"/api/v1/vendors/{vendor_id}", headers=area.auth(ADMIN), json={
        "market_id": area.far_market.id, "phone": "0987 654 321",
        "citizen_id": "079 123 456 789"})
    assert moved.status_code == 200, moved.get_json()
    method = session.scalar(select(PaymentMethod).where(PaymentMethod.vendor_id == vendor_id))
    method.account_holder = "TRAN VAN BINH"
    session.commit()
    assert client.get(f"/api/v1/vendors/{vendor_id}", headers=area.auth(AGENT)).status_code == 404

    before = snapshot(session)
    again = client.post("/api/v1/vendors", json=_registration(area), headers=headers)
    body = refused(again, 409, "không còn trong địa bàn của bạn", field="idempotency_key")
    assert body["reason"] == "idempotency_out_of_scope"
    assert "Location" not in again.headers and "Idempotent-Replayed" not in again.headers
    text = json.dumps(body, ensure_ascii=False)  # what the answer says, escapes undone
    for secret in ("Nguyễn Thị Hoa", "0912345678", "0987654321", "001234567890", "079123456789",
                   "0011001234567", "NGUYEN THI HOA", "TRAN VAN BINH", "Thủ Dầu Một"):
        assert secret not in text, secret
    assert set(body) == {"code", "reason", "message", "errors"}
    assert snapshot(session) == before
    # Within the area the same retry is answered from the first as before.
    back = client.patch(f"/api/v1/vendors/{vendor_id}", headers=area.auth(ADMIN),
                        json={"market_id": area.market.id})
    assert back.status_code == 200, back.get_json()
    replayed = client.post("/api/v1/vendors", json=_registration(area), headers=headers)
    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json()["phone"] == "0987654321"


@pytest.mark.parametrize("key", ["short", "with space 123", "x" * 65, "ключ-12345"])
def test_a_malformed_idempotency_key_is_refused(client, session, area, key):
    before = snapshot(session)
    headers = {**area.auth(AGENT), "Idempotency-Key": key}
    refused(client.post("/api/v1/vendors", json=_registration(area), headers=headers), 422,
            "8–64", field="idempotency_key")
    assert snapshot(session) == before


@pytest.mark.parametrize("changes, field, reason", [
    ({"name": None}, "name", "Vui lòng điền"),
    ({"name": ""}, "name", "Vui lòng điền"),
    ({"name": 42}, "name", "chuỗi"),
    ({"name": "H" * 201}, "name", "2 đến 200"),
    ({"kind": "shop"}, "kind", "trader"),
    ({"phone": "0912"}, "phone", "10 chữ số"),
    ({"phone": "phone me"}, "phone", "10 chữ số"),
    ({"phone": 912345678}, "phone", "chuỗi"),
    ({"citizen_id": "12345"}, "citizen_id", "12 chữ số"),
    ({"tax_code": "123"}, "tax_code", "10 chữ số"),
    ({"market_id": "cho dai tu"}, "market_id", "Chọn chợ"),
    ({"market_id": 2**40}, "market_id", "Phải từ 1"),
    ({"market_id": None}, "market_id", "Chọn chợ"),
    ({"stall_code": "B" * 21}, "stall_code", "20 ký tự"),
    ({"stall_id": "one"}, "stall_id", "số nguyên"),
    ({"stall_id": 1}, "stall_id", "theo id hoặc theo số quầy"),
    ({"joined_on": "01/03/2025"}, "joined_on", "ISO 8601"),
    ({"joined_on": (TODAY + dt.timedelta(days=30)).isoformat()}, "joined_on", "tương lai"),
    ({"payment_methods": "bank"}, "payment_methods", "danh sách"),
    ({"payment_methods": [{"kind": "bank_account", "bank_bin": "970436"}]},
     "payment_methods.0.account_number", "số tài khoản"),
    ({"payment_methods": [{"kind": "bank_account", "bank_bin": "VCB", "account_number": "1234567",
                           "account_holder": "A"}]}, "payment_methods.0.bank_bin", "ngân hàng"),
    ({"payment_methods": [{"kind": "cash"}]}, "payment_methods.0.kind", "bank_account"),
    ({"payment_methods": [{"kind": "ewallet", "wallet_provider": "momo"}] * 6},
     "payment_methods", "Tối đa 5"),
    ({"allow_duplicate": "perhaps"}, "allow_duplicate", "true hoặc false"),
    ({"nickname": "Hoa"}, "nickname", "không có trong API"),
])
def test_invalid_registrations_are_refused_field_by_field(client, session, area, changes, field,
                                                          reason):
    before = snapshot(session)
    refused(client.post("/api/v1/vendors", json=_registration(area, **changes),
                        headers=area.auth(AGENT)), 422, field=field, reason=reason)
    assert snapshot(session) == before


def test_an_unknown_bank_bin_is_refused(client, session, area):
    before = snapshot(session)
    body = _registration(area, payment_methods=[{
        "kind": "bank_account", "bank_bin": "999999", "account_number": "0011001234567",
        "account_holder": "NGUYEN THI HOA"}])
    refused(client.post("/api/v1/vendors", json=body, headers=area.auth(AGENT)), 422,
            "mã BIN 999999", field="account_number")
    assert snapshot(session) == before


def test_a_stall_in_another_market_is_refused(client, session, area):
    before = snapshot(session)
    body = _registration(area, stall_code=None, stall_id=area.far_stall.id)
    refused(client.post("/api/v1/vendors", json=body, headers=area.auth(ADMIN)), 422,
            "không thuộc chợ «Chợ Đại Từ»", field="stall_id")
    assert snapshot(session) == before


@pytest.mark.parametrize("role, changes, status, field", [
    (AGENT, {"market_id": "far"}, 422, "market_id"),
    (COMMUNE, {"market_id": None, "stall_code": None, "kind": "cooperative",
               "ward_code": TAN_CUONG}, 422, "ward_code"),
    (PROVINCIAL, {}, 403, None),
    (COOP, {}, 403, None),
])
def test_registrations_outside_the_area_or_role_are_refused(client, session, area, role, changes,
                                                            status, field):
    if changes.get("market_id") == "far":
        changes = {"market_id": area.far_market.id}
    before = snapshot(session)
    refused(client.post("/api/v1/vendors", json=_registration(area, **changes),
                        headers=area.auth(role)), status, field=field)
    assert snapshot(session) == before


def test_a_possible_duplicate_is_shown_with_names_only_within_the_area(client, session, area):
    near = make_vendor(session, area.market, name="Nguyễn Thị Hoa", phone="0912345678")
    far = make_vendor(session, area.far_market, name="Lê Thị Xa", citizen_id="001234567890")
    session.commit()
    before = snapshot(session)
    body = refused(client.post("/api/v1/vendors", json=_registration(area, payment_methods=[]),
                               headers=area.auth(AGENT)), 409, "trùng")
    assert body["duplicates"] == [
        {"vendor_id": near.id, "name": "Nguyễn Thị Hoa", "market_name": "Chợ Đại Từ",
         "reasons": ["số điện thoại"]},
        {"vendor_id": far.id, "name": None, "market_name": None, "reasons": ["số CCCD"]},
    ]
    assert snapshot(session) == before
    confirmed = client.post("/api/v1/vendors", json=_registration(
        area, payment_methods=[], allow_duplicate=True), headers=area.auth(AGENT))
    assert confirmed.status_code == 201


# --- Listing and reading ----------------------------------------------------------------------


@pytest.fixture
def vendors(session, area):
    tan_cuong = make_market(session, name="Chợ Tân Cương", ward_code=TAN_CUONG)
    hoa = make_vendor(session, area.market, name="Nguyễn Thị Hoa", stall=area.stall)
    make_bank_account(session, hoa)
    lan = make_vendor(session, area.market, name="Nguyễn Thị Lan",
                      kind=VendorKind.HOUSEHOLD_BUSINESS)
    make_bank_account(session, lan, account_number="0011009999999",
                      stopped_on=dt.date(2024, 6, 1))
    make_vendor(session, tan_cuong, name="Trần Văn Nam")
    make_vendor(session, area.far_market, name="Lê Văn Xa")
    session.commit()


@pytest.mark.parametrize("query, expected", [
    ("", ["HTX Chè Tân Cương", "Lê Văn Xa", "Nguyễn Thị Hoa", "Nguyễn Thị Lan", "Trần Văn Nam"]),
    ("?q=nguyen thi", ["Nguyễn Thị Hoa", "Nguyễn Thị Lan"]),
    ("?q=NGUYỄN THỊ LAN", ["Nguyễn Thị Lan"]),
    ("?province=19", ["HTX Chè Tân Cương", "Nguyễn Thị Hoa", "Nguyễn Thị Lan", "Trần Văn Nam"]),
    ("?province=79", ["Lê Văn Xa"]),
    (f"?ward={TAN_CUONG}", ["HTX Chè Tân Cương", "Trần Văn Nam"]),
    ("?market=MARKET", ["Nguyễn Thị Hoa", "Nguyễn Thị Lan"]),
    ("?kind=household_business", ["Nguyễn Thị Lan"]),
    ("?kind=cooperative", ["HTX Chè Tân Cương"]),
    ("?accepts_cashless=true", ["Nguyễn Thị Hoa"]),
    ("?accepts_cashless=false&market=MARKET", ["Nguyễn Thị Lan"]),
    ("?q=nguyen&accepts_cashless=true&province=19&kind=trader", ["Nguyễn Thị Hoa"]),
])
def test_vendors_are_filtered(client, area, vendors, query, expected):
    query = query.replace("MARKET", str(area.market.id))
    response = client.get("/api/v1/vendors" + query, headers=area.auth(ADMIN))
    assert response.status_code == 200, response.get_json()
    assert [v["name"] for v in response.get_json()] == expected


def test_vendors_come_in_pages(client, area, vendors):
    response = client.get("/api/v1/vendors?page=2&page_size=2", headers=area.auth(ADMIN))
    assert [v["name"] for v in response.get_json()] == ["Nguyễn Thị Hoa", "Nguyễn Thị Lan"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 5
    assert client.get("/api/v1/vendors?page=9", headers=area.auth(ADMIN)).get_json() == []


@pytest.mark.parametrize("query, field", [
    ("?kind=shop", "kind"), ("?accepts_cashless=maybe", "accepts_cashless"),
    ("?market=abc", "market"), (f"?market={2**40}", "market"), ("?province=1", "province"),
    ("?page_size=1000", "page_size"),
])
def test_bad_vendor_filters_are_refused(client, area, query, field):
    refused(client.get("/api/v1/vendors" + query, headers=area.auth(ADMIN)), 422, field=field)


def test_one_vendor_is_read_within_the_area_only(client, session, area):
    near = make_vendor(session, area.market, name="Nguyễn Thị Hoa")
    far = make_vendor(session, area.far_market, name="Lê Văn Xa")
    session.commit()
    assert client.get(f"/api/v1/vendors/{near.id}",
                      headers=area.auth(AGENT)).get_json()["name"] == "Nguyễn Thị Hoa"
    refused(client.get(f"/api/v1/vendors/{far.id}", headers=area.auth(AGENT)), 404,
            "Không tìm thấy tiểu thương")
    refused(client.get(f"/api/v1/vendors/{near.id}", headers=area.auth(COOP)), 404)


# --- Editing and closing ----------------------------------------------------------------------


def test_a_vendor_is_edited_field_by_field(client, session, area):
    vendor = make_vendor(session, area.market, name="Nguyễn Thị Hoa", phone="0912345678",
                         tax_code="4600123456")
    session.commit()
    response = client.patch(f"/api/v1/vendors/{vendor.id}", json={
        "name": "Nguyễn Thị Hoà", "phone": "+84 987 654 321", "tax_code": None,
        "stall_id": area.stall.id}, headers=area.auth(AGENT))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["phone"], body["tax_code"], body["stall_code"]) == (
        "Nguyễn Thị Hoà", "0987654321", None, "A-01")
    assert body["status_periods"][0]["joined_on"] == "2024-01-01"
    session.expire_all()
    assert session.get(Vendor, vendor.id).search_key == "nguyen thi hoa"


def test_moving_to_another_market_leaves_the_old_stall(client, session, area):
    other = make_market(session, name="Chợ Hùng Sơn")
    vendor = make_vendor(session, area.market, stall=area.stall)
    new_stall = make_stall(session, other, "C-3")
    session.commit()
    response = client.patch(f"/api/v1/vendors/{vendor.id}", json={"market_id": other.id},
                            headers=area.auth(ADMIN))
    assert (response.get_json()["market_id"], response.get_json()["stall_id"]) == (other.id, None)
    response = client.patch(f"/api/v1/vendors/{vendor.id}", json={"stall_id": new_stall.id},
                            headers=area.auth(ADMIN))
    assert response.get_json()["stall_code"] == "C-3"


def test_a_cooperative_manager_edits_their_own_cooperative_only(client, session, area):
    other = make_vendor(session, area.market)
    session.commit()
    response = client.patch(f"/api/v1/vendors/{area.cooperative.id}",
                            json={"name": "HTX Chè Tân Cương Thái Nguyên"}, headers=area.auth(COOP))
    assert response.status_code == 200 and response.get_json()["name"].endswith("Thái Nguyên")
    refused(client.patch(f"/api/v1/vendors/{other.id}", json={"name": "Của Tôi"},
                         headers=area.auth(COOP)), 404)


@pytest.mark.parametrize("role, changes, status, field", [
    (AGENT, {"name": None}, 422, "name"),
    (AGENT, {"name": "  "}, 422, "name"),
    (AGENT, {"name": "x" * 201}, 422, "name"),
    (AGENT, {"phone": "12"}, 422, "phone"),
    (AGENT, {"citizen_id": 1234}, 422, "citizen_id"),
    (AGENT, {"kind": "cooperative"}, 422, "kind"),
    (AGENT, {"stall_id": "FAR_STALL"}, 422, "stall_id"),
    (AGENT, {"market_id": "FAR_MARKET"}, 422, "market_id"),
    (AGENT, {"market_id": None}, 422, "market_id"),
    (AGENT, {"ward_code": TAN_CUONG}, 422, "ward_code"),
    (AGENT, {"phone": "0900000001"}, 409, None),
    (PROVINCIAL, {"name": "Tên Mới"}, 403, None),
    (COOP, {"name": "Tên Mới"}, 404, None),
])
def test_refused_vendor_edits_change_nothing(client, session, area, role, changes, status, field):
    vendor = make_vendor(session, area.market, name="Nguyễn Thị Hoa", phone="0912345678")
    make_vendor(session, area.market, name="Người Khác", phone="0900000001")
    session.commit()
    far = {"FAR_STALL": area.far_stall.id, "FAR_MARKET": area.far_market.id}
    changes = {key: far.get(value, value) if isinstance(value, str) else value
               for key, value in changes.items()}
    before = snapshot(session)
    refused(client.patch(f"/api/v1/vendors/{vendor.id}", json=changes, headers=area.auth(role)),
            status, field=field)
    assert snapshot(session) == before


def test_a_vendor_who_left_is_closed_with_the_day_not_deleted(client, session, area):
    vendor = make_vendor(session, area.market, name="Nguyễn Thị Hoa")
    make_bank_account(session, vendor)
    session.commit()
    response = client.post(f"/api/v1/vendors/{vendor.id}/close",
                           json={"left_on": "2025-06-30", "reason": " Chuyển về quê "},
                           headers=area.auth(COMMUNE))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["active"] is False and body["accepts_cashless"] is False
    assert body["status_periods"] == [{"joined_on": "2024-01-01", "left_on": "2025-06-30",
                                       "left_reason": "Chuyển về quê"}]
    assert body["payment_methods"][0]["stopped_on"] == "2025-06-30"
    assert _count(session, Vendor) == 2 and _count(session, PaymentMethod) == 1
    assert client.get(f"/api/v1/vendors/{vendor.id}", headers=area.auth(COMMUNE)).status_code == 200


@pytest.mark.parametrize("role, body, status, field, reason", [
    (AGENT, {}, 422, "left_on", "Vui lòng điền"),
    (AGENT, {"left_on": None}, 422, "left_on", "Vui lòng điền"),
    (AGENT, {"left_on": "30/06/2025"}, 422, "left_on", "ISO 8601"),
    (AGENT, {"left_on": "2023-12-31"}, 422, "left_on", "sau ngày bắt đầu"),
    (AGENT, {"left_on": (TODAY + dt.timedelta(days=10)).isoformat()}, 422, "left_on", "tương lai"),
    (AGENT, {"left_on": "2025-06-30", "reason": "x" * 301}, 422, "reason", "300 ký tự"),
    (PROVINCIAL, {"left_on": "2025-06-30"}, 403, None, None),
])
def test_refused_closings_change_nothing(client, session, area, role, body, status, field, reason):
    vendor = make_vendor(session, area.market)
    session.commit()
    before = snapshot(session)
    refused(client.post(f"/api/v1/vendors/{vendor.id}/close", json=body, headers=area.auth(role)),
            status, field=field, reason=reason)
    assert snapshot(session) == before


def test_a_vendor_is_closed_only_once(client, session, area):
    vendor = make_vendor(session, area.market, left_on=dt.date(2025, 1, 1))
    session.commit()
    before = snapshot(session)
    refused(client.post(f"/api/v1/vendors/{vendor.id}/close", json={"left_on": "2025-06-30"},
                        headers=area.auth(AGENT)), 422, "đã nghỉ bán", field="left_on")
    assert snapshot(session) == before
