"""A cooperative's manager keeps the catalogue on a phone, in Debian's chromium at 390x844:
adds a product with two variants and a photo from the camera, sees the readiness matrix, fixes
the title a platform flags and downloads the Shopee file."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import Role
from accounts.service import Scope
from catalog_export.models import Product
from tests.factories import TAN_CUONG, login_in_browser, make_quick_user, make_vendor
from vendors.models import VendorKind

pytestmark = pytest.mark.browser

NAME = "Chè Tân Cương"  # 13 characters: too short for TikTok Shop (25 at least)
FIXED_NAME = "Chè búp Tân Cương đặc biệt hộp thiếc"


@pytest.fixture
def manager(app, session, tmp_path, live_server):
    app.config.update(PRODUCT_IMAGES_DIR=str(tmp_path / "images"), JOBS_DIR=str(tmp_path / "jobs"),
                      REDIS_URL=None, PUBLIC_BASE_URL=live_server)
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE,
                              name="HTX Chè Tân Cương Hoàng Bình", ward_code=TAN_CUONG)
    user = make_quick_user(session, Role.COOPERATIVE_MANAGER, Scope(cooperative_id=cooperative.id))
    session.commit()
    return user, cooperative


def photo(path) -> str:
    image = Image.new("RGB", (1200, 900), (30, 110, 50))
    image.paste((230, 200, 60), (400, 250, 800, 650))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_manager_adds_a_product_fixes_it_and_downloads_the_shopee_file(
        live_server, phone_page, session, manager, tmp_path):
    user, cooperative = manager
    page = phone_page
    login_in_browser(page, live_server, user.username)
    page.goto(f"{live_server}/catalog/{cooperative.id}")
    with page.expect_navigation():
        page.click("text=Thêm sản phẩm")
    page.fill("#name", NAME)
    page.fill("#description", "Chè một tôm hai lá, sao tay trên chảo gang.")
    page.fill("#category_q", "tra")
    with page.expect_navigation():
        page.click("text=Tìm ngành hàng")
    page.locator("#category-matches input[type=radio]").first.check()
    page.fill("#price", "120.000")
    page.fill("#weight_grams", "250")
    page.fill("#axis1_name", "Khối lượng")
    page.fill("#axis1_values", "100 g, 200 g")
    with page.expect_navigation():
        page.click("text=Tạo các phân loại")
    expect(page.locator("table.variants tbody tr")).to_have_count(2)
    page.fill("input[name=variant1_price]", "230.000")
    page.fill("input[name=variant0_stock]", "12")
    page.check("input[name=status][value=active]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_navigation():
        page.click("text=Lưu sản phẩm")
    expect(page.locator("h1")).to_have_text(NAME)
    page.set_input_files("#photo", photo(tmp_path / "che.jpg"))
    with page.expect_navigation():
        page.click("text=Tải ảnh lên")
    expect(page.locator("ol.photos img")).to_have_count(1)
    assert page.locator("ol.photos img").evaluate("img => img.naturalWidth") == 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    product = session.scalars(select(Product)).one()
    assert product.name == NAME and product.google_category_id is not None
    assert [(v.options["Khối lượng"], v.price, v.stock) for v in product.variants] == [
        ("100 g", 120_000, 12), ("200 g", 230_000, 0)]
    assert [(i.width, i.height) for i in product.images] == [(1200, 900)]

    # The readiness matrix flags the title for TikTok Shop; its link leads to the field.
    page.goto(f"{live_server}/catalog/{cooperative.id}")
    with page.expect_navigation():
        page.click("text=Kiểm tra trước khi xuất")
    flagged = page.locator('li[data-rule="name_too_short"]').first
    expect(flagged).to_contain_text("tối thiểu 25 ký tự cho TikTok Shop")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_navigation():
        flagged.locator("a").click()
    assert page.url.endswith("#name")
    page.fill("#name", FIXED_NAME)
    with page.expect_navigation():
        page.click("text=Lưu sản phẩm")
    page.goto(f"{live_server}/catalog/{cooperative.id}/readiness")
    expect(page.locator('li[data-rule="name_too_short"]')).to_have_count(0)

    # The Shopee file: exported on the job queue (here a thread), then downloaded.
    page.goto(f"{live_server}/catalog/{cooperative.id}/export")
    page.select_option("#platform", "shopee")
    with page.expect_navigation():
        page.click("text=Xuất tệp")
    download_link = page.locator("a", has_text="Tải tệp")
    download_link.wait_for(timeout=30_000)  # the page reloads itself until the job is done
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.startswith("shopee-")
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert FIXED_NAME in values
    assert 120_000 in values and 230_000 in values  # one row per variant
