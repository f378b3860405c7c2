"""Provincial staff in a real browser, on a phone and on a desk screen: pick a past day, open a
commune, download its table as XLSX and the province's monthly report as PDF (rasterised, its
text read back)."""
from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Role
from accounts.service import Scope
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THAI_NGUYEN,
    login_in_browser,
    make_bank_account,
    make_market,
    make_quick_user,
    make_vendor,
)

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 768}}


@pytest.fixture
def province_world(session):
    dai_tu = make_market(session, ward_code=DAI_TU, name="Chợ Đại Từ", latitude=21.63,
                         longitude=105.64)
    tan_cuong = make_market(session, ward_code=TAN_CUONG, name="Chợ Tân Cương", latitude=21.57,
                            longitude=105.75)
    for n in range(5):
        vendor = make_vendor(session, dai_tu, name=f"Đỗ Thị Ưng {n}",
                             joined_on=dt.date(2024, 6, 1))
        if n < 2:
            make_bank_account(session, vendor, started_on=dt.date(2024, 9, 1))
        if n == 4:  # a third one in 2025: the past day must not see it
            make_bank_account(session, vendor, started_on=dt.date(2025, 5, 1))
    make_vendor(session, tan_cuong, joined_on=dt.date(2024, 6, 1))
    user = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN))
    session.commit()
    return user


@pytest.mark.parametrize("screen", VIEWPORTS, ids=list(VIEWPORTS))
def test_provincial_staff_pick_a_past_day_open_a_commune_and_download(
        browser, live_server, province_world, screen, tmp_path):
    context = browser.new_context(viewport=VIEWPORTS[screen], locale="vi-VN",
                                  is_mobile=screen == "phone", has_touch=screen == "phone",
                                  accept_downloads=True)
    page = context.new_page()
    login_in_browser(page, live_server, province_world.username)
    page.goto(f"{live_server}/stats/")
    expect(page.locator("h1")).to_have_text("Tỉnh Thái Nguyên")
    page.fill("#date", "2025-03-31")
    with page.expect_navigation():
        page.click("form.day-picker button")
    expect(page.locator(".lead")).to_contain_text("31/03/2025")
    # 6 active, 2 cashless on 31 March 2025: the 2025 account is not counted yet.
    expect(page.locator("[data-active]")).to_have_text("6")
    expect(page.locator("[data-cashless]")).to_have_text("2")
    assert page.locator("figure.chart > svg").count() == 3  # by commune, by month, the map
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[screen]["width"]

    with page.expect_navigation():
        page.click("#units a:text('Xã Đại Từ')")
    expect(page.locator("h1")).to_have_text("Xã Đại Từ")
    expect(page.locator(".lead")).to_contain_text("31/03/2025")
    expect(page.locator("[data-share]")).to_have_text("40,0%")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[screen]["width"]
    with page.expect_download() as download:
        page.click("[data-download=units-xlsx]")
    assert download.value.suggested_filename == f"so-lieu-ward-{DAI_TU}-units-2025-03-31.xlsx"
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Tên", "Mã", "Đang hoạt động", "Nhận thanh toán không dùng tiền mặt",
                       "Tỉ lệ (%)"]
    assert rows[1][0] == "Chợ Đại Từ" and rows[1][2:] == [5, 2, 40.0]

    # The province's monthly report for March 2025, made as a job, downloaded as PDF.
    with page.expect_navigation():
        page.click("text=← Cả tỉnh")
    page.fill("#month", "2025-03")
    with page.expect_navigation():
        page.click("text=Lập báo cáo")
    link = page.locator("#report-download")
    link.wait_for(timeout=60_000)  # the page reloads itself until the job is done
    with page.expect_download() as download:
        link.click()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(download.value.path().read_bytes())
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))  # it rasterises
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert "Báo cáo số hóa chợ tháng 03/2025" in text
    assert "Xã Đại Từ" in text and "Chợ Tân Cương" in text
    context.close()
