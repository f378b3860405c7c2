"""The onboarding pages without a browser: the form, its errors beside the fields, duplicates,
idempotent retries, scope, market search and reading a trader's QR sticker from a photo."""
from __future__ import annotations

import io
import re

import pytest
import qrcode
from PIL import Image
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from qr.payload import build_vietqr
from tests.factories import (
    TAN_CUONG,
    THU_DAU_MOT,
    login,
    make_bank_account,
    make_market,
    make_user,
    make_vendor,
)
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor, VendorKind, WalletProvider

JSON = {"Accept": "application/json"}
# A MoMo "QR đa năng" sticker: a NAPAS 247 code paying a MoMo reference at BVBank
# (vietnam-qr-pay README; also in tests/qr/test_payload.py).
MOMO_STICKER = (
    "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN"
    "62190515MOMOW2W3487508080030466304EBC8"
)


@pytest.fixture
def dai_tu(session):
    """An agent working in the commune of Đại Từ, its market, and a market elsewhere."""
    market = make_market(session, name="Chợ Đại Từ")
    other = make_market(session, name="Chợ Tân Cương", ward_code=TAN_CUONG)
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=market.ward_code))
    session.commit()
    return agent, market, other


@pytest.fixture
def agent_client(client, dai_tu):
    agent, _market, _other = dai_tu
    login(client, agent.username)
    return client


def _form(market, **overrides):
    data = {
        "idempotency_key": "key-form-0001", "market_id": str(market.id), "stall_code": "b-12",
        "kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912 345 678", "citizen_id": "",
        "bank_bin": "970436", "account_number": "0011 0012 34567", "account_holder": "NGUYEN THI HOA",
        "wallet_provider": "", "wallet_payload": "", "market_q": "", "csrf_token": "x",
    }
    data.update(overrides)
    return data


def _vendors(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Vendor))


def _error_beside(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.DOTALL)
    assert found, f"no error slot for {field}"
    return found.group(1).strip()


def _photo(payload: str, *, angle: float = 0, fmt: str = "JPEG") -> bytes:
    """A phone-like photo of a sticker: the code on a larger grey background, a little turned."""
    code = qrcode.make(payload, box_size=8, border=4).convert("L")
    photo = Image.new("L", (1200, 900), 180)
    photo.paste(code, (300, 150))
    photo = photo.rotate(angle, fillcolor=180)
    out = io.BytesIO()
    photo.save(out, format=fmt)
    return out.getvalue()


def _scan(client, data: bytes, headers=JSON, **form):
    return client.post("/vendors/scan", headers=headers, content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(data), "sticker.jpg"), **form})


# --- The form -------------------------------------------------------------------------------


def test_the_form_offers_the_agents_markets_banks_and_kinds_with_a_fresh_key(agent_client, dai_tu):
    _agent, market, _other = dai_tu
    html = agent_client.get("/vendors/new").get_data(as_text=True)
    assert "Đăng ký tiểu thương" in html
    assert f'<option value="{market.id}" selected>Chợ Đại Từ' in html  # the only market in scope
    assert "Chợ Tân Cương" not in html
    assert ">Vietcombank</option>" in html
    for label in ("Tiểu thương", "Hộ kinh doanh", "Hợp tác xã"):
        assert label in html
    assert 'inputmode="tel"' in html and 'capture="environment"' in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    again = agent_client.get("/vendors/new").get_data(as_text=True)
    assert key not in again and re.fullmatch(r"[A-Za-z0-9_\-]{8,64}", key)


def test_a_market_can_be_chosen_in_advance(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    second = make_market(session, name="Chợ Hùng Sơn", ward_code=market.ward_code)
    session.commit()
    html = agent_client.get(f"/vendors/new?market_id={second.id}").get_data(as_text=True)
    assert f'<option value="{second.id}" selected>' in html
    assert f'<option value="{market.id}">' in html


def test_a_bad_phone_is_refused_with_its_message_beside_the_field(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    response = agent_client.post("/vendors/new", data=_form(market, phone="0912 34"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_beside(html, "phone") == "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912 345 678)."
    assert re.search(r'id="phone"[^>]*aria-describedby="phone-error" aria-invalid="true"', html, re.DOTALL)
    assert 'value="Nguyễn Thị Hoa"' in html  # what the agent typed is kept
    assert 'name="idempotency_key" value="key-form-0001"' in html
    assert _vendors(session) == 0


def test_a_bank_account_needs_its_holder_beside_that_field(agent_client, dai_tu):
    _agent, market, _other = dai_tu
    response = agent_client.post("/vendors/new", data=_form(market, account_holder=""))
    assert response.status_code == 422
    assert _error_beside(response.get_data(as_text=True), "account_holder") == "Nhập tên chủ tài khoản."


def test_a_registration_leads_to_its_confirmation_and_a_retry_to_the_same_one(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    first = agent_client.post("/vendors/new", data=_form(market))
    assert first.status_code == 303
    vendor_id = session.scalar(select(Vendor.id))
    assert first.headers["Location"] == f"/vendors/{vendor_id}/registered"
    again = agent_client.post("/vendors/new", data=_form(market))
    assert (again.status_code, again.headers["Location"]) == (303, first.headers["Location"])
    assert _vendors(session) == 1

    page = agent_client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Đã đăng ký Nguyễn Thị Hoa" in page
    assert "Vietcombank · 0011001234567 · NGUYEN THI HOA" in page
    # The placard, ready to download and print.
    assert f'href="/qr/vendors/{vendor_id}/placard.pdf?size=a6" download' in page
    assert f"/vendors/new?market_id={market.id}" in page  # the next trader, same market


def test_the_script_path_gets_json_201_then_200_for_the_same_key(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    data = _form(market, idempotency_key="")
    headers = {**JSON, "Idempotency-Key": "key-json-0001"}
    first = agent_client.post("/vendors/new", data=data, headers=headers)
    assert first.status_code == 201
    assert first.json["redirect"] == f"/vendors/{first.json['vendor_id']}/registered"
    again = agent_client.post("/vendors/new", data=data, headers=headers)
    assert again.status_code == 200
    assert again.json["vendor_id"] == first.json["vendor_id"] and again.json["replayed"] is True
    assert _vendors(session) == 1


def test_the_same_key_with_other_content_is_409_with_an_explanation(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    agent_client.post("/vendors/new", data=_form(market))
    changed = _form(market, name="Trần Văn Nam", phone="0987 654 321", account_number="1234567890")
    response = agent_client.post("/vendors/new", data=changed)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "đã dùng cho một lần đăng ký có nội dung khác" in html
    assert "Bắt đầu một đăng ký mới" in html
    # The page carries a new key, so sending this person again registers them once.
    assert 'value="key-form-0001"' not in html
    json_response = agent_client.post("/vendors/new", data=changed, headers=JSON)
    assert json_response.status_code == 409
    assert "nội dung khác" in json_response.json["errors"]["idempotency_key"][0]
    assert _vendors(session) == 1


def test_a_retry_after_the_vendor_moved_out_of_the_area_shows_nothing_of_them(
        agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    first = agent_client.post("/vendors/new", data=_form(market))
    assert first.status_code == 303
    # Moved since to a market of another province, with a new phone (an administrator's change).
    far = make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    vendor = session.scalar(select(Vendor))
    vendor.market_id, vendor.stall_id, vendor.phone = far.id, None, "0987654321"
    session.commit()
    for headers in ({}, JSON):
        response = agent_client.post("/vendors/new", data=_form(market), headers=headers)
        text = response.get_data(as_text=True)
        assert response.status_code == 409, text
        assert "0987654321" not in text and "0987 654 321" not in text
        assert "Thủ Dầu Một" not in text and "Th\\u1ee7 D\\u1ea7u" not in text
        assert f"/vendors/{vendor.id}" not in text
    assert "không còn trong địa bàn của bạn" in response.json["errors"]["idempotency_key"][0]
    assert "vendor_id" not in response.json and "redirect" not in response.json
    assert _vendors(session) == 1


def test_a_duplicate_phone_shows_the_existing_vendor_and_needs_a_confirmation(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    existing = make_vendor(session, market, name="Nguyễn Thị Hoa", phone="0912345678")
    session.commit()
    response = agent_client.post("/vendors/new", data=_form(market, account_number="999888777"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'<a href="/vendors/{existing.id}" target="_blank" rel="noopener">Nguyễn Thị Hoa</a>' in html
    assert "trùng số điện thoại" in html
    assert "Đây là người khác, vẫn đăng ký" in html
    assert _vendors(session) == 1

    confirmed = agent_client.post("/vendors/new", data=_form(market, account_number="999888777",
                                                             allow_duplicate="1"))
    assert confirmed.status_code == 303
    assert _vendors(session) == 2


def test_a_duplicate_outside_the_scope_is_linked_without_its_name(agent_client, dai_tu, session):
    _agent, market, other = dai_tu
    stranger = make_vendor(session, other, name="Lê Văn Xa", citizen_id="001204012345")
    make_bank_account(session, stranger, account_number="0011001234567")
    session.commit()
    response = agent_client.post("/vendors/new", headers=JSON,
                                 data=_form(market, citizen_id="001204012345", phone=""))
    assert response.status_code == 409
    (row,) = response.json["duplicates"]
    assert row["vendor_id"] == stranger.id and row["name"] is None
    assert row["market_name"] is None
    assert "Lê Văn Xa" not in response.get_data(as_text=True)
    assert set(row["reasons"]) == {"số CCCD", "tài khoản ngân hàng"}
    # The page without script links it by number.
    page = agent_client.post("/vendors/new", data=_form(market, citizen_id="001204012345",
                                                       phone="")).get_data(as_text=True)
    assert f"Tiểu thương số {stranger.id} (ngoài địa bàn của bạn)" in page
    assert f'href="/vendors/{stranger.id}"' in page and "Lê Văn Xa" not in page


# --- Who may register where -----------------------------------------------------------------


@pytest.mark.parametrize("role, scope", [
    (Role.PROVINCIAL_STAFF, Scope(province_code="19")),
    (Role.COOPERATIVE_MANAGER, None),
])
def test_roles_that_only_look_get_403(client, session, dai_tu, role, scope):
    _agent, market, _other = dai_tu
    if scope is None:
        cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, ward_code=market.ward_code)
        scope = Scope(cooperative_id=cooperative.id)
    user = make_user(session, role, scope)
    session.commit()
    login(client, user.username)
    assert client.get("/vendors/new").status_code == 403
    assert client.post("/vendors/new", data=_form(market)).status_code == 403
    assert _scan(client, _photo(build_vietqr("970436", "0011001234567"))).status_code == 403
    assert _vendors(session) == (1 if role is Role.COOPERATIVE_MANAGER else 0)


def test_commune_staff_may_register_too(client, session, dai_tu):
    _agent, market, _other = dai_tu
    staff = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=market.ward_code))
    session.commit()
    login(client, staff.username)
    assert client.post("/vendors/new", data=_form(market)).status_code == 303


def test_a_market_outside_the_scope_is_refused_and_its_vendors_not_shown(agent_client, dai_tu, session):
    _agent, _market, other = dai_tu
    response = agent_client.post("/vendors/new", data=_form(other))
    assert response.status_code == 422
    assert _error_beside(response.get_data(as_text=True), "market_id") == "Không có chợ này trong địa bàn của bạn."
    stranger = make_vendor(session, other)
    session.commit()
    assert agent_client.get(f"/vendors/{stranger.id}/registered").status_code == 404


def test_the_buttons_to_the_form_are_on_the_agents_pages(agent_client, dai_tu):
    _agent, market, _other = dai_tu
    assert 'href="/vendors/new"' in agent_client.get("/").get_data(as_text=True)
    assert f'href="/vendors/new?market_id={market.id}"' in agent_client.get(
        f"/vendors/?market={market.id}").get_data(as_text=True)


def test_the_vendor_list_has_no_register_button_for_provincial_staff(client, session):
    user = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    login(client, user.username)
    assert "/vendors/new" not in client.get("/vendors/").get_data(as_text=True)


# --- Market search --------------------------------------------------------------------------


def test_market_search_needs_no_diacritics_and_stays_in_scope(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    session.commit()
    found = agent_client.get("/vendors/markets.json?q=dai%20tu").json["markets"]
    assert found == [{"id": market.id, "name": "Chợ Đại Từ", "ward": "Xã Đại Từ"}]
    assert agent_client.get("/vendors/markets.json?q=tan%20cuong").json["markets"] == []
    assert [m["name"] for m in agent_client.get("/vendors/markets.json?q=").json["markets"]] == ["Chợ Đại Từ"]


def test_without_script_the_market_search_button_rerenders_the_form(client, session):
    admin = make_user(session, Role.ADMIN)
    dai_tu = make_market(session, name="Chợ Đại Từ")
    make_market(session, name="Chợ Tân Cương", ward_code=TAN_CUONG)
    session.commit()
    login(client, admin.username)
    response = client.post("/vendors/new", data=_form(dai_tu, market_id="", market_q="dai tu",
                                                      action="find_market"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<option value="{dai_tu.id}" selected>Chợ Đại Từ' in html and "Chợ Tân Cương" not in html
    assert 'value="Nguyễn Thị Hoa"' in html
    assert _vendors(session) == 0


# --- Reading the trader's QR sticker --------------------------------------------------------


def test_a_photo_of_a_bank_sticker_fills_in_the_bank_and_account(agent_client):
    response = _scan(agent_client, _photo(build_vietqr("970436", "0011001234567"), angle=8))
    assert response.status_code == 200
    assert response.json == {"bank_bin": "970436", "bank_name": "Vietcombank",
                             "account_number": "0011001234567"}


def test_a_momo_sticker_is_named_and_offered_as_an_e_wallet(agent_client):
    response = _scan(agent_client, _photo(MOMO_STICKER, fmt="PNG"))
    assert response.status_code == 422
    body = response.json
    assert body["reason"] == "wallet_code"
    assert "mã ví MoMo, không phải mã chuyển khoản ngân hàng" in body["message"]
    assert "ví điện tử" in body["message"]
    assert body["wallet"] == {"provider": "momo", "name": "MoMo", "payload": MOMO_STICKER}


def test_the_scanned_wallet_code_is_kept_exactly_as_read(agent_client, dai_tu, session):
    _agent, market, _other = dai_tu
    response = agent_client.post("/vendors/new", data=_form(
        market, bank_bin="", account_number="", account_holder="",
        wallet_provider="momo", wallet_payload=MOMO_STICKER))
    assert response.status_code == 303
    method = session.scalar(select(PaymentMethod))
    assert (method.kind, method.wallet_provider) == (PaymentMethodKind.EWALLET, WalletProvider.MOMO)
    assert method.wallet_payload == MOMO_STICKER
    # No bank account, so no VietQR placard to print: the page says so instead of a dead link.
    page = agent_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-no-placard" in page and "placard.pdf" not in page


@pytest.mark.parametrize("photo, reason, words", [
    (lambda: _photo("https://zalo.me/0912345678"), "not_payment", "không phải mã thanh toán"),
    (lambda: _blank_photo(), "no_code", "Không tìm thấy mã QR trong ảnh"),
    (lambda: _photo(_broken_crc(build_vietqr("970436", "0011001234567"))), "damaged",
     "không đọc đúng được"),
    (lambda: b"%PDF-1.7 not a photo", "not_image", "không phải ảnh"),
    (lambda: b"", "no_photo", "Chưa có ảnh"),
], ids=["web-address", "no-code", "damaged", "not-an-image", "empty"])
def test_a_photo_without_a_usable_code_gets_a_clear_message(agent_client, photo, reason, words):
    response = _scan(agent_client, photo())
    assert response.status_code == 422
    assert response.json["reason"] == reason
    assert words in response.json["message"]


def test_a_photo_refusal_reads_in_english_for_an_english_reader(agent_client):
    agent_client.get("/lang/en")
    response = _scan(agent_client, _photo("https://zalo.me/0912345678"))
    assert response.status_code == 422 and response.json["reason"] == "not_payment"
    assert response.json["message"] == (
        "This QR code is not a payment code; it holds «https://zalo.me/0912345678». Photograph "
        "the trader's bank or wallet QR sticker.")


def _blank_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 190, 170)).save(out, format="JPEG")
    return out.getvalue()


def _broken_crc(payload: str) -> str:
    return payload[:-4] + ("0000" if payload[-4:] != "0000" else "FFFF")


def test_an_oversize_photo_is_refused_with_413_and_a_message(agent_client, app):
    too_big = b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = _scan(agent_client, too_big)
    assert response.status_code == 413
    assert response.json["message"] == "Ảnh quá lớn (tối đa 10 MB). Hãy chụp lại với độ phân giải thấp hơn."
    page = _scan(agent_client, too_big, headers={"Accept": "text/html"})
    assert page.status_code == 413 and "Ảnh quá lớn" in page.get_data(as_text=True)


def test_without_script_the_scan_button_fills_the_form_in_place(agent_client, dai_tu):
    _agent, market, _other = dai_tu
    form = {k: v for k, v in _form(market, bank_bin="", account_number="").items()}
    response = _scan(agent_client, _photo(build_vietqr("970436", "0011001234567")),
                     headers={"Accept": "text/html"}, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="970436" selected>Vietcombank</option>' in html
    assert 'name="account_number" value="0011001234567"' in html
    assert 'value="Nguyễn Thị Hoa"' in html

    wallet = _scan(agent_client, _photo(MOMO_STICKER), headers={"Accept": "text/html"}, **form)
    html = wallet.get_data(as_text=True)
    assert wallet.status_code == 422
    assert "mã ví MoMo" in _error_beside(html, "photo")
    assert '<option value="momo" selected>MoMo</option>' in html


# --- Offline support ------------------------------------------------------------------------


def test_the_service_worker_is_served_at_the_root_and_never_cached(client):
    # At the root, so that it may keep any of the agent's pages, not only those under /vendors/.
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"cho40-pages" in response.data


def test_every_field_error_is_reported_on_the_first_submit(agent_client, dai_tu, session):
    """A bad phone, a name too short, no account holder and an account number the bank cannot
    have (Vietcombank's are 13 digits): all four beside their fields at once, not in rounds."""
    _agent, market, _other = dai_tu
    response = agent_client.post("/vendors/new", data=_form(
        market, phone="0912 34", name="H", account_holder="", account_number="12"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("phone", "name", "account_holder", "account_number"):
        assert _error_beside(html, field), f"{field} has no message"
    assert _vendors(session) == 0
    # The schema happy, the database checks still report every field they refuse together.
    other_market = make_market(session, ward_code="04792")  # Phú Thọ: outside the agent's area
    session.commit()
    response = agent_client.post("/vendors/new", data=_form(
        other_market, account_number="12"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_beside(html, "market_id") and _error_beside(html, "account_number")
