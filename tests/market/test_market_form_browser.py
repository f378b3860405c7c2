"""The market form in Debian's chromium at a phone's size: commune staff tap the province map
where the market is, the coordinates fill in, and the market is saved there."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import Role
from accounts.service import Scope
from market.models import Market
from tests.factories import DAI_TU, login_in_browser, make_market, make_user

pytestmark = pytest.mark.browser


def test_commune_staff_place_a_new_market_by_tapping_the_province_map(app, session, live_server,
                                                                       phone_page):
    app.config["WTF_CSRF_ENABLED"] = True
    make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU, latitude="21.636400",
                longitude="105.643600")
    staff = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU))
    session.commit()
    page = phone_page
    login_in_browser(page, live_server, staff.username)
    page.goto(f"{live_server}/markets/")
    with page.expect_navigation():
        page.click("text=Thêm chợ")

    svg = page.locator("#market-map")
    expect(svg).to_be_visible()
    expect(page.locator("#map-pin")).to_have_attribute("visibility", "hidden")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box["width"] <= 390
    edges = {name: float(svg.get_attribute(f"data-{name}"))
             for name in ("west", "east", "south", "north")}
    page.touchscreen.tap(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.25)

    latitude, longitude = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
    # One screen pixel of a province-wide map is about 0.005 degrees.
    assert latitude == pytest.approx(edges["north"] - 0.25 * (edges["north"] - edges["south"]),
                                     abs=0.01)
    assert longitude == pytest.approx((edges["west"] + edges["east"]) / 2, abs=0.01)
    expect(page.locator("#map-pin")).to_have_attribute("visibility", "visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#name", "Chợ Bến Đò")
    page.fill("#stall_code_pattern", "a 00")
    with page.expect_navigation():
        page.click("button.primary")
    expect(page.locator("h1")).to_have_text("Chợ Bến Đò")
    market = session.scalar(select(Market).where(Market.name == "Chợ Bến Đò"))
    assert (float(market.latitude), float(market.longitude)) == (latitude, longitude)
    assert (market.ward_code, market.stall_code_pattern) == (DAI_TU, "A-00")

    # Typed coordinates move the pin; the saved market's place is drawn on its edit page.
    with page.expect_navigation():
        page.click("text=Sửa, đóng cửa chợ")
    expect(page.locator("#map-pin")).to_have_attribute("visibility", "visible")
    page.fill("#latitude", "1.5")
    expect(page.locator("#map-pin")).to_have_attribute("visibility", "hidden")
