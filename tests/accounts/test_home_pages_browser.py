"""In a real browser at a phone's size: each demo account logs in and lands on its home page."""
from __future__ import annotations

import re

import pytest

from accounts.models import Role
from tests.factories import ROLE_HOME_HEADINGS

pytestmark = pytest.mark.browser



def test_every_demo_account_lands_on_its_role_home_page(runner, live_server, phone_page):
    output = runner.invoke(args=["demo", "load"]).output
    accounts = re.findall(r"^\s+(\S+)\s+(\S+)\s+(.+?) — ", output, re.MULTILINE)
    assert len(accounts) >= len(Role), output  # one per role, and a second province's staff
    seen_roles = set()
    for username, password, _role_name in accounts:
        page = phone_page
        page.goto(f"{live_server}/")
        assert "/login" in page.url
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        heading = page.locator("h1").inner_text()
        role = next((r for r, text in ROLE_HOME_HEADINGS.items() if heading == text), None)
        assert role is not None, f"{username} landed on «{heading}»: {page.locator('main').inner_text()}"
        assert page.locator(f'[data-home="{role.value}"]').count() == 1
        seen_roles.add(role)
        # Nothing on the page may overflow a phone screen sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        with page.expect_navigation():
            page.click("text=Đăng xuất")
        assert "/login" in page.url
    assert seen_roles == set(Role)


def test_the_language_switch_shows_english_and_back(runner, live_server, phone_page):
    phone_page.goto(f"{live_server}/login")
    assert phone_page.locator("h1").inner_text() == "Đăng nhập"
    with phone_page.expect_navigation():
        phone_page.click("text=English")
    assert phone_page.locator("h1").inner_text() == "Log in"
    with phone_page.expect_navigation():
        phone_page.click("text=Tiếng Việt")
    assert phone_page.locator("h1").inner_text() == "Đăng nhập"
