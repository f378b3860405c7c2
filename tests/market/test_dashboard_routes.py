"""The digitisation pages as staff use them: a province, a commune, a market on a past day;
tables downloaded as CSV and XLSX hold what the page shows; the rule's versions; fees; a visit
recorded from the trader's page; the monthly report as a job giving a real PDF."""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess

import openpyxl
import pytest

from accounts.models import Role
from accounts.service import Scope
from jobs.runner import wait_for_threads
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THAI_NGUYEN,
    login,
    make_bank_account,
    make_market,
    make_quick_user,
    make_vendor,
)

PAST = dt.date(2025, 3, 31)


@pytest.fixture
def world(session):
    dai_tu = make_market(session, ward_code=DAI_TU, name="Chợ Đại Từ", latitude=21.63,
                         longitude=105.64)
    tan_cuong = make_market(session, ward_code=TAN_CUONG, name="Chợ Tân Cương",
                            latitude=21.57, longitude=105.75)
    vendors = []
    for n in range(4):
        vendor = make_vendor(session, dai_tu, name=f"Đặng Thị Ánh {n}",
                             joined_on=dt.date(2025, 1, 10))
        vendors.append(vendor)
        if n < 3:
            make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1))
    # Left in June: still counted in March.
    make_vendor(session, tan_cuong, name="Ưng Văn Bình", joined_on=dt.date(2025, 1, 1),
                left_on=dt.date(2025, 6, 15))
    users = {
        "province": make_quick_user(session, Role.PROVINCIAL_STAFF,
                                    Scope(province_code=THAI_NGUYEN)),
        "commune": make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU)),
        "agent": make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU)),
        "other_province": make_quick_user(session, Role.PROVINCIAL_STAFF,
                                          Scope(province_code="25")),
        "cooperative": None,
    }
    session.commit()
    return {"dai_tu": dai_tu, "tan_cuong": tan_cuong, "vendors": vendors, "users": users}


def _login(client, user):
    assert login(client, user.username).status_code == 302


def test_provincial_staff_open_their_province_on_a_past_day(client, world):
    _login(client, world["users"]["province"])
    response = client.get(f"/stats/?date={PAST.isoformat()}")
    assert response.status_code == 302
    assert response.location.endswith(f"/stats/provinces/{THAI_NGUYEN}?date={PAST.isoformat()}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Tỉnh Thái Nguyên" in page and "31/03/2025" in page
    # 5 active on 31 March (the one who left in June included), 3 cashless: 60 %.
    assert 'data-active>5<' in page and 'data-cashless>3<' in page
    assert "<svg" in page and "Chợ Đại Từ" in page
    # Communes sorted the Vietnamese way: Đại Từ (Đ after D) before Tân Cương.
    table = page[page.index('id="units"'):]
    assert table.index("Xã Đại Từ") < table.index("Xã Tân Cương")


def test_a_table_downloads_as_csv_and_xlsx_with_the_page_figures(client, world):
    _login(client, world["users"]["province"])
    base = f"/stats/provinces/{THAI_NGUYEN}/units"
    response = client.get(f"{base}.csv?date={PAST.isoformat()}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Tên", "Mã"]
    assert ["Xã Đại Từ", DAI_TU, "4", "3", "75.0"] in rows
    assert ["Xã Tân Cương", TAN_CUONG, "1", "0", "0.0"] in rows
    response = client.get(f"{base}.xlsx?date={PAST.isoformat()}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["Xã Đại Từ", DAI_TU, 4, 3, 75.0] in values
    assert client.get(f"/stats/provinces/{THAI_NGUYEN}/nothing.csv").status_code == 404


def test_units_outside_the_area_are_not_found_and_bad_dates_are_explained(client, world):
    _login(client, world["users"]["other_province"])
    assert client.get(f"/stats/provinces/{THAI_NGUYEN}").status_code == 404
    assert client.get(f"/stats/markets/{world['dai_tu'].id}").status_code == 404
    assert client.get(f"/stats/wards/{DAI_TU}/units.csv").status_code == 404
    response = client.get("/stats/provinces/25?date=2025-02-30")
    assert response.status_code == 422
    assert "ngày" in response.get_data(as_text=True).lower()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert client.get(f"/stats/provinces/25?date={tomorrow.isoformat()}").status_code == 422


def test_commune_staff_see_their_commune_and_its_market_but_not_the_province(client, world):
    _login(client, world["users"]["commune"])
    response = client.get("/stats/")
    assert response.location.endswith(f"/stats/wards/{DAI_TU}")
    page = client.get(f"/stats/wards/{DAI_TU}?date={PAST.isoformat()}").get_data(as_text=True)
    assert "Chợ Đại Từ" in page and 'data-share>75,0%<' in page
    assert client.get(f"/stats/provinces/{THAI_NGUYEN}").status_code == 404
    market = client.get(f"/stats/markets/{world['dai_tu'].id}?date={PAST.isoformat()}")
    text = market.get_data(as_text=True)
    assert market.status_code == 200 and "Đặng Thị Ánh 0" in text
    # Commune staff record fees collected cashless; the market page shows it.
    response = client.post(f"/stats/markets/{world['dai_tu'].id}/fees",
                           data={"action": "start", "day": "2025-03-01"})
    assert response.status_code == 303
    assert "01/03/2025" in client.get(f"/stats/markets/{world['dai_tu'].id}").get_data(
        as_text=True)


def test_the_rule_page_adds_versions_and_the_market_says_what_it_lacks(client, world):
    _login(client, world["users"]["province"])
    response = client.post(f"/stats/provinces/{THAI_NGUYEN}/rule", data={
        "effective_from": "2025-01-01", "min_cashless_percent": "100",
        "verified_within_days": "30", "min_listed_products": ""})
    assert response.status_code == 303
    refused = client.post(f"/stats/provinces/{THAI_NGUYEN}/rule", data={
        "effective_from": "2025-01-01", "min_cashless_percent": "150"})
    assert refused.status_code == 422
    assert "từ 0 đến 100" in refused.get_data(as_text=True)
    page = client.get(f"/stats/markets/{world['dai_tu'].id}?date={PAST.isoformat()}").get_data(
        as_text=True)
    assert "cần thêm 1 tiểu thương nhận thanh toán không dùng tiền mặt" in page
    # Commune staff read the rule; they cannot add a version.
    client.post("/logout")
    _login(client, world["users"]["commune"])
    assert client.get(f"/stats/provinces/{THAI_NGUYEN}/rule").status_code == 404


def test_an_agent_records_a_visit_from_the_traders_page(client, world):
    vendor = world["vendors"][0]
    _login(client, world["users"]["agent"])
    form = client.get(f"/vendors/{vendor.id}/visits/new")
    assert form.status_code == 200
    refused = client.post(f"/vendors/{vendor.id}/visits/new", data={"visited_on": "2025-03-20"})
    assert refused.status_code == 422  # both answers reported at once
    text = refused.get_data(as_text=True)
    assert text.count("Vui lòng điền mục này.") == 2
    response = client.post(f"/vendors/{vendor.id}/visits/new", data={
        "visited_on": "2025-03-20", "placard_displayed": "yes", "used_last_30_days": "yes",
        "note": "Khách quét mã hằng ngày"})
    assert response.status_code == 303
    assert "Khách quét mã hằng ngày" in client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    page = client.get(f"/stats/wards/{DAI_TU}?date={PAST.isoformat()}").get_data(as_text=True)
    assert 'data-due>2<' in page  # three cashless, one visited


def test_the_monthly_report_is_a_job_giving_a_pdf_with_the_figures(client, world, tmp_path):
    _login(client, world["users"]["province"])
    response = client.post(f"/stats/provinces/{THAI_NGUYEN}/report", data={"month": "2025-03"})
    assert response.status_code == 303
    wait_for_threads(timeout=120)
    job_page = client.get(response.location)
    assert 'data-status="done"' in job_page.get_data(as_text=True)
    pdf = client.get(response.location + "/file")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert "Báo cáo số hóa chợ tháng 03/2025" in text
    assert "Xã Đại Từ" in text and "Chợ Đại Từ" in text
    # Commune staff may not start a province's report.
    client.post("/logout")
    _login(client, world["users"]["commune"])
    assert client.post(f"/stats/provinces/{THAI_NGUYEN}/report",
                       data={"month": "2025-03"}).status_code == 404
