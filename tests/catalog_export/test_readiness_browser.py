"""In a real browser at a phone's size: the readiness matrix scrolls sideways inside its box, the
page itself does not, and the product column stays in view."""
from __future__ import annotations

import pytest

from accounts.models import Role
from tests.catalog_export.readiness_products import make_catalogue
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_matrix_fits_a_phone(live_server, phone_page, session, area):
    make_catalogue(session, area.cooperative)
    page = phone_page
    page.goto(f"{live_server}/login")
    page.fill("#username", area.users[Role.COOPERATIVE_MANAGER].username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server}/catalog/{area.cooperative.id}/readiness")
    assert page.locator("h1").inner_text() == "Kiểm tra trước khi xuất"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("box => box.scrollWidth > box.clientWidth")  # 12 platforms: it scrolls
    first = page.locator("table.readiness tbody th").first
    cell = page.locator("table.readiness tbody td").first
    name_x, cell_x = first.bounding_box()["x"], cell.bounding_box()["x"]
    wrap.evaluate("box => { box.scrollLeft = 300; }")
    assert cell.bounding_box()["x"] == pytest.approx(cell_x - 300, abs=1)  # the platforms move
    assert first.bounding_box()["x"] == pytest.approx(name_x, abs=1)  # the product stays
