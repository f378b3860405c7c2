"""Every page a logged-in person can open carries the security headers (security_headers.py): a
Content-Security-Policy that runs no inline script, no framing, no sniffing, and no-store on
anything but the app's static files; its HTML has no inline script, event attribute or style
attribute, and its <style> elements carry the nonce the header names. In Debian's chromium the
onboarding form, a dashboard and the API docs run without one violation of the policy."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.models import Role
from accounts.service import Scope
from security_headers import APP_FILES
from tests.accounts.test_route_permissions import build_world, fill, routes, url_values
from tests.factories import (
    DAI_TU,
    login,
    login_in_browser,
    make_bank_account,
    make_market,
    make_product,
    make_quick_user,
    make_vendor,
)
from vendors.models import VendorKind

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b([^>]*)>", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def header_problems(url: str, response, *, cacheable: bool) -> list[str]:
    problems = []
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", "missing"))
    expected = {"default-src": ["'self'"], "script-src": ["'self'"], "worker-src": ["'self'"],
                "connect-src": ["'self'"], "frame-ancestors": ["'none'"],
                "form-action": ["'self'"], "base-uri": ["'none'"], "object-src": ["'none'"],
                "img-src": ["'self'", "data:", "blob:"]}
    for name, sources in expected.items():
        if policy.get(name) != sources:
            problems.append(f"{url}: {name} is {policy.get(name)}, want {sources}")
    styles = policy.get("style-src", [])
    if styles[:1] != ["'self'"] or any(not s.startswith("'nonce-") for s in styles[1:]):
        problems.append(f"{url}: style-src is {styles}")
    for name, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                        ("Referrer-Policy", "same-origin")):
        if headers.get(name) != value:
            problems.append(f"{url}: {name} is {headers.get(name)!r}, want {value!r}")
    if "Strict-Transport-Security" in headers:
        problems.append(f"{url}: HSTS outside production")
    cache = headers.get("Cache-Control")
    # Product photos: their route lets the browser that showed them keep them a few minutes.
    kept_photo = response.mimetype.startswith("image/") and (cache or "").startswith("private")
    if not cacheable and cache != "no-store" and not kept_photo:
        problems.append(f"{url}: Cache-Control is {cache!r}, want 'no-store'")
    if cacheable and cache == "no-store":
        problems.append(f"{url}: a static file is never kept by the browser")
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        for pattern, what in ((INLINE_SCRIPT, "an inline script"),
                              (EVENT_ATTRIBUTE, "an event attribute (onclick=...)"),
                              (STYLE_ATTRIBUTE, "a style attribute")):
            found = pattern.search(page)
            if found:
                problems.append(f"{url}: {what}: {found.group(0)[:80]}")
        nonces = {s[len("'nonce-"):-1] for s in styles[1:]}
        for attributes in STYLE_ELEMENT.findall(page):
            nonce = re.search(r'nonce="([^"]+)"', attributes)
            if not nonce or nonce.group(1) not in nonces:
                problems.append(f"{url}: a <style> without the header's nonce")
    return problems


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COOPERATIVE_MANAGER])
def test_every_page_a_person_opens_carries_the_security_headers(app, session, tmp_path, role):
    app.config.update(JOBS_DIR=str(tmp_path / "jobs"), REDIS_URL=None)
    world = build_world(session, app.config["PRODUCT_IMAGES_DIR"])
    client = app.test_client()
    assert login(client, world.users[role].username).status_code == 302
    cookie = client.get_cookie("session").value
    problems, seen = [], 0
    for name, method, rule in routes(app):
        if method != "GET" or rule.rule.startswith("/api/v1/") or rule.endpoint == "accounts.logout":
            continue
        url = fill(rule, url_values(world, role, name))
        requester = app.test_client()
        requester.set_cookie("session", cookie)
        response = requester.get(url)
        seen += response.status_code == 200
        problems += header_problems(url, response, cacheable=rule.endpoint in APP_FILES)
        response.close()
    assert seen > 25  # the cooperative manager opens 32 pages, the admin more
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_errors_files_and_the_api_carry_them_too(app, client, session, area):
    headers = area.auth(Role.ADMIN)
    for response, cacheable in ((client.get("/no-such-page"), False),
                                (client.get("/api/v1/markets", headers=headers), False),
                                (client.get("/api/v1/markets"), False),
                                (client.get("/static/css/app.css"), True),
                                (client.get("/favicon.ico"), True),
                                (client.get("/sw.js"), True)):
        assert header_problems(response.request.path, response, cacheable=cacheable) == []
        response.close()


def test_public_pages_keep_their_caching_and_a_persons_copy_is_not_stored(app, session):
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè",
                              ward_code=DAI_TU)
    product = make_product(session, cooperative, name="Chè Tân Cương")
    user = make_quick_user(session, Role.ADMIN)
    session.commit()
    anonymous = app.test_client().get(f"/catalog/public/{product.id}")
    assert anonymous.status_code == 200
    assert anonymous.headers["Cache-Control"].startswith("public")
    person = app.test_client()
    login(person, user.username)
    # The page then carries the person's name: neither kept nor shared.
    assert person.get(f"/catalog/public/{product.id}").headers["Cache-Control"] == "no-store"


def test_production_adds_hsts(app, client):
    app.config["CHO40_ENV"] = "production"
    response = client.get("/accounts/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_dashboards_chart_styles_carry_this_requests_nonce(app, session):
    user = make_quick_user(session, Role.ADMIN)
    session.commit()
    nonces = []
    for _ in range(2):
        client = app.test_client()
        login(client, user.username)
        response = client.get("/stats/provinces/19")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "pygal-chart" in page
        nonce = directives(response.headers["Content-Security-Policy"])["style-src"][1]
        assert page.count(f'<style nonce="{nonce[len(chr(39)) + 6:-1]}"') >= 1
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.browser
def test_pages_run_in_chromium_without_a_policy_violation(app, session, live_server, browser):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU, latitude=Decimal("21.63"),
                         longitude=Decimal("105.64"))
    vendor = make_vendor(session, market, name="Nguyễn Thị Vân")
    make_bank_account(session, vendor)
    agent = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU))
    staff = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    context = browser.new_context()
    violations: list[str] = []
    context.add_init_script("""document.addEventListener('securitypolicyviolation', e =>
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))""")
    page = context.new_page()
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "CSP violation" in message.text
            else None)

    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)

    login_in_browser(page, live_server, agent.username)
    page.goto(f"{live_server}/vendors/new")
    page.wait_for_selector("#onboard")
    page.fill("#name", "Trần Thị Hoa")
    # The form's script is running: it checks a field as it is left.
    page.fill("#phone", "0912")
    page.click("#register")
    page.wait_for_selector("#phone-error:not(:empty)")

    page.context.clear_cookies()
    login_in_browser(page, live_server, staff.username)
    page.goto(f"{live_server}/stats/provinces/19")
    title = page.locator("svg.pygal-chart .title").first
    # The chart's own stylesheet applied: pygal's 18 px titles, not the browser's 16 px default.
    assert title.evaluate("e => getComputedStyle(e).fontSize") == "18px"
    page.goto(f"{live_server}/stats/wards/{DAI_TU}")
    page.wait_for_selector("svg.pygal-chart")
    context.close()
    assert violations == []
