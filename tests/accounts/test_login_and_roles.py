"""Login, each role's home page, the data scope of each role, CSRF and the users CLI."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import Role, User
from accounts.service import AccountError, Scope, authenticate, create_user
from audit.models import AuditEntry
from tests.conftest import make_app
from tests.factories import (
    PASSWORD,
    ROLE_HOME_HEADINGS,
    THU_DAU_MOT,
    login,
    make_market,
    make_user,
    make_vendor,
)
from vendors.models import VendorKind


def test_passwords_are_hashed_and_checked(session):
    user = make_user(session, username="canbo")
    assert PASSWORD not in user.password_hash
    assert authenticate(session, "CanBo ", PASSWORD) == user
    assert authenticate(session, "canbo", "wrong password") is None


def test_wrong_password_shows_a_vietnamese_message_and_no_session(client, session):
    make_user(session, username="canbo")
    session.commit()
    response = login(client, "canbo", "sai mật khẩu")
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_pages_need_login(client):
    response = client.get("/vendors/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_does_not_redirect_off_site(client, session):
    make_user(session, username="canbo")
    session.commit()
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD,
                                           "next": "https://evil.example/x"})
    assert response.headers["Location"] == "/"


def _scoped_users(session):
    market = make_market(session, name="Chợ Đại Từ")
    coop = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè Tân Cương",
                       ward_code="05503")
    return {
        Role.ADMIN: make_user(session, Role.ADMIN),
        Role.PROVINCIAL_STAFF: make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19")),
        Role.COMMUNE_STAFF: make_user(session, Role.COMMUNE_STAFF, Scope(ward_code="05830")),
        Role.ONBOARDING_AGENT: make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id)),
        Role.COOPERATIVE_MANAGER: make_user(session, Role.COOPERATIVE_MANAGER,
                                            Scope(cooperative_id=coop.id)),
    }




@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_home_page(app, session, role):
    users = _scoped_users(session)
    session.commit()
    client = app.test_client()
    assert login(client, users[role].username).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert f'data-home="{role.value}"' in page
    assert ROLE_HOME_HEADINGS[role] in page


def test_scope_hides_other_provinces_markets_and_vendors(client, session):
    here = make_market(session, name="Chợ Đại Từ")
    elsewhere = make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    far_vendor = make_vendor(session, elsewhere, name="Trần Văn Xa")
    make_vendor(session, here, name="Lê Thị Gần")
    user = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code="05830"))
    session.commit()
    login(client, user.username)
    listing = client.get("/vendors/").get_data(as_text=True)
    assert "Lê Thị Gần" in listing and "Trần Văn Xa" not in listing
    assert client.get(f"/vendors/{far_vendor.id}").status_code == 404
    assert client.get(f"/markets/{elsewhere.id}").status_code == 404
    assert client.get(f"/markets/{here.id}").status_code == 200


def test_provincial_staff_see_phones_masked_and_commune_staff_in_full(app, session):
    vendor = make_vendor(session, name="Hà Thị Mai", phone="0912345678", citizen_id="019180001234")
    provincial = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    commune = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code="05830"))
    session.commit()
    as_province, as_commune = app.test_client(), app.test_client()
    login(as_province, provincial.username)
    login(as_commune, commune.username)
    hidden = as_province.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    shown = as_commune.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "0912345678" not in hidden and "019180001234" not in hidden and "678" in hidden
    assert "0912345678" in shown and "019180001234" in shown


def test_a_role_needs_exactly_its_kind_of_scope(session):
    with pytest.raises(AccountError):
        create_user(session, username="tinh", password=PASSWORD, full_name="x",
                    role=Role.PROVINCIAL_STAFF, scope=Scope(ward_code="05830"))
    with pytest.raises(AccountError):
        create_user(session, username="tinh", password=PASSWORD, full_name="x",
                    role=Role.PROVINCIAL_STAFF, scope=Scope(province_code="99"))
    with pytest.raises(AccountError, match="10"):
        create_user(session, username="tinh", password="short", full_name="x",
                    role=Role.ADMIN)


def test_forms_without_a_csrf_token_are_refused(database_url, session):
    make_user(session, username="canbo")
    session.commit()
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD})
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True)


def test_flask_users_create_makes_the_first_admin(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "Admin",
                                 "--full-name", "Quản trị viên", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "admin"))
    assert user.role is Role.ADMIN and user.full_name == "Quản trị viên"
    # Logged as made from the command line (no user), without the password.
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "account",
                                                     AuditEntry.entity_id == user.id)).one()
    assert (entry.action, entry.user_id) == ("account.create", None)
    assert entry.after["username"] == "admin" and PASSWORD not in repr(entry.after)


def test_flask_users_create_explains_a_bad_scope(runner):
    result = runner.invoke(args=["users", "create", "--username", "tinh", "--role",
                                 "provincial_staff", "--province", "99", "--password", PASSWORD])
    assert result.exit_code == 2
    assert "Không có tỉnh/thành mã 99." in result.output


def test_login_with_the_pages_csrf_token_succeeds(database_url, session):
    make_user(session, username="canbo")
    session.commit()
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
