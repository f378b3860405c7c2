"""QR pages: a vendor's placard and codes, a market's sheets, their parameters and who may see
them."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from accounts.models import Role
from accounts.service import Scope
from qr.placard_data import market_placards
from tests.factories import THU_DAU_MOT, login, make_market, make_user
from tests.qr import pdf_checks
from tests.qr.conftest import transfer_of


def _agent(session, market_id: int):
    user = make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market_id))
    session.commit()
    return user


def test_vendor_page_offers_the_placard_and_codes_for_download(client, session, market):
    login(client, _agent(session, market.id).username)
    vendor_id = market_placards(session, market.id)[0].vendor_id
    page = client.get(f"/vendors/{vendor_id}").get_data(as_text=True)
    for path in ("placard.pdf?size=a6", "placard.pdf?size=a4", "code.png", "code.svg"):
        assert f"/qr/vendors/{vendor_id}/{path}" in page

    pdf = client.get(f"/qr/vendors/{vendor_id}/placard.pdf?size=a4")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert pdf_checks.page_sizes_mm(pdf.data) == [(210, 297)]

    png = client.get(f"/qr/vendors/{vendor_id}/code.png?scale=4")
    assert png.mimetype == "image/png"
    transfer = transfer_of(zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text)
    assert (transfer.bin, transfer.account) == ("970422", "0961234567")
    svg = client.get(f"/qr/vendors/{vendor_id}/code.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.count(b"<path") == 1


def test_a_vendor_without_a_bank_account_gets_a_message_not_a_placard(client, session, market):
    login(client, _agent(session, market.id).username)
    page = client.get(f"/vendors/{market.without_account}").get_data(as_text=True)
    assert "data-no-placard" in page and "/placard.pdf" not in page
    for path in ("placard.pdf", "code.png", "code.svg"):
        response = client.get(f"/qr/vendors/{market.without_account}/{path}")
        assert response.status_code == 404
        assert "chưa có tài khoản ngân hàng đang dùng" in response.get_data(as_text=True)


def test_market_page_offers_sheets_and_the_route_returns_them(client, session, market):
    login(client, _agent(session, market.id).username)
    page = client.get(f"/markets/{market.id}").get_data(as_text=True)
    for per_page in (1, 2, 4):
        assert f"/qr/markets/{market.id}/placards.pdf?per_page={per_page}" in page
    response = client.get(f"/qr/markets/{market.id}/placards.pdf?per_page=4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(pdf_checks.page_sizes_mm(response.data)) == 3
    empty = make_market(session, name="Chợ Trống")
    session.commit()
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    response = client.get(f"/qr/markets/{empty.id}/placards.pdf")
    assert response.status_code == 404 and "Chợ Trống" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/qr/vendors/{vendor}/placard.pdf?size=a5", "Khổ giấy phải là a6 hoặc a4."),
        ("/qr/vendors/{vendor}/code.png?scale=0", "Cỡ ô mã phải từ 2 đến 40 điểm ảnh."),
        ("/qr/vendors/{vendor}/code.png?scale=big", "Cỡ ô mã phải là số nguyên từ 2 đến 40."),
        ("/qr/markets/{market}/placards.pdf?per_page=3", "Số bảng mỗi trang phải là 1, 2 hoặc 4."),
        ("/qr/markets/{market}/placards.pdf?per_page=tư", "Số bảng mỗi trang phải là 1, 2 hoặc 4."),
    ],
)
def test_bad_parameters_get_a_422_in_vietnamese(client, session, market, path, message):
    login(client, _agent(session, market.id).username)
    vendor = market_placards(session, market.id)[0].vendor_id
    response = client.get(path.format(vendor=vendor, market=market.id))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_placards_outside_a_persons_scope_are_not_found(app, client, session, market):
    login(client, _agent(session, market.id).username)
    assert client.get(f"/qr/vendors/{market.elsewhere}/placard.pdf").status_code == 404
    assert client.get(f"/qr/vendors/{market.elsewhere}/code.svg").status_code == 404
    outsider = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=THU_DAU_MOT))
    session.commit()
    client = app.test_client()
    login(client, outsider.username)
    assert client.get(f"/qr/markets/{market.id}/placards.pdf").status_code == 404
    vendor = market_placards(session, market.id)[0].vendor_id
    assert client.get(f"/qr/vendors/{vendor}/code.png").status_code == 404


def test_placards_need_a_login(client, market):
    response = client.get(f"/qr/markets/{market.id}/placards.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
