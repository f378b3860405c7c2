"""The onboarding form in Debian's chromium at a phone's size, with CSRF protection on as in
production: an error fixed and a double tap, a registration queued offline and synced once,
an answer lost on the way, a photo of the trader's QR sticker, and the weight of the page."""
from __future__ import annotations

import os
import re

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from qr.payload import build_vietqr
from tests.factories import PASSWORD, login_in_browser, make_market, make_user
from tests.vendors.test_onboarding_pages import MOMO_STICKER
from vendors.models import IdempotencyRecord, Vendor

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "is_mobile": True,
         "has_touch": True}
PAGE_WEIGHT_LIMIT = 100 * 1000


@pytest.fixture
def dai_tu(app, session):
    # The browser posts real forms: check their CSRF tokens, as production does.
    app.config["WTF_CSRF_ENABLED"] = True
    market = make_market(session, name="Chợ Đại Từ")
    make_market(session, name="Chợ Hùng Sơn")
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=market.ward_code))
    session.commit()
    return agent, market


def _vendors(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Vendor))


def _fill(page, *, name, phone, account, market=None):
    if market is not None:  # typed without marks, the market is found and chosen
        page.fill("#market_q", "dai tu")
        expect(page.locator("#market_id")).to_have_value(str(market.id))
    page.fill("#stall_code", "B-12")
    page.check("input[name=kind][value=household_business]")
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.select_option("#bank_bin", "970436")
    page.fill("#account_number", account)
    page.fill("#account_holder", "NGUYEN THI HOA")


def _form_fields(page) -> list[list[str]]:
    return page.evaluate("""() => [...new FormData(document.getElementById('onboard'))]
        .filter(([name, value]) => typeof value === 'string')""")


def test_an_agent_fixes_an_error_double_taps_and_registers_one_trader(dai_tu, live_server, phone_page, session):
    agent, market = dai_tu
    page = phone_page
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/vendors/new") else None)
    login_in_browser(page, live_server, agent.username)
    with page.expect_navigation():
        page.click("text=Đăng ký tiểu thương >> nth=0")
    assert page.locator("h1").inner_text() == "Đăng ký tiểu thương"

    _fill(page, name="Nguyễn Thị Hoa", phone="0912 34", account="0011 0012 34567", market=market)
    page.click("#register")
    expect(page.locator("#phone-error")).to_have_text(
        "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912 345 678).")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.activeElement.id") == "phone"
    assert _vendors(session) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#phone", "0912 345 678")
    fields = _form_fields(page)
    key = page.input_value("input[name=idempotency_key]")
    with page.expect_navigation(url=re.compile(r"/vendors/\d+/registered$")):
        page.dblclick("#register")
    expect(page.locator("h1")).to_have_text("Đã đăng ký Nguyễn Thị Hoa")
    expect(page.locator("a[href$='/placard.pdf?size=a6']")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert len(posts) == 2  # the refused one, then one for the double tap
    assert _vendors(session) == 1

    # The same submission again, as a flaky connection would resend it: the first result.
    replay = page.evaluate("""async ([fields, key]) => {
        const r = await fetch('/vendors/new', {method: 'POST', body: new URLSearchParams(fields),
            headers: {'Accept': 'application/json', 'Idempotency-Key': key}});
        return {status: r.status, body: await r.json()};
    }""", [fields, key])
    vendor = session.scalar(select(Vendor))
    assert replay["status"] == 200
    assert (replay["body"]["vendor_id"], replay["body"]["replayed"]) == (vendor.id, True)
    assert _vendors(session) == 1
    assert (vendor.name, vendor.phone, vendor.stall.code, vendor.kind.value) == (
        "Nguyễn Thị Hoa", "0912345678", "B-12", "household_business")
    assert vendor.payment_methods[0].account_number == "0011001234567"


def test_offline_a_registration_waits_on_the_phone_and_is_sent_once(dai_tu, live_server, phone_page, session):
    agent, market = dai_tu
    page = phone_page
    login_in_browser(page, live_server, agent.username)
    page.goto(f"{live_server}/vendors/new")
    # The service worker has kept the page and its files.
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")

    page.context.set_offline(True)
    page.reload()  # no network: the copy the service worker kept
    assert page.locator("h1").inner_text() == "Đăng ký tiểu thương"
    _fill(page, name="Trần Văn Bình", phone="0987 654 321", account="1903 5555 0001")
    page.select_option("#market_id", str(market.id))
    page.click("#register")
    pending = page.locator("#queue-list li[data-state=pending]")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Trần Văn Bình · Chợ Đại Từ")
    expect(pending).to_contain_text("Chờ gửi")
    expect(page.locator("#status")).to_contain_text("Chưa có mạng")
    assert page.input_value("#name") == ""  # ready for the next trader
    assert _vendors(session) == 0

    page.reload()  # still offline: the queue is kept on the phone
    expect(page.locator("#queue-list li[data-state=pending]")).to_have_count(1)
    assert _vendors(session) == 0

    page.context.set_offline(False)
    sent = page.locator("#queue-list li[data-state=sent]")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("Trần Văn Bình")
    expect(page.locator("#queue-list li[data-state=pending]")).to_have_count(0)
    assert _vendors(session) == 1

    page.reload()  # back later with the network: nothing is left to send again
    page.wait_for_load_state("networkidle")
    expect(page.locator("#queue-list li")).to_have_count(0)
    assert _vendors(session) == 1
    vendor = session.scalar(select(Vendor))
    assert (vendor.name, vendor.market_id) == ("Trần Văn Bình", market.id)
    with page.expect_navigation():
        page.goto(f"{live_server}/vendors/{vendor.id}/registered")
    assert page.locator("h1").inner_text() == "Đã đăng ký Trần Văn Bình"

    # Logged out, the service worker hands the login redirect through instead of its copy.
    with page.expect_navigation():
        page.click("text=Đăng xuất")
    page.goto(f"{live_server}/vendors/new")
    assert "/login" in page.url


def test_an_answer_lost_on_the_way_is_sent_again_and_applied_once(dai_tu, live_server, browser, session):
    agent, market = dai_tu
    # Routing requests needs the service worker out of the way; the queue lives in IndexedDB.
    context = browser.new_context(**PHONE, service_workers="block")
    page = context.new_page()
    try:
        login_in_browser(page, live_server, agent.username)
        page.goto(f"{live_server}/vendors/new")

        def deliver_then_drop(route):
            route.fetch()  # the server registers the trader...
            route.abort("connectionreset")  # ...and the answer never reaches the phone

        page.route("**/vendors/new", lambda route: deliver_then_drop(route)
                   if route.request.method == "POST" else route.continue_())
        _fill(page, name="Lê Thị Cúc", phone="0977 111 222", account="5555 0000 1234", market=market)
        page.click("#register")
        expect(page.locator("#queue-list li[data-state=pending]")).to_have_count(1)
        assert _vendors(session) == 1

        page.unroute("**/vendors/new")
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#queue-list li[data-state=sent]")).to_have_count(1)
        assert _vendors(session) == 1
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    finally:
        context.close()


def _count_bytes_sent(app, sent: list) -> None:
    """Record (path, bytes) of every response the server sends: its status line, headers and
    body as they leave the app (compressed where the app compresses)."""
    inner = app.wsgi_app

    def counting(environ, start_response):
        query = environ.get("QUERY_STRING")
        path = environ["PATH_INFO"] + (f"?{query}" if query else "")
        head = [0]

        def start(status, headers, exc_info=None):
            head[0] = len(status) + sum(len(name) + len(value) + 4 for name, value in headers)
            return start_response(status, headers, exc_info)

        body = 0
        for chunk in inner(environ, start):
            body += len(chunk)
            yield chunk
        sent.append((path, head[0] + body))

    app.wsgi_app = counting


def test_the_form_and_everything_it_loads_weigh_under_100_kb(app, dai_tu, live_server, browser):
    """What a phone downloads on its first visit to the form, the QR decoder and the service
    worker included, counted as the server sends it. The agent's pages the service worker then
    keeps for offline reading are counted apart: they are not the form's."""
    agent, _market = dai_tu
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        # As on a phone that has never been here: nothing in the HTTP cache, not even the CSS,
        # and no service worker. The login goes through the context's own request client, so no
        # page (and no service worker install still fetching in the background) comes before
        # the counted visit.
        login_page = context.request.get(f"{live_server}/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text()).group(1)
        logged_in = context.request.post(f"{live_server}/login", form={
            "csrf_token": token, "username": agent.username, "password": PASSWORD})
        assert logged_in.ok
        sent = []
        _count_bytes_sent(app, sent)
        page.goto(f"{live_server}/vendors/new")
        page.wait_for_selector("html[data-offline-ready='1']", state="attached")
        page.wait_for_load_state("networkidle")
        responses = list(sent)
        kept_pages = set(page.evaluate(
            "fetch('/vendors/offline.json').then(r => r.json()).then(d => d.pages)"))
        form, kept = {}, {}
        for path, size in responses:
            # The form itself comes first; a second copy is the service worker keeping it.
            is_form = path not in kept_pages or (path == "/vendors/new" and path not in form)
            if path != "/vendors/offline.json":
                into = form if is_form else kept
                into[path] = into.get(path, 0) + size
        total = sum(form.values())
        print(f"\nonboarding form, first visit: {total} bytes: {form}"
              f"\nthen kept for offline reading: {sum(kept.values())} bytes: {kept}")
        assert {"/vendors/new", "/static/js/onboard.js", "/static/js/sticker.js",
                "/static/vendor/qr-scanner/qr-scanner-worker.js", "/sw.js"} <= set(form)
        assert form["/static/vendor/qr-scanner/qr-scanner-worker.js"] > 5_000  # the decoder itself
        assert total < PAGE_WEIGHT_LIMIT
        # Cross-check with what the page itself reports of its own loads.
        reported = page.evaluate("""() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize), 0)""")
        assert 0 < reported < PAGE_WEIGHT_LIMIT
    finally:
        context.close()


def test_a_photo_of_the_sticker_fills_in_the_bank_or_offers_the_wallet(dai_tu, live_server, phone_page, tmp_path):
    def photo(payload, name):
        # A large, noisy camera picture: the page shrinks it before sending it over the network.
        picture = Image.frombytes("L", (2400, 1800), os.urandom(2400 * 1800)).point(lambda v: 150 + v // 4)
        picture.paste(qrcode.make(payload, box_size=14, border=4).convert("L"), (700, 300))
        path = tmp_path / name
        picture.convert("RGB").save(path, format="PNG")
        assert path.stat().st_size > 600_000
        return path

    agent, _market = dai_tu
    page = phone_page
    uploads = []
    page.on("request", lambda r: uploads.append(len(r.post_data_buffer or b""))
            if r.url.endswith("/vendors/scan") else None)
    login_in_browser(page, live_server, agent.username)
    page.goto(f"{live_server}/vendors/new")
    page.set_input_files("#photo", photo(build_vietqr("970436", "0011001234567"), "bank.png"))
    expect(page.locator("#scan-status")).to_have_text(
        "Đã điền Vietcombank, số tài khoản 0011001234567. Hãy đối chiếu với tiểu thương.")
    expect(page.locator("#bank_bin")).to_have_value("970436")
    expect(page.locator("#account_number")).to_have_value("0011001234567")
    assert uploads and uploads[0] < 600_000

    page.set_input_files("#photo", photo(MOMO_STICKER, "momo.png"))
    expect(page.locator("#photo-error")).to_contain_text("Đây là mã ví MoMo")
    page.click("text=Thêm làm ví MoMo")
    expect(page.locator("#wallet_provider")).to_have_value("momo")
    assert page.input_value("input[name=wallet_payload]") == MOMO_STICKER
