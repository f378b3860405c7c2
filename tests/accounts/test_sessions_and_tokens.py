"""Sessions and API tokens that end: a session cookie (or remember cookie) copied before a logout,
a password change, a reset or disabling no longer logs anyone in; tokens expire, are revoked
from the pages and the command line, and a new password revokes them."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select, update

from accounts.models import ApiToken, Role, User
from accounts.service import Scope, issue_api_token, use_api_token
from audit.models import AuditEntry
from tests.factories import DAI_TU, PASSWORD, THAI_NGUYEN, login, make_quick_user

NEW_PASSWORD = "mười quả cam chín"


@pytest.fixture
def people(session):
    users = {
        "admin": make_quick_user(session, Role.ADMIN, username="quantri"),
        "province": make_quick_user(session, Role.PROVINCIAL_STAFF,
                                    Scope(province_code=THAI_NGUYEN), username="tinh"),
        "commune": make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU),
                                   username="xa"),
    }
    session.commit()
    return users


def _client(app, username, password=PASSWORD):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def _replay(app, cookie: str, name: str = "session"):
    """A new client carrying only a copy of a cookie, as someone who took it would."""
    client = app.test_client()
    client.set_cookie(name, cookie)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _api(app, plain: str, path: str = "/api/v1/markets"):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {plain}"})


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, people):
    commune = _client(app, "xa")
    copied = commune.get_cookie("session").value
    assert _replay(app, copied).get("/").status_code == 200  # the copy works while logged in
    other_device = _client(app, "xa")
    assert commune.post("/logout").status_code == 302
    assert commune.get("/").status_code == 302
    replayed = _replay(app, copied).get("/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    # Logging out ends the account's every session: the other device's too.
    assert other_device.get("/").status_code == 302
    # And a new login works as before.
    assert _client(app, "xa").get("/").status_code == 200


def test_a_session_cookie_copied_before_a_password_change_is_refused_after_it(app, people):
    commune = _client(app, "xa")
    copied = commune.get_cookie("session").value
    changed = commune.post("/me/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirmation": NEW_PASSWORD})
    assert changed.status_code == 303
    assert commune.get("/").status_code == 200  # the session that changed it goes on
    assert _replay(app, copied).get("/").status_code == 302


def test_a_session_cookie_copied_before_a_reset_or_disabling_is_refused_after_it(app, session,
                                                                                 people):
    target = people["commune"].id
    staff = _client(app, "tinh")
    before_reset = _client(app, "xa").get_cookie("session").value
    assert staff.post(f"/accounts/{target}/password",
                      data={"action": "generate"}).status_code == 200
    assert _replay(app, before_reset).get("/").status_code == 302

    password = _reset_password(app, staff, target)
    before_disabling = _client(app, "xa", password).get_cookie("session").value
    assert staff.post(f"/accounts/{target}/disable").status_code == 303
    assert _replay(app, before_disabling).get("/").status_code == 302
    # Enabling the account again does not bring the old sessions back.
    assert staff.post(f"/accounts/{target}/enable").status_code == 303
    assert _replay(app, before_disabling).get("/").status_code == 302
    assert _client(app, "xa", password).get("/").status_code == 200


def _reset_password(app, staff, user_id: int) -> str:
    reset = staff.post(f"/accounts/{user_id}/password", data={"action": "generate"})
    return re.search(r"data-password>([^<]+)<", _text(reset)).group(1)


def test_a_remember_cookie_ends_with_the_sessions(app, session, people):
    user = session.get(User, people["commune"].id)
    with app.test_request_context():
        remember = encode_cookie(user.get_id())
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    assert _replay(app, remember, name).get("/").status_code == 200
    assert _client(app, "xa").post("/logout").status_code == 302
    assert _replay(app, remember, name).get("/").status_code == 302


def test_a_new_password_revokes_the_accounts_tokens(app, session, people):
    _token, own = issue_api_token(session, people["commune"], "Máy chủ xã")
    _token, other = issue_api_token(session, people["province"], "Máy chủ tỉnh")
    session.commit()
    assert _api(app, own).status_code == 200
    commune = _client(app, "xa")
    commune.post("/me/password", data={"current_password": PASSWORD,
                                       "new_password": NEW_PASSWORD,
                                       "confirmation": NEW_PASSWORD})
    assert "khóa API của bạn đã bị thu hồi" in _text(commune.get("/me/password"))
    assert _api(app, own).status_code == 401
    assert "Đã thu hồi" in _text(commune.get("/me/tokens"))
    assert _api(app, other).status_code == 200  # another account's token is untouched

    _token, again = issue_api_token(session, people["province"], "Máy chủ tỉnh 2")
    session.commit()
    _reset_password(app, _client(app, "quantri"), people["province"].id)
    assert _api(app, other).status_code == 401 and _api(app, again).status_code == 401


def test_a_disabled_accounts_tokens_stop_working(app, people, session):
    _token, plain = issue_api_token(session, people["commune"], "Máy chủ xã")
    session.commit()
    staff = _client(app, "tinh")
    staff.post(f"/accounts/{people['commune'].id}/disable")
    assert _api(app, plain).status_code == 401


def test_tokens_expire_after_the_configured_lifetime(app, session, people):
    app.config["API_TOKEN_LIFETIME_DAYS"] = 7
    commune = _client(app, "xa")
    issued = _text(commune.post("/me/tokens", data={"name": "Máy tính bảng"}))
    plain = re.search(r"data-token-value>([^<]+)<", issued).group(1)
    assert "Khóa dùng được đến" in issued
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Máy tính bảng"))
    lifetime = token.expires_at - token.created_at
    assert dt.timedelta(days=7) - dt.timedelta(minutes=1) < lifetime <= dt.timedelta(days=7)
    assert _api(app, plain).status_code == 200
    assert use_api_token(session, plain, now=token.expires_at - dt.timedelta(seconds=1))
    assert use_api_token(session, plain, now=token.expires_at) is None
    session.rollback()

    session.execute(update(ApiToken).where(ApiToken.id == token.id)
                    .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    session.commit()
    answer = _api(app, plain)
    assert answer.status_code == 401 and "hết hạn" in answer.get_json()["message"]
    page = _text(commune.get("/me/tokens"))
    assert "Đã hết hạn lúc" in page
    assert f"/tokens/{token.id}/revoke" not in page  # nothing left to revoke


def test_the_token_page_shows_when_each_token_expires(app, session, people):
    issue_api_token(session, people["commune"], "Máy chủ xã")
    session.commit()
    assert "Hết hạn lúc" in _text(_client(app, "xa").get("/me/tokens"))


def test_tokens_are_listed_and_revoked_from_the_command_line(app, runner, session, people):
    first, first_plain = issue_api_token(session, people["commune"], "Máy chủ xã")
    second, second_plain = issue_api_token(session, people["commune"], "Điện thoại")
    third, third_plain = issue_api_token(session, people["province"], "Máy chủ tỉnh")
    session.commit()

    listed = runner.invoke(args=["users", "tokens", "list"])
    assert listed.exit_code == 0, listed.output
    for token in (first, second, third):
        assert f"{token.id}\t{token.user.username}\t{token.name}\tchưa dùng" in listed.output
    only = runner.invoke(args=["users", "tokens", "list", "--user", "tinh"]).output
    assert "Máy chủ tỉnh" in only and "Máy chủ xã" not in only

    revoked = runner.invoke(args=["users", "tokens", "revoke", str(first.id)])
    assert revoked.exit_code == 0 and "Đã thu hồi khóa" in revoked.output
    assert _api(app, first_plain).status_code == 401
    assert _api(app, second_plain).status_code == 200
    assert "Máy chủ xã" not in runner.invoke(args=["users", "tokens", "list"]).output
    assert "thu hồi" in runner.invoke(args=["users", "tokens", "list", "--all"]).output

    everyone = runner.invoke(args=["users", "tokens", "revoke", "--user", "xa"])
    assert everyone.exit_code == 0 and "Đã thu hồi 1 khóa của xa." in everyone.output
    # Each revocation logged, the command line's with no user.
    session.expire_all()
    revocations = session.execute(select(AuditEntry.entity_id, AuditEntry.user_id).where(
        AuditEntry.action == "api_token.revoke")).all()
    assert sorted(revocations) == sorted([(first.id, None), (second.id, None)])
    assert _api(app, second_plain).status_code == 401
    assert _api(app, third_plain).status_code == 200

    unknown = runner.invoke(args=["users", "tokens", "revoke", "999999"])
    assert unknown.exit_code != 0 and "Không tìm thấy khóa API này." in unknown.output
    assert runner.invoke(args=["users", "tokens", "revoke"]).exit_code != 0


def test_the_command_line_issues_a_token_for_some_days(app, runner, session, people):
    issued = runner.invoke(args=["users", "token", "tinh", "--name", "Tạm", "--days", "2"])
    assert issued.exit_code == 0, issued.output
    assert _api(app, issued.output.strip()).status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Tạm"))
    assert dt.timedelta(days=2) - dt.timedelta(minutes=1) < token.expires_at - token.created_at
