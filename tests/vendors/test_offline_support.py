"""What lets an agent work on weak signal: the sticker's code sent as text once the phone has
decoded it, the list of pages the phone keeps, and the phone's own reading of a code with no
network agreeing with the server's rules."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accounts.models import Role
from accounts.service import Scope
from db import utcnow
from qr.payload import PayloadError, build_vietqr
from qr.payload_parse import parse_payload
from qr.payload_read import extract_vietqr_transfer, offline_reading_rules
from qr.scan import MAX_PAYLOAD_LENGTH
from tests.factories import login, make_market, make_user, make_vendor
from tests.vendors.test_onboarding_pages import MOMO_STICKER
from vendors.models import IdempotencyRecord

JSON = {"Accept": "application/json"}
ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT.parent / "shared" / "reference" / "vietqr-vectors.txt"


@pytest.fixture
def area(session):
    market = make_market(session, name="Chợ Đại Từ")
    second = make_market(session, name="Chợ Hùng Sơn", ward_code=market.ward_code)
    elsewhere = make_market(session, name="Chợ Tân Cương", ward_code="05500")
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=market.ward_code))
    colleague = make_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=market.ward_code))
    session.commit()
    return {"market": market, "second": second, "elsewhere": elsewhere, "agent": agent,
            "colleague": colleague}


# --- The code's text, decoded on the phone ----------------------------------------------------


def _scan_text(client, payload):
    return client.post("/vendors/scan", headers=JSON, data={"payload": payload})


def test_a_decoded_bank_code_is_read_by_the_server_from_its_text(client, area):
    login(client, area["agent"].username)
    response = _scan_text(client, build_vietqr("970436", "0011001234567"))
    assert response.status_code == 200
    assert response.json == {"bank_bin": "970436", "bank_name": "Vietcombank",
                             "account_number": "0011001234567"}


def test_a_decoded_wallet_code_is_offered_as_a_wallet_as_from_a_photo(client, area):
    login(client, area["agent"].username)
    response = _scan_text(client, MOMO_STICKER)
    assert response.status_code == 422
    assert response.json["reason"] == "wallet_code"
    assert response.json["wallet"] == {"provider": "momo", "name": "MoMo", "payload": MOMO_STICKER}


@pytest.mark.parametrize("text, reason, words", [
    ("https://zalo.me/0912345678", "not_payment", "không phải mã thanh toán"),
    ("0" * (MAX_PAYLOAD_LENGTH + 1), "not_payment", f"tối đa {MAX_PAYLOAD_LENGTH}"),
    (build_vietqr("970436", "0011001234567")[:-1] + "0", "damaged", "không đọc đúng"),
])
def test_a_decoded_text_that_pays_nobody_is_refused_with_a_reason(client, area, text, reason, words):
    login(client, area["agent"].username)
    response = _scan_text(client, text)
    assert response.status_code == 422
    assert response.json["reason"] == reason
    assert words in response.json["message"]


def test_roles_that_do_not_register_cannot_scan_text(client, session, area):
    staff = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    login(client, staff.username)
    assert _scan_text(client, build_vietqr("970436", "0011001234567")).status_code == 403


# --- The pages the phone keeps ------------------------------------------------------------------


def _register(session, agent, market, name, *, days_ago=0):
    vendor = make_vendor(session, market, name=name)
    session.add(IdempotencyRecord(user_id=agent.id, key=f"k-{name}", fingerprint="0" * 64,
                                  vendor_id=vendor.id,
                                  created_at=utcnow() - dt.timedelta(days=days_ago)))
    return vendor


def test_the_phone_keeps_the_agents_markets_and_own_recent_registrations(client, session, area):
    agent, market = area["agent"], area["market"]
    today = _register(session, agent, market, "Nguyễn Thị Hoa")
    last_week = _register(session, agent, area["second"], "Trần Văn Bình", days_ago=7)
    _register(session, agent, market, "Lê Văn Cũ", days_ago=45)  # long ago
    _register(session, area["colleague"], market, "Phạm Thị Khác")  # someone else's
    moved = _register(session, agent, market, "Đỗ Văn Chuyển")
    session.flush()
    moved.market_id = area["elsewhere"].id  # now traded outside the agent's commune
    for n in range(60):  # the first market's list runs to two pages
        make_vendor(session, market, name=f"Tiểu thương {n:02d}")
    session.commit()
    login(client, agent.username)
    response = client.get("/vendors/offline.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    pages = response.json["pages"]
    assert {"/", "/vendors/new", "/vendors/", "/markets/", "/offline"} <= set(pages)
    assert f"/markets/{market.id}" in pages and f"/markets/{area['second'].id}" in pages
    assert f"/markets/{area['elsewhere'].id}" not in pages
    assert f"/vendors/?market={market.id}&page=2" in pages
    assert f"/vendors/?market={area['second'].id}&page=2" not in pages
    traders = [page for page in pages if page.startswith("/vendors/") and page[9:].isdigit()]
    assert traders == [f"/vendors/{today.id}", f"/vendors/{last_week.id}"]
    # Every page named is one the agent may open.
    for page in pages:
        assert client.get(page).status_code == 200, page


# --- The phone's own reading, against the server's --------------------------------------------


def _server_reading(payload: str):
    try:
        transfer = extract_vietqr_transfer(parse_payload(payload))
    except PayloadError:
        return None
    return {"bin": transfer.bin, "account": transfer.account}


def _payloads() -> list[str]:
    published = [line.split("|", 1)[1] for line in VECTORS.read_text().splitlines()
                 if line and not line.startswith("#")]
    made = [build_vietqr("970436", "0011001234567"), build_vietqr("970422", "0123456789", amount=50000),
            build_vietqr("970418", "9704180123456789", service="QRIBFTTC"), MOMO_STICKER]
    broken = [made[0][:-1] + ("0" if made[0][-1] != "0" else "1"), made[0][:40], "hello",
              made[0].replace("5802VN", "5802TH")]
    return published + made + broken


@pytest.mark.browser
def test_the_phone_reads_a_code_offline_exactly_as_the_server_would(browser):
    """static/js/sticker.js fills in an account with no network only where the server's rules
    (qr/payload_read.py) find the same transfer, and leaves every other code to the server."""
    page = browser.new_page()
    try:
        page.add_script_tag(path=str(ROOT / "static" / "js" / "sticker.js"))
        payloads = _payloads()
        phone = page.evaluate("([payloads, rules]) => payloads.map(p => window.cho40Sticker.transfer(p, rules))",
                              [payloads, offline_reading_rules()])
    finally:
        page.close()
    server = [_server_reading(payload) for payload in payloads]
    assert sum(reading is not None for reading in server) >= 6  # transfers among them
    assert dict(zip(payloads, phone)) == dict(zip(payloads, server))
