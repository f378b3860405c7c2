"""Payment methods over the API: adding (once, however often it is sent), reading, correcting and
stopping with a date, within the user's area; refusals say why and change nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from tests.api_area import refused, snapshot
from tests.factories import make_bank_account, make_vendor

ADMIN, PROVINCIAL, COMMUNE, AGENT, COOP = (
    Role.ADMIN, Role.PROVINCIAL_STAFF, Role.COMMUNE_STAFF, Role.ONBOARDING_AGENT,
    Role.COOPERATIVE_MANAGER)
TODAY = dt.date.today()
# A MoMo sticker's code as scanned (the same as in tests/vendors/test_onboarding_pages.py).
MOMO_STICKER = (
    "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN"
    "62190515MOMOW2W3487508080030466304EBC8"
)
BANK_ACCOUNT = {"kind": "bank_account", "bank_bin": "970415", "account_number": "1010 1234 5678",
                "account_holder": "NGUYEN THI HOA", "started_on": "2025-02-01"}


@pytest.fixture
def vendor(session, area):
    vendor = make_vendor(session, area.market, name="Nguyễn Thị Hoa")
    session.commit()
    return vendor


@pytest.fixture
def method(session, vendor):
    method = make_bank_account(session, vendor)
    session.commit()
    return method


def test_a_bank_account_is_added(client, session, area, vendor):
    response = client.post(f"/api/v1/vendors/{vendor.id}/payment-methods", json=BANK_ACCOUNT,
                           headers=area.auth(AGENT))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {key: body[key] for key in ("vendor_id", "kind", "bank_bin", "account_number",
                                       "account_holder", "started_on", "stopped_on", "in_use")} == {
        "vendor_id": vendor.id, "kind": "bank_account", "bank_bin": "970415",
        "account_number": "101012345678", "account_holder": "NGUYEN THI HOA",
        "started_on": "2025-02-01", "stopped_on": None, "in_use": True}
    listed = client.get(f"/api/v1/vendors/{vendor.id}/payment-methods", headers=area.auth(AGENT))
    assert [m["id"] for m in listed.get_json()] == [body["id"]]


@pytest.mark.parametrize("body", [
    {"kind": "ewallet", "wallet_provider": "momo", "wallet_payload": MOMO_STICKER},
    {"kind": "ewallet", "wallet_provider": "zalopay"},
    {"kind": "card_terminal", "terminal_provider": "VNPAY", "terminal_id": "T-0042"},
])
def test_wallets_and_card_terminals_are_added(client, area, vendor, body):
    response = client.post(f"/api/v1/vendors/{vendor.id}/payment-methods", json=body,
                           headers=area.auth(COMMUNE))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["started_on"] == TODAY.isoformat()


def test_a_method_sent_twice_is_recorded_once(client, session, area, vendor):
    path = f"/api/v1/vendors/{vendor.id}/payment-methods"
    first = client.post(path, json=BANK_ACCOUNT, headers=area.auth(AGENT))
    assert first.status_code == 201
    before = snapshot(session)
    again = client.post(path, json={**BANK_ACCOUNT, "account_number": "101012345678"},
                        headers=area.auth(AGENT))
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert snapshot(session) == before


def test_a_cooperative_manager_adds_methods_to_their_own_cooperative_only(client, session, area,
                                                                         vendor):
    response = client.post(f"/api/v1/vendors/{area.cooperative.id}/payment-methods",
                           json=BANK_ACCOUNT, headers=area.auth(COOP))
    assert response.status_code == 201
    before = snapshot(session)
    refused(client.post(f"/api/v1/vendors/{vendor.id}/payment-methods", json=BANK_ACCOUNT,
                        headers=area.auth(COOP)), 404)
    assert snapshot(session) == before


@pytest.mark.parametrize("changes, field, reason", [
    ({"kind": None}, "kind", "Vui lòng điền"),
    ({"kind": "cash"}, "kind", "bank_account"),
    ({"bank_bin": "999999"}, "account_number", "mã BIN 999999"),
    ({"bank_bin": 970415}, "bank_bin", "chuỗi"),
    ({"bank_bin": "VTB"}, "bank_bin", "Chọn ngân hàng"),
    ({"account_number": None}, "account_number", "Nhập số tài khoản"),
    ({"account_number": "12"}, "account_number", "từ 6 đến 19 chữ số"),
    ({"account_number": "1" * 41}, "account_number", "40 ký tự"),
    ({"account_holder": ""}, "account_holder", "Nhập tên chủ tài khoản"),
    ({"account_holder": "A" * 101}, "account_holder", "100 ký tự"),
    ({"started_on": "yesterday"}, "started_on", "ISO 8601"),
    ({"started_on": (TODAY + dt.timedelta(days=7)).isoformat()}, "started_on", "tương lai"),
    ({"pin": "1234"}, "pin", "không có trong API"),
])
def test_invalid_bank_accounts_are_refused_field_by_field(client, session, area, vendor, changes,
                                                          field, reason):
    before = snapshot(session)
    refused(client.post(f"/api/v1/vendors/{vendor.id}/payment-methods",
                        json={**BANK_ACCOUNT, **changes}, headers=area.auth(AGENT)),
            422, field=field, reason=reason)
    assert snapshot(session) == before


@pytest.mark.parametrize("body, field, reason", [
    ({"kind": "ewallet"}, "wallet_provider", "Chọn ví"),
    ({"kind": "ewallet", "wallet_provider": "paypal"}, "wallet_provider", "momo"),
    ({"kind": "ewallet", "wallet_provider": "momo", "wallet_payload": "not a code"},
     "wallet_payload", "phải là mã trường gồm 2 chữ số"),
    ({"kind": "ewallet", "wallet_provider": "momo", "wallet_payload": "0" * 513},
     "wallet_payload", "512 ký tự"),
    ({"kind": "card_terminal"}, "terminal_provider", "máy POS"),
    ({"kind": "card_terminal", "terminal_provider": "VNPAY", "terminal_id": "T" * 51},
     "terminal_id", "50 ký tự"),
])
def test_invalid_wallets_and_terminals_are_refused(client, session, area, vendor, body, field,
                                                   reason):
    before = snapshot(session)
    refused(client.post(f"/api/v1/vendors/{vendor.id}/payment-methods", json=body,
                        headers=area.auth(AGENT)), 422, field=field, reason=reason)
    assert snapshot(session) == before


def test_methods_of_vendors_outside_the_area_are_not_there(client, session, area):
    far_vendor = make_vendor(session, area.far_market)
    far_method = make_bank_account(session, far_vendor)
    session.commit()
    before = snapshot(session)
    refused(client.get(f"/api/v1/vendors/{far_vendor.id}/payment-methods",
                       headers=area.auth(AGENT)), 404)
    refused(client.post(f"/api/v1/vendors/{far_vendor.id}/payment-methods", json=BANK_ACCOUNT,
                        headers=area.auth(AGENT)), 404)
    for request in (
        lambda: client.get(f"/api/v1/payment-methods/{far_method.id}", headers=area.auth(AGENT)),
        lambda: client.patch(f"/api/v1/payment-methods/{far_method.id}",
                             json={"account_holder": "X"}, headers=area.auth(AGENT)),
        lambda: client.post(f"/api/v1/payment-methods/{far_method.id}/stop",
                            json={"stopped_on": "2025-01-01"}, headers=area.auth(AGENT)),
        lambda: client.get("/api/v1/payment-methods/999999", headers=area.auth(ADMIN)),
    ):
        refused(request(), 404, "Không tìm thấy")
    assert snapshot(session) == before


def test_one_method_is_read_and_corrected(client, session, area, method):
    path = f"/api/v1/payment-methods/{method.id}"
    assert client.get(path, headers=area.auth(PROVINCIAL)).get_json()["account_number"] == (
        "0011001234567")
    response = client.patch(path, json={"account_holder": " NGUYEN  THI THU ",
                                        "started_on": "2024-01-15"}, headers=area.auth(AGENT))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["account_holder"], body["started_on"], body["account_number"]) == (
        "NGUYEN THI THU", "2024-01-15", "0011001234567")


@pytest.mark.parametrize("role, changes, status, field", [
    (AGENT, {"account_number": "999999999"}, 422, "account_number"),
    (AGENT, {"bank_bin": "970422"}, 422, "bank_bin"),
    (AGENT, {"terminal_id": "T-1"}, 422, "terminal_id"),
    (AGENT, {"account_holder": None}, 422, "account_holder"),
    (AGENT, {"account_holder": 12}, 422, "account_holder"),
    (AGENT, {"started_on": "2024-13-01"}, 422, "started_on"),
    (AGENT, {"started_on": "STOPPED_AFTER"}, 422, "started_on"),
    (PROVINCIAL, {"account_holder": "X"}, 403, None),
])
def test_refused_corrections_change_nothing(client, session, area, vendor, role, changes, status,
                                            field):
    method = make_bank_account(session, vendor, stopped_on=dt.date(2024, 6, 1))
    session.commit()
    if changes.get("started_on") == "STOPPED_AFTER":
        changes = {"started_on": "2024-07-01"}
    before = snapshot(session)
    refused(client.patch(f"/api/v1/payment-methods/{method.id}", json=changes,
                         headers=area.auth(role)), status, field=field)
    assert snapshot(session) == before


def test_a_method_no_longer_used_is_stopped_with_the_day_not_deleted(client, session, area, method):
    response = client.post(f"/api/v1/payment-methods/{method.id}/stop",
                           json={"stopped_on": "2025-05-01"}, headers=area.auth(AGENT))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["stopped_on"], body["in_use"]) == ("2025-05-01", False)
    listed = client.get(f"/api/v1/vendors/{method.vendor_id}/payment-methods",
                        headers=area.auth(AGENT)).get_json()
    assert [m["stopped_on"] for m in listed] == ["2025-05-01"]
    # Sent again, with the same or another day: it is already stopped.
    before = snapshot(session)
    refused(client.post(f"/api/v1/payment-methods/{method.id}/stop",
                        json={"stopped_on": "2025-05-02"}, headers=area.auth(AGENT)),
            422, "đã ngừng", field="stopped_on")
    assert snapshot(session) == before


@pytest.mark.parametrize("role, body, status, field", [
    (AGENT, {}, 422, "stopped_on"),
    (AGENT, {"stopped_on": 20250501}, 422, "stopped_on"),
    (AGENT, {"stopped_on": "2024-01-31"}, 422, "stopped_on"),
    (AGENT, {"stopped_on": (TODAY + dt.timedelta(days=5)).isoformat()}, 422, "stopped_on"),
    (AGENT, {"stopped_on": "2025-05-01", "reason": "x"}, 422, "reason"),
    (PROVINCIAL, {"stopped_on": "2025-05-01"}, 403, None),
    (COOP, {"stopped_on": "2025-05-01"}, 404, None),
])
def test_refused_stops_change_nothing(client, session, area, method, role, body, status, field):
    before = snapshot(session)
    refused(client.post(f"/api/v1/payment-methods/{method.id}/stop", json=body,
                        headers=area.auth(role)), status, field=field)
    assert snapshot(session) == before
