"""In a real browser at a phone's size: an administrator creates an account, its user logs in,
changes their password, issues an API token, uses it and revokes it."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from accounts.models import Role
from tests.factories import DAI_TU, THAI_NGUYEN, login_in_browser, make_quick_user

pytestmark = pytest.mark.browser

NEW_PASSWORD = "mười quả cam chín"


def _api_status(live_server: str, token: str) -> int:
    request = urllib.request.Request(f"{live_server}/api/v1/markets",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_an_account_from_creation_to_a_revoked_token(live_server, phone_page, session):
    make_quick_user(session, Role.ADMIN, username="quantri", full_name="Quản Trị Viên")
    session.commit()
    page = phone_page
    login_in_browser(page, live_server, "quantri")

    # The administrator creates a commune officer's account, with a generated password.
    with page.expect_navigation():
        page.click("nav >> text=Tài khoản")
    _fits_the_phone(page)
    with page.expect_navigation():
        page.click("text=Tạo tài khoản")
    page.fill("#username", "nguyen.hoa")
    page.fill("#full_name", "Nguyễn Thị Hoa")
    page.select_option("#role", "commune_staff")
    assert page.locator("#market_id").count() == 0  # no province chosen yet: no lists
    with page.expect_navigation():  # choosing the province reloads the lists (accounts.js)
        page.select_option("#province_code", THAI_NGUYEN)
    assert page.input_value("#username") == "nguyen.hoa"
    assert page.locator("#ward_code").is_visible()
    assert not page.locator("#market_id").is_visible()  # an agent's field, not this role's
    page.select_option("#ward_code", DAI_TU)
    _fits_the_phone(page)
    with page.expect_navigation():
        page.click("button.primary")
    assert page.locator("h1").inner_text() == "Đã tạo tài khoản"
    password = page.locator("[data-password]").inner_text()
    assert len(password) == 19
    _fits_the_phone(page)
    with page.expect_navigation():
        page.click("text=Xem tài khoản")
    assert "Xã Đại Từ" in page.locator(".lead").inner_text()
    with page.expect_navigation():
        page.click("text=Đăng xuất")

    # The new user logs in and changes the password they were given.
    login_in_browser(page, live_server, "nguyen.hoa", password)
    assert page.locator('[data-home="commune_staff"]').count() == 1
    with page.expect_navigation():
        page.click("header >> text=Đổi mật khẩu")
    page.fill("#current_password", password)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirmation", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    assert "Đã đổi mật khẩu." in page.locator("main").inner_text()
    _fits_the_phone(page)

    # ... issues an API token, which works, then revokes it.
    with page.expect_navigation():
        page.click("header >> text=Khóa API")
    page.fill("#name", "Máy chủ của xã")
    with page.expect_navigation():
        page.click("button.primary")
    token = page.locator("[data-token-value]").inner_text()
    assert token.startswith("cho40_")
    _fits_the_phone(page)
    assert _api_status(live_server, token) == 200
    page.goto(f"{live_server}/me/tokens")  # not a reload: that would post the form again
    assert token not in page.content()  # shown once
    card = page.locator(".tokens .card", has_text="Máy chủ của xã")
    assert "Dùng lần cuối" in card.inner_text()
    with page.expect_navigation():
        card.locator("text=Thu hồi").click()
    assert "Đã thu hồi" in page.locator(".tokens").inner_text()
    assert _api_status(live_server, token) == 401

    # The old password no longer opens the account; the new one does.
    with page.expect_navigation():
        page.click("text=Đăng xuất")
    login_in_browser(page, live_server, "nguyen.hoa", password)
    assert "/login" in page.url
    login_in_browser(page, live_server, "nguyen.hoa", NEW_PASSWORD)
    assert page.locator('[data-home="commune_staff"]').count() == 1
