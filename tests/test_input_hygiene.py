"""Input hygiene (issue 12, item 5): identifiers typed in other digits fold to ASCII (and so meet
duplicate detection), names lose invisible bidirectional and zero-width controls, NUL and lone
surrogates anywhere in a request and over-deep JSON are 422, ids past the database's integers are
404. Over HTTP on the app's real database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from accounts.models import Role
from input_hygiene import MAX_JSON_DEPTH, record_id
from qr.placard_data import vendor_placard
from tests.api_area import refused, snapshot
from tests.factories import login, make_bank_account, make_vendor
from textnorm import identifier_text, nfc, unstorable
from vendors.models import PaymentMethod, Vendor

ADMIN, AGENT = Role.ADMIN, Role.ONBOARDING_AGENT
RLO = "\u202e"


def _registration(area, **changes):
    body = {"kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912 345 678",
            "citizen_id": "001 234 567 890", "market_id": area.market.id,
            "joined_on": "2025-03-01", "payment_methods": []}
    body.update(changes)
    return body


def _raw_json(client, method: str, url: str, body: dict, headers: dict):
    # json.dumps writes a lone surrogate as the escape "\ud800", as a client would send it.
    return client.open(url, method=method, data=json.dumps(body), headers=headers,
                       content_type="application/json")


# --- The rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "folded"), [
    ("００１２３４５６７８９０", "001234567890"),  # full-width: NFKC
    ("٠٠١٢٣٤٥٦٧٨٩٠", "001234567890"),  # Arabic-Indic: folded as decimal digits
    ("۰۰۱۲۳۴۵۶۷۸۹۰", "001234567890"),  # Extended Arabic-Indic (Persian, Urdu)
    ("0912\u200b345\u202e678", "0912345678"),  # invisible controls dropped
    ("＋８４ ９１２－３４５－６７８", "+84 912-345-678"),
])
def test_identifiers_fold_to_ascii_digits(typed, folded):
    assert identifier_text(typed) == folded


def test_names_lose_bidirectional_and_zero_width_controls_and_nothing_else():
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c" \
               "\u200b\u200c\u200d\ufeff\u2060"
    assert nfc(f"Lu{controls}c Thị  Hoa ") == "Luc Thị Hoa"
    assert nfc("Chợ Đại Từ — 市場 سوق") == "Chợ Đại Từ — 市場 سوق"


def test_nul_and_lone_surrogates_are_unstorable_and_paired_ones_are_not():
    assert unstorable("Lu\x00c") and unstorable("Lu\ud800c") and unstorable("\udfff")
    assert not unstorable("Lu😀c") and not unstorable("Chợ")


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), (" 7 ", 7), ("2147483647", 2**31 - 1), ("2147483648", None), ("0", None),
    ("٣", None), ("²", None), ("-1", None), ("", None), (None, None), ("9" * 400, None)])
def test_a_record_id_from_a_form_is_ascii_and_within_the_integer_columns(text, expected):
    assert record_id(text) == expected


# --- Identifiers over the API and forms ---------------------------------------------------------


def test_a_citizen_id_in_other_digits_is_stored_in_ascii_and_caught_as_a_duplicate(
        client, session, area):
    first = client.post("/api/v1/vendors", headers=area.auth(AGENT), json=_registration(
        area, phone="０９１２ ３４５ ６７８", citizen_id="００１２３４５６７８９０",
        tax_code="０１０１２４３１５０"))
    assert first.status_code == 201, first.get_json()
    stored = session.scalar(select(Vendor).where(Vendor.id == first.get_json()["id"]))
    assert (stored.phone, stored.citizen_id, stored.tax_code) == (
        "0912345678", "001234567890", "0101243150")

    again = client.post("/api/v1/vendors", headers=area.auth(AGENT), json=_registration(
        area, name="Nguyễn Thị Hoà", phone="0987654321", citizen_id="٠٠١٢٣٤٥٦٧٨٩٠"))
    body = refused(again, 409, "trùng")
    assert [duplicate["vendor_id"] for duplicate in body["duplicates"]] == [stored.id]
    assert body["duplicates"][0]["reasons"] == ["số CCCD"]


def test_an_identifier_with_letters_is_still_refused(client, area):
    refused(client.post("/api/v1/vendors", headers=area.auth(AGENT),
                        json=_registration(area, citizen_id="00123456789O")),
            422, field="citizen_id")


def test_a_bank_account_typed_in_full_width_digits_is_kept_in_ascii(client, session, area):
    vendor = make_vendor(session, area.market)
    session.commit()
    response = client.post(
        f"/api/v1/vendors/{vendor.id}/payment-methods", headers=area.auth(AGENT),
        json={"kind": "bank_account", "bank_bin": "970436", "account_number": "００１１ ００１２",
              "account_holder": "NGUYEN THI HOA", "started_on": "2025-03-01"})
    assert response.status_code in (200, 201), response.get_json()
    session.commit()
    assert session.scalar(select(PaymentMethod.account_number)
                          .where(PaymentMethod.vendor_id == vendor.id)) == "00110012"


def test_a_name_with_a_right_to_left_override_is_stored_and_printed_as_typed(
        client, session, area):
    response = client.post("/api/v1/vendors", headers=area.auth(AGENT), json=_registration(
        area, name=f"Nguyễn {RLO}Thị\u200b Hoa\u2066", payment_methods=[
            {"kind": "bank_account", "bank_bin": "970436", "account_number": "0011001234567",
             "account_holder": f"NGUYEN {RLO}THI HOA"}]))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "Nguyễn Thị Hoa"
    session.commit()
    assert session.scalar(select(Vendor.name).where(Vendor.id == response.get_json()["id"])) \
        == "Nguyễn Thị Hoa"


def test_a_name_kept_with_an_override_before_the_rule_is_printed_without_it(session, area):
    # Written straight to the database, as rows from before this rule are.
    vendor = make_vendor(session, area.market, name=f"Lê {RLO}Văn Tám")
    make_bank_account(session, vendor)
    session.commit()
    placard = vendor_placard(session, vendor.id)
    assert placard.vendor_name == "Lê Văn Tám"


def test_the_registration_form_folds_identifiers_too(client, session, area):
    login(client, area.users[AGENT].username)
    response = client.post("/vendors/new", data={
        "idempotency_key": "key-form-hygiene", "market_id": str(area.market.id), "kind": "trader",
        "name": f"Trần {RLO}Văn Ba", "phone": "０９８７ ６５４ ３２１", "citizen_id": "٠٠١٢٣٤٥٦٧٨٩٩",
        "stall_code": "", "bank_bin": "", "account_number": "", "account_holder": "",
        "wallet_provider": "", "wallet_payload": "", "market_q": ""})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    session.commit()
    vendor = session.scalar(select(Vendor).where(Vendor.phone == "0987654321"))
    assert (vendor.name, vendor.citizen_id) == ("Trần Văn Ba", "001234567899")


# --- NUL, lone surrogates and deep JSON: 422, nothing written -------------------------------------


def _writes(area, vendor_id: int, product_id: int) -> list[tuple[str, str, dict]]:
    surrogate = "Lu\ud800c"
    return [
        ("POST", "/api/v1/vendors", _registration(area, name=surrogate)),
        ("PATCH", f"/api/v1/vendors/{vendor_id}", {"name": surrogate}),
        ("POST", "/api/v1/markets", {"name": surrogate, "ward_code": area.market.ward_code}),
        ("PATCH", f"/api/v1/markets/{area.market.id}", {"name": surrogate}),
        ("POST", f"/api/v1/markets/{area.market.id}/stalls", {"code": "C-01", "zone": surrogate}),
        ("POST", f"/api/v1/vendors/{vendor_id}/payment-methods",
         {"kind": "bank_account", "bank_bin": "970436", "account_number": "0011001234567",
          "account_holder": surrogate}),
        ("PATCH", f"/api/v1/products/{product_id}", {"name": surrogate}),
        ("POST", f"/api/v1/vendors/{vendor_id}/products", {"name": "Chè", surrogate: 1}),
    ]


@pytest.fixture
def product_id(client, session, area):
    vendor = make_vendor(session, area.market)
    session.commit()
    response = client.post(f"/api/v1/vendors/{vendor.id}/products", headers=area.auth(ADMIN),
                           json={"name": "Chè Tân Cương", "price": 120000})
    assert response.status_code == 201, response.get_json()
    return vendor.id, response.get_json()["id"]


def test_a_lone_surrogate_on_any_write_of_the_api_is_422_and_changes_nothing(
        client, session, area, product_id):
    vendor_id, product = product_id
    before = snapshot(session)
    for method, url, body in _writes(area, vendor_id, product):
        response = _raw_json(client, method, url, body, area.auth(ADMIN))
        refused(response, 422, reason="unstorable_text")
    assert snapshot(session) == before


def test_nul_in_a_form_or_a_query_is_422(client, session, area):
    login(client, area.users[AGENT].username)
    before = snapshot(session)
    response = client.post("/vendors/new", data={
        "idempotency_key": "key-form-nul-0001", "market_id": str(area.market.id),
        "kind": "trader", "name": "Lu\x00c"})
    assert response.status_code == 422
    assert "ký tự NUL" in response.get_data(as_text=True)
    assert client.get("/vendors/?q=a%00b").status_code == 422
    assert snapshot(session) == before
    # The API too, in a JSON string.
    refused(client.post("/api/v1/vendors", headers=area.auth(AGENT),
                        json=_registration(area, name="Lu\x00c")), 422, reason="unstorable_text")


def test_json_nested_a_hundred_thousand_deep_is_422_not_a_500(client, session, area):
    before = snapshot(session)
    deep = "[" * 100_000 + "]" * 100_000
    for url in ("/api/v1/vendors", "/vendors/new"):
        response = client.post(url, data=deep, content_type="application/json",
                               headers={**area.auth(AGENT), "Accept": "application/json"})
        assert response.status_code == 422, (url, response.get_data(as_text=True)[:500])
        assert response.get_json()["reason"] == "json_too_deep"
    assert snapshot(session) == before


def test_json_one_level_past_the_limit_is_422_and_at_the_limit_is_read(client, area):
    def nested(levels: int) -> dict:
        body: dict = _registration(area)
        inner: list = []
        body["payment_methods"] = inner
        for _ in range(levels - 2):
            inner.append([])
            inner = inner[0]
        return body

    over = _raw_json(client, "POST", "/api/v1/vendors", nested(MAX_JSON_DEPTH + 1),
                     area.auth(AGENT))
    refused(over, 422, reason="json_too_deep")
    at = _raw_json(client, "POST", "/api/v1/vendors", nested(MAX_JSON_DEPTH), area.auth(AGENT))
    # Read, then refused by the schema for what it says, not for its depth.
    assert at.status_code == 422 and at.get_json()["reason"] != "json_too_deep"


# --- Ids past the database's integers: 404 -------------------------------------------------------


@pytest.mark.parametrize("record", ["2147483648", "9223372036854775808", "9" * 40])
def test_an_id_past_the_integer_columns_is_404_on_the_api(client, area, record):
    for url in (f"/api/v1/vendors/{record}", f"/api/v1/markets/{record}",
                f"/api/v1/products/{record}", f"/api/v1/markets/{area.market.id}/stalls/{record}"):
        refused(client.get(url, headers=area.auth(ADMIN)), 404)
    refused(_raw_json(client, "PATCH", f"/api/v1/vendors/{record}", {"name": "A"},
                      area.auth(ADMIN)), 404)


@pytest.mark.parametrize("record", ["2147483648", "9223372036854775808", "٣"])
def test_an_id_past_the_integer_columns_is_404_on_pages(client, area, record):
    login(client, area.users[ADMIN].username)
    for url in (f"/vendors/{record}", f"/markets/{record}", f"/vendors/import/jobs/{record}",
                f"/qr/vendors/{record}/placard.pdf"):
        assert client.get(url).status_code == 404, url
    # The largest id is a record that does not exist, not an error.
    assert client.get(f"/vendors/{2**31 - 1}").status_code == 404
    # A filter past them lists nothing rather than failing.
    assert client.get(f"/vendors/?market={record}").status_code == 200


# --- Values stored before these rules ---------------------------------------------------------------


def test_the_migration_folds_identifiers_and_names_stored_before_the_rules(app, session, area):
    from flask_migrate import downgrade, upgrade

    vendor = make_vendor(session, area.market, name=f"Lê {RLO}Văn Tám", phone="０９１２３４５６７８",
                         citizen_id="٠٠١٢٣٤٥٦٧٨٩٠", tax_code="０１０１２４３１５０")
    odd = make_vendor(session, area.market, citizen_id="００１２３４５６７８９Ｘ")  # not an ID: kept
    method = make_bank_account(session, vendor, account_number="００１１００１２３４５６７")
    session.commit()
    with app.app_context():
        downgrade(revision="41139d176cf1")
        upgrade()
    session.expire_all()
    assert (vendor.name, vendor.phone, vendor.citizen_id, vendor.tax_code) == (
        "Lê Văn Tám", "0912345678", "001234567890", "0101243150")
    assert method.account_number == "0011001234567"
    assert odd.citizen_id == "００１２３４５６７８９Ｘ"
