"""The accounts pages through the test client: creating, disabling and resetting accounts, one's
own password and API tokens, and a token's last use recorded by the JSON API."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string
from sqlalchemy import select

from accounts.models import ApiToken, Role, User
from accounts.service import Scope, issue_api_token
from tests.conftest import make_app
from tests.factories import DAI_TU, PASSWORD, THAI_NGUYEN, login, make_quick_user

NEW_PASSWORD = "mười quả cam chín"


@pytest.fixture
def people(session):
    users = {
        "admin": make_quick_user(session, Role.ADMIN, username="quantri"),
        "province": make_quick_user(session, Role.PROVINCIAL_STAFF,
                                    Scope(province_code=THAI_NGUYEN), username="tinh"),
        "commune": make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU),
                                   username="xa", full_name="Hà Thị Xã"),
    }
    session.commit()
    return users


def _client(app, username, password=PASSWORD):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _user(session, username) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def test_an_admin_creates_an_account_and_its_generated_password_is_shown_once(app, session,
                                                                             people):
    admin = _client(app, "quantri")
    form = admin.get("/accounts/new")
    assert form.status_code == 200 and 'name="csrf_token"' in _text(form)
    created = admin.post("/accounts/new", data={
        "username": "Nguyen.Hoa", "full_name": "Nguyễn Thị Hoa", "role": "commune_staff",
        "province_code": THAI_NGUYEN, "ward_code": DAI_TU, "action": "save"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    password = re.search(r"data-password>([^<]+)<", _text(created)).group(1)
    user = _user(session, "nguyen.hoa")
    assert (user.role, user.ward_code, user.full_name) == (Role.COMMUNE_STAFF, DAI_TU,
                                                           "Nguyễn Thị Hoa")
    assert password not in _text(admin.get(f"/accounts/{user.id}"))
    assert login(app.test_client(), "nguyen.hoa", password).status_code == 302


def test_a_chosen_password_is_not_shown_again(app, session, people):
    admin = _client(app, "quantri")
    created = admin.post("/accounts/new", data={
        "username": "to.daitu", "role": "onboarding_agent", "province_code": THAI_NGUYEN,
        "ward_code": DAI_TU, "password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert created.status_code == 303
    page = admin.get(created.headers["Location"])
    assert "Đã tạo tài khoản to.daitu." in _text(page) and NEW_PASSWORD not in _text(page)
    assert _user(session, "to.daitu").ward_code == DAI_TU


def test_the_new_account_form_reports_every_error_at_once_and_keeps_no_password(app, people):
    admin = _client(app, "quantri")
    refused = admin.post("/accounts/new", data={
        "username": "xa", "role": "commune_staff", "password": "1234567890",
        "confirmation": "khác"})
    page = _text(refused)
    assert refused.status_code == 422
    for message in ("Tên đăng nhập «xa» đã có người dùng.", "Mật khẩu quá dễ đoán",
                    "Hai lần nhập mật khẩu không khớp nhau.", "Vai trò này cần đúng một phạm vi"):
        assert message in page
    assert "1234567890" not in page


def test_the_form_lists_the_communes_of_the_province_chosen(app, people):
    admin = _client(app, "quantri")
    before = _text(admin.get("/accounts/new"))
    assert "Xã Đại Từ" not in before
    refreshed = admin.post("/accounts/new", data={
        "action": "refresh", "username": "moi", "role": "commune_staff",
        "province_code": THAI_NGUYEN})
    assert refreshed.status_code == 200
    assert f'<option value="{DAI_TU}">Xã Đại Từ</option>' in _text(refreshed)
    assert 'value="moi"' in _text(refreshed)


def test_provincial_staff_cannot_make_an_admin_nor_staff_of_another_province(app, session,
                                                                             people):
    staff = _client(app, "tinh")
    form = _text(staff.get("/accounts/new"))
    assert 'value="admin"' not in form and 'value="79"' not in form
    admin = staff.post("/accounts/new", data={"username": "quantri.moi", "role": "admin"})
    assert admin.status_code == 422
    assert "Chỉ quản trị viên được tạo tài khoản quản trị viên." in _text(admin)
    elsewhere = staff.post("/accounts/new", data={"username": "hcm", "role": "provincial_staff",
                                                  "province_code": "79"})
    assert elsewhere.status_code == 422 and "Không có tỉnh/thành mã 79." in _text(elsewhere)
    assert _user(session, "quantri.moi") is None and _user(session, "hcm") is None


def test_disabling_an_account_ends_its_session_and_login(app, session, people):
    commune = _client(app, "xa")
    assert commune.get("/").status_code == 200
    staff = _client(app, "tinh")
    target = people["commune"].id
    assert staff.post(f"/accounts/{target}/disable").status_code == 303
    assert "Đã khóa" in _text(staff.get(f"/accounts/{target}"))
    assert commune.get("/").status_code == 302  # the open session has ended
    refused = login(app.test_client(), "xa")
    assert refused.status_code == 403 and "Tài khoản này đã bị khóa." in _text(refused)
    assert staff.post(f"/accounts/{target}/enable").status_code == 303
    assert login(app.test_client(), "xa").status_code == 302


def test_an_account_cannot_disable_itself_from_the_page(app, session, people):
    admin = _client(app, "quantri")
    me = people["admin"].id
    page = _text(admin.get(f"/accounts/{me}"))
    assert f"/accounts/{me}/disable" not in page  # no button for it
    refused = admin.post(f"/accounts/{me}/disable")
    assert refused.status_code == 403
    assert "Bạn không thể tự khóa tài khoản của mình." in _text(refused)
    assert _user(session, "quantri").active


def test_a_reset_shows_the_new_password_once_and_ends_the_accounts_sessions(app, session,
                                                                            people):
    commune = _client(app, "xa")
    staff = _client(app, "tinh")
    reset = staff.post(f"/accounts/{people['commune'].id}/password", data={"action": "generate"})
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    password = re.search(r"data-password>([^<]+)<", _text(reset)).group(1)
    assert commune.get("/").status_code == 302
    assert login(app.test_client(), "xa", password).status_code == 302
    mismatch = staff.post(f"/accounts/{people['commune'].id}/password",
                          data={"action": "set", "password": NEW_PASSWORD,
                                "confirmation": "khác"})
    assert mismatch.status_code == 422
    assert "Hai lần nhập mật khẩu không khớp nhau." in _text(mismatch)


def test_changing_role_and_scope_from_the_page(app, session, people):
    staff = _client(app, "tinh")
    saved = staff.post(f"/accounts/{people['commune'].id}", data={
        "full_name": "Hà Thị Xã", "role": "onboarding_agent", "province_code": THAI_NGUYEN})
    assert saved.status_code == 303
    user = _user(session, "xa")
    assert (user.role, user.province_code, user.ward_code) == (Role.ONBOARDING_AGENT,
                                                               THAI_NGUYEN, None)


def test_provincial_staff_list_only_their_provinces_accounts(app, session, people):
    make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code="25747"), username="hcm.xa")
    session.commit()
    page = _text(_client(app, "tinh").get("/accounts/"))
    assert 'data-account="xa"' in page and 'data-account="tinh"' in page
    assert 'data-account="hcm.xa"' not in page and 'data-account="quantri"' not in page
    assert 'data-account="hcm.xa"' in _text(_client(app, "quantri").get("/accounts/?q=hcm"))


def test_changing_ones_own_password(app, session, people):
    commune = _client(app, "xa")
    other_device = _client(app, "xa")
    refused = commune.post("/me/password", data={
        "current_password": "sai", "new_password": "1234567890", "confirmation": "x"})
    assert refused.status_code == 422
    for message in ("Mật khẩu hiện tại không đúng.", "Mật khẩu quá dễ đoán",
                    "Hai lần nhập mật khẩu mới không khớp nhau."):
        assert message in _text(refused)
    changed = commune.post("/me/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirmation": NEW_PASSWORD})
    assert changed.status_code == 303
    assert "Đã đổi mật khẩu." in _text(commune.get("/me/password"))  # this session goes on
    assert other_device.get("/").status_code == 302  # the others end
    assert login(app.test_client(), "xa", NEW_PASSWORD).status_code == 302


def test_tokens_are_issued_shown_once_used_and_revoked_from_the_page(app, session, people):
    commune = _client(app, "xa")
    assert "Chưa có khóa API nào." in _text(commune.get("/me/tokens"))
    assert commune.post("/me/tokens", data={"name": ""}).status_code == 422
    issued = commune.post("/me/tokens", data={"name": "Máy chủ xã"})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    plain = re.search(r"data-token-value>([^<]+)<", _text(issued)).group(1)
    listing = _text(commune.get("/me/tokens"))
    assert "Máy chủ xã" in listing and "Chưa dùng lần nào" in listing and plain not in listing

    api = app.test_client()
    bearer = {"Authorization": f"Bearer {plain}"}
    assert api.get("/api/v1/markets", headers=bearer).status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Máy chủ xã"))
    assert token.last_used_at is not None
    assert "Dùng lần cuối" in _text(commune.get("/me/tokens"))

    revoked = commune.post(f"/tokens/{token.id}/revoke", data={"next": "/me/tokens"})
    assert revoked.status_code == 303 and revoked.headers["Location"] == "/me/tokens"
    assert "Đã thu hồi" in _text(commune.get("/me/tokens"))
    assert api.get("/api/v1/markets", headers=bearer).status_code == 401


def test_a_refused_api_write_still_records_the_tokens_use(app, session, people):
    token, plain = issue_api_token(session, people["province"], "chỉ đọc")
    session.commit()
    answer = app.test_client().post("/api/v1/vendors", json={},
                                    headers={"Authorization": f"Bearer {plain}"})
    assert answer.status_code == 403
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at is not None


def test_administrators_see_and_revoke_everyones_tokens(app, session, people):
    token, _plain = issue_api_token(session, people["commune"], "Điện thoại của xã")
    session.commit()
    assert _client(app, "tinh").get("/accounts/tokens").status_code == 403
    assert _client(app, "xa").post(f"/tokens/{token.id}/revoke").status_code == 303
    other, _plain = issue_api_token(session, people["commune"], "Máy tính bảng")
    session.commit()
    admin = _client(app, "quantri")
    page = _text(admin.get("/accounts/tokens"))
    assert "Máy tính bảng" in page and "Điện thoại của xã" in page and "Hà Thị Xã" in page
    assert "Máy tính bảng" in _text(admin.get(f"/accounts/{people['commune'].id}"))
    assert admin.post(f"/tokens/{other.id}/revoke").status_code == 303
    assert _client(app, "tinh").post(f"/tokens/{other.id}/revoke").status_code == 404


def test_the_navigation_links_to_the_accounts_pages_by_role(app, people):
    for username, manages in (("quantri", True), ("tinh", True), ("xa", False)):
        page = _text(_client(app, username).get("/"))
        assert 'href="/me/password"' in page and 'href="/me/tokens"' in page
        assert ('href="/accounts/"' in page) is manages


def test_the_account_forms_work_with_csrf_tokens(database_url, session, people):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_form = _text(client.get("/login"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_form).group(1)
    client.post("/login", data={"username": "xa", "password": PASSWORD, "csrf_token": csrf})
    assert client.post("/me/tokens", data={"name": "Không có mã"}).status_code == 400
    page = _text(client.get("/me/tokens"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/me/tokens", data={"name": "Có mã", "csrf_token": csrf}).status_code == 200


def test_a_template_rendered_outside_a_request_has_no_accounts_link(app):
    # A job (the monthly report) renders the app's templates with no request and no user.
    with app.app_context():
        assert render_template_string("{{ may_manage_accounts }}") == "False"


def test_a_page_number_past_the_list_is_an_empty_page(app, people):
    page = _client(app, "quantri").get("/accounts/?page=99999999999999999999")
    assert page.status_code == 200 and "Không có tài khoản nào phù hợp." in _text(page)
