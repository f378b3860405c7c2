"""An agent's day after the first visit, in a real browser at a phone's size: a trader's phone
corrected, a bank account added by scanning the sticker, the new placard printed, the trader
leaving; then with the network cut: a sticker read on the phone, a trader registered, a trader's
page and an earlier trader's placard opened, and the registration sent once on reconnecting."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from qr.payload import build_vietqr
from qr.payload_parse import parse_payload
from qr.payload_read import extract_vietqr_transfer
from tests.factories import login_in_browser, make_market, make_user, make_vendor
from tests.qr.pdf_checks import read_codes
from vendors.models import IdempotencyRecord, Vendor

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "is_mobile": True,
         "has_touch": True}


@pytest.fixture
def day(app, session):
    app.config["WTF_CSRF_ENABLED"] = True
    market = make_market(session, name="Chợ Đại Từ")
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=market.ward_code))
    trader = make_vendor(session, market, name="Lê Thị Hồng", phone="0912345678",
                         joined_on=dt.date(2025, 1, 10))
    session.commit()
    return {"market": market, "agent": agent, "trader": trader}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context
    context.close()


def _sticker_photo(folder: Path, payload: str) -> Path:
    """A large, noisy camera picture with the trader's sticker in it."""
    picture = Image.frombytes("L", (2400, 1800), os.urandom(2400 * 1800)).point(lambda v: 150 + v // 4)
    picture.paste(qrcode.make(payload, box_size=14, border=4).convert("L"), (700, 300))
    path = folder / f"sticker-{abs(hash(payload))}.jpg"
    picture.convert("RGB").save(path, format="JPEG", quality=90)
    return path


def _download_placard(page) -> bytes:
    with page.expect_download() as download:
        page.click("a[href*='placard.pdf'][href*='size=a6']")
    return Path(download.value.path()).read_bytes()


def _accounts_on(pdf: bytes) -> list[tuple[str, str]]:
    """The bank and account each QR code on a placard pays, read from the rasterised PDF."""
    paid = []
    for code in read_codes(pdf, dpi=150):
        transfer = extract_vietqr_transfer(parse_payload(code.payload))
        paid.append((transfer.bin, transfer.account))
    return paid


def test_an_agent_corrects_a_trader_adds_a_bank_by_sticker_prints_and_records_leaving(
        day, live_server, phone, session, tmp_path):
    trader = day["trader"]
    page = phone.new_page()
    login_in_browser(page, live_server, day["agent"].username)
    page.goto(f"{live_server}/vendors/{trader.id}")
    expect(page.locator("[data-no-placard]")).to_be_visible()

    # The phone number, corrected.
    with page.expect_navigation():
        page.click("#edit-details")
    page.fill("#phone", "0912 345 679")
    with page.expect_navigation():
        page.click("button.primary")
    expect(page.locator("#change-list")).to_contain_text("0912345678 → 0912345679")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A bank account, from a photo of the sticker.
    with page.expect_navigation():
        page.click("#add-bank-for-placard")
    page.set_input_files("#photo", _sticker_photo(tmp_path, build_vietqr("970436", "0011001234567")))
    with page.expect_navigation():
        page.click("button[name=action][value=scan]")
    expect(page.locator("#bank_bin")).to_have_value("970436")
    expect(page.locator("#account_number")).to_have_value("0011001234567")
    page.fill("#account_holder", "LE THI HONG")
    page.fill("#started_on", dt.date.today().isoformat())
    with page.expect_navigation():
        page.click("button[name=action][value=save]")

    # The new placard, printed: its code pays that account.
    expect(page.locator("#placard")).to_be_visible()
    placard = _download_placard(page)
    assert placard.startswith(b"%PDF")
    assert _accounts_on(placard) == [("970436", "0011001234567")]

    # The trader leaves the market, with the day.
    page.fill("#left_on", dt.date.today().isoformat())
    page.fill("#reason", "Chuyển về quê")
    with page.expect_navigation():
        page.click("#leave-form button[type=submit]")
    expect(page.locator("#membership + ul")).to_contain_text("Chuyển về quê")
    expect(page.locator("[data-no-placard]")).to_be_visible()
    session.expire_all()
    vendor = session.get(Vendor, trader.id)
    assert vendor.phone == "0912345679"
    assert vendor.status_periods[-1].left_on == dt.date.today()
    assert [m.account_number for m in vendor.payment_methods] == ["0011001234567"]


def test_offline_the_agent_scans_registers_reads_and_syncs_once(day, live_server, phone, session, tmp_path):
    market = day["market"]
    page = phone.new_page()
    scans = []
    page.on("request", lambda r: scans.append(r.url) if "/vendors/scan" in r.url else None)
    login_in_browser(page, live_server, day["agent"].username)

    # Earlier, with a signal: a trader registered, and her placard downloaded.
    page.goto(f"{live_server}/vendors/new")
    page.fill("#market_q", "dai tu")
    expect(page.locator("#market_id")).to_have_value(str(market.id))
    page.fill("#stall_code", "B-12")
    page.check("input[name=kind][value=household_business]")
    page.fill("#name", "Nguyễn Thị Hoa")
    page.fill("#phone", "0903 111 222")
    page.set_input_files("#photo", _sticker_photo(tmp_path, build_vietqr("970436", "0011002223334")))
    expect(page.locator("#account_number")).to_have_value("0011002223334")
    assert len(scans) == 1  # the code's text, decoded on the phone, checked by the server
    page.fill("#account_holder", "NGUYEN THI HOA")
    with page.expect_navigation():
        page.click("#register")
    earlier = session.scalar(select(Vendor).where(Vendor.name == "Nguyễn Thị Hoa"))
    assert _accounts_on(_download_placard(page)) == [("970436", "0011002223334")]

    # Back at the form, the phone keeps what the agent may need without a signal.
    page.goto(f"{live_server}/vendors/new")
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")
    phone.set_offline(True)

    # The sticker is read on the phone: nothing is sent.
    page.set_input_files("#photo", _sticker_photo(tmp_path, build_vietqr("970422", "0123456789")))
    expect(page.locator("#bank_bin")).to_have_value("970422")
    expect(page.locator("#account_number")).to_have_value("0123456789")
    expect(page.locator("#scan-status")).to_contain_text("Chưa có mạng")
    assert len(scans) == 1
    page.select_option("#market_id", str(market.id))
    page.fill("#stall_code", "C-07")
    page.check("input[name=kind][value=household_business]")
    page.fill("#name", "Trần Văn Bình")
    page.fill("#phone", "0987 654 321")
    page.fill("#account_holder", "TRAN VAN BINH")
    page.click("#register")
    expect(page.locator("#queue-list li[data-state=pending]")).to_have_count(1)

    # Pages kept on the phone: the earlier trader's, with her placard.
    page.goto(f"{live_server}/vendors/{earlier.id}")
    expect(page.locator("h1")).to_have_text("Nguyễn Thị Hoa")
    expect(page.locator("#offline-notice")).to_be_visible()
    assert _accounts_on(_download_placard(page)) == [("970436", "0011002223334")]
    page.goto(f"{live_server}/vendors/?market={market.id}")
    expect(page.locator("main")).to_contain_text("Lê Thị Hồng")
    # A page never kept says so in the app's words, not the browser's error page.
    page.goto(f"{live_server}/stats/")
    expect(page.locator("h1")).to_have_text("Không có mạng")
    assert _count(session, Vendor) == 2

    # The signal is back: the queued registration is sent, once.
    phone.set_offline(False)
    page.goto(f"{live_server}/vendors/new")
    expect(page.locator("#queue-list li[data-state=sent]")).to_have_count(1)
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#queue-list li")).to_have_count(0)
    assert _count(session, Vendor) == 3
    assert _count(session, IdempotencyRecord) == 2
    binh = session.scalar(select(Vendor).where(Vendor.name == "Trần Văn Bình"))
    assert [(m.bank_bin, m.account_number) for m in binh.payment_methods] == [("970422", "0123456789")]


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))
