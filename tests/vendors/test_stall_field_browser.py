"""The stall field of the onboarding form in Debian's chromium at a phone's size: the market's
stalls offered as the agent types part of a code, and "c7" questioned against the market's
"C-07" before a new stall is made."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from market.models import Stall
from tests.factories import login_in_browser, make_market, make_stall, make_user
from vendors.models import Vendor

pytestmark = pytest.mark.browser


@pytest.fixture
def dai_tu(app, session):
    # The browser posts real forms: check their CSRF tokens, as production does.
    app.config["WTF_CSRF_ENABLED"] = True
    market = make_market(session, name="Chợ Đại Từ")
    stalls = {}
    for code, zone in [("C-07", "Khu C – Quần áo"), ("C-10", "Khu C – Quần áo"),
                       ("C-12", "Khu C – Quần áo"), ("A-07", "Khu A – Rau củ quả")]:
        stalls[code] = make_stall(session, market, code)
        stalls[code].zone = zone
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id))
    session.commit()
    return agent, market, stalls


def _open_form(page, live_server, agent, market):
    login_in_browser(page, live_server, agent.username)
    page.goto(f"{live_server}/vendors/new")
    # The agent's one market is chosen already.
    expect(page.locator("#market_id")).to_have_value(str(market.id))


def _fill_trader(page, name, phone):
    page.fill("#name", name)
    page.fill("#phone", phone)


def _vendor(session) -> Vendor:
    session.expire_all()
    return session.scalar(select(Vendor))


def test_an_agent_types_part_of_a_stall_code_and_picks_the_stall_offered(
        dai_tu, live_server, phone_page, session):
    agent, market, stalls = dai_tu
    page = phone_page
    _open_form(page, live_server, agent, market)

    page.locator("#stall_code").press_sequentially("c 1", delay=60)
    options = page.locator("#stall-options button")
    expect(options).to_have_text(["C-10 · Khu C – Quần áo", "C-12 · Khu C – Quần áo"])
    expect(page.locator("#status")).to_have_text("Quầy phù hợp: 2.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Typing on narrows the list, as the agent reads the number painted on the stall.
    page.locator("#stall_code").press_sequentially("2", delay=60)
    expect(options).to_have_text(["C-12 · Khu C – Quần áo"])
    options.first.tap()
    expect(page.locator("#stall_code")).to_have_value("C-12")
    expect(page.locator("#stall-options")).to_be_hidden()

    _fill_trader(page, "Nguyễn Thị Hoa", "0912 345 678")
    with page.expect_navigation(url=lambda url: url.endswith("/registered")):
        page.click("#register")
    assert _vendor(session).stall_id == stalls["C-12"].id
    assert session.scalar(select(func.count()).select_from(Stall)) == 4  # no new stall


def test_c7_is_questioned_against_c07_and_the_agent_uses_it_or_confirms_a_new_stall(
        dai_tu, live_server, phone_page, session):
    agent, market, stalls = dai_tu
    page = phone_page
    _open_form(page, live_server, agent, market)

    page.fill("#stall_code", "c7")
    _fill_trader(page, "Trần Văn Nam", "0987 654 321")
    page.click("#register")
    expect(page.locator("#stall_code-error")).to_contain_text("Có phải quầy C-07?")
    expect(page.locator("#stall_code")).to_have_attribute("aria-invalid", "true")
    question = page.locator("#stall-question")
    expect(question).to_be_visible()
    expect(question.locator("button")).to_have_text(["Dùng quầy C-07 · Khu C – Quần áo"])
    expect(question.locator("label")).to_have_text("Không, «C7» là quầy mới")
    assert _vendor(session) is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Using the stall the market has registers the trader there at once.
    with page.expect_navigation(url=lambda url: url.endswith("/registered")):
        question.locator("button").tap()
    vendor = _vendor(session)
    assert (vendor.name, vendor.stall_id) == ("Trần Văn Nam", stalls["C-07"].id)

    # Another trader at a stall really numbered "C7": confirmed, a new stall is made.
    page.goto(f"{live_server}/vendors/new")
    page.fill("#stall_code", "c7")
    _fill_trader(page, "Lê Thị Cúc", "0977 111 222")
    page.click("#register")
    expect(page.locator("#stall-question label")).to_be_visible()
    page.check("#stall-question input[name=confirm_new_stall]")
    with page.expect_navigation(url=lambda url: url.endswith("/registered")):
        page.click("#register")
    session.expire_all()
    assert sorted(session.scalars(select(Stall.code))) == ["A-07", "C-07", "C-10", "C-12", "C7"]

    # Changing the code after the question takes the confirmation back with it.
    page.goto(f"{live_server}/vendors/new")
    page.fill("#stall_code", "a7")
    _fill_trader(page, "Phạm Văn Bình", "0911 000 111")
    page.click("#register")
    expect(page.locator("#stall_code-error")).to_contain_text("Có phải quầy A-07?")
    page.check("#stall-question input[name=confirm_new_stall]")
    page.fill("#stall_code", "a 8")
    expect(page.locator("#stall-question")).to_be_hidden()
    assert page.locator("input[name=confirm_new_stall]").count() == 0
