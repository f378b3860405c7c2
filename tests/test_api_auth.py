"""Bearer tokens on every /api/v1 route, the scope of each role, masked contact details, CSRF."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from accounts.models import ApiToken, Role, User
from tests.api_area import refused, snapshot
from tests.conftest import make_app
from tests.factories import login, make_user, make_vendor


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<[^>]+>", "1", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def test_every_api_route_needs_a_token(app, client, session, area):
    routes = list(_api_routes(app))
    assert len(routes) == 38
    before = snapshot(session)
    for method, path in routes:
        response = client.open(path, method=method, json={"name": "Chợ Mới", "ward_code": "05830"})
        body = refused(response, 401, "Authorization: Bearer")
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), (method, path)
        assert "errors" not in body
    assert snapshot(session) == before


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz", "Bearer cho40_not-a-real-token",
    "Bearer " + "x" * 500,
])
def test_a_malformed_or_unknown_token_is_refused(client, area, header):
    refused(client.get("/api/v1/markets", headers={"Authorization": header}), 401)


def test_a_valid_token_acts_as_its_user(client, area):
    response = client.get("/api/v1/markets", headers=area.auth(Role.ADMIN))
    assert response.status_code == 200
    assert {m["name"] for m in response.get_json()} == {"Chợ Đại Từ", "Chợ Thủ Dầu Một"}


def test_a_revoked_token_is_refused(client, session, area):
    user_id = area.users[Role.ONBOARDING_AGENT].id
    session.execute(update(ApiToken).where(ApiToken.user_id == user_id)
                    .values(revoked_at=dt.datetime.now(dt.UTC)))
    session.commit()
    refused(client.get("/api/v1/markets", headers=area.auth(Role.ONBOARDING_AGENT)), 401,
            "thu hồi")


def test_the_token_of_a_disabled_account_is_refused(client, session, area):
    session.execute(update(User).where(User.id == area.users[Role.COMMUNE_STAFF].id)
                    .values(active=False))
    session.commit()
    refused(client.get("/api/v1/vendors", headers=area.auth(Role.COMMUNE_STAFF)), 401)


def test_a_logged_in_browser_session_is_not_an_api_token(client, session, area):
    make_user(session, Role.ADMIN, username="quantri")
    session.commit()
    assert login(client, "quantri").status_code == 302
    refused(client.get("/api/v1/markets"), 401)


def test_the_api_takes_no_csrf_token_but_the_pages_still_need_one(database_url, area):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(f"/api/v1/markets/{area.market.id}/stalls", json={"code": "c-7"},
                           headers=area.auth(Role.ONBOARDING_AGENT))
    assert response.status_code == 201, response.get_json()
    page = client.post("/login", data={"username": area.users[Role.ADMIN].username,
                                        "password": "x"})
    assert page.status_code == 400 and "text/html" in page.content_type
    from db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_each_role_reads_only_its_area(client, session, area):
    make_vendor(session, area.far_market, name="Lê Văn Xa")
    make_vendor(session, area.market, name="Trần Thị Gần")
    session.commit()

    def names(role, path):
        response = client.get(path, headers=area.auth(role))
        assert response.status_code == 200
        return {item["name"] for item in response.get_json()}

    assert names(Role.ADMIN, "/api/v1/vendors") == {"Lê Văn Xa", "Trần Thị Gần",
                                                    "HTX Chè Tân Cương"}
    assert names(Role.PROVINCIAL_STAFF, "/api/v1/vendors") == {"Trần Thị Gần", "HTX Chè Tân Cương"}
    assert names(Role.COMMUNE_STAFF, "/api/v1/vendors") == {"Trần Thị Gần"}
    assert names(Role.ONBOARDING_AGENT, "/api/v1/vendors") == {"Trần Thị Gần"}
    assert names(Role.COOPERATIVE_MANAGER, "/api/v1/vendors") == {"HTX Chè Tân Cương"}
    assert names(Role.PROVINCIAL_STAFF, "/api/v1/markets") == {"Chợ Đại Từ"}
    assert names(Role.COOPERATIVE_MANAGER, "/api/v1/markets") == set()
    refused(client.get(f"/api/v1/markets/{area.far_market.id}",
                       headers=area.auth(Role.COMMUNE_STAFF)), 404, "địa bàn")


@pytest.mark.parametrize("role, shown", [
    (Role.ADMIN, True), (Role.COMMUNE_STAFF, True), (Role.ONBOARDING_AGENT, True),
    (Role.PROVINCIAL_STAFF, False),
])
def test_phone_and_citizen_id_are_masked_for_roles_that_may_not_see_them(client, session, area,
                                                                          role, shown):
    vendor = make_vendor(session, area.market, name="Trần Thị Gần", phone="0912345678",
                         citizen_id="001234567890")
    session.commit()
    for path in (f"/api/v1/vendors/{vendor.id}", "/api/v1/vendors?q=tran"):
        body = client.get(path, headers=area.auth(role)).get_json()
        item = body if isinstance(body, dict) else body[0]
        if shown:
            assert (item["phone"], item["citizen_id"]) == ("0912345678", "001234567890")
        else:
            assert (item["phone"], item["citizen_id"]) == ("•••••••678", "•••••••••890")


def test_provincial_staff_read_but_may_not_write(client, session, area):
    headers = area.auth(Role.PROVINCIAL_STAFF)
    before = snapshot(session)
    writes = [
        ("POST", "/api/v1/markets", {"name": "Chợ Mới", "ward_code": "05830"}),
        ("PATCH", f"/api/v1/markets/{area.market.id}", {"name": "Chợ Đại Từ Mới"}),
        ("POST", f"/api/v1/markets/{area.market.id}/stalls", {"code": "B-1"}),
        ("PATCH", f"/api/v1/markets/{area.market.id}/stalls/{area.stall.id}", {"zone": "Khu B"}),
        ("POST", "/api/v1/vendors", {"name": "Trần Thị Mới", "market_id": area.market.id}),
        ("PATCH", f"/api/v1/vendors/{area.cooperative.id}", {"name": "HTX Mới"}),
        ("POST", f"/api/v1/vendors/{area.cooperative.id}/close", {"left_on": "2025-01-01"}),
        ("POST", f"/api/v1/vendors/{area.cooperative.id}/payment-methods",
         {"kind": "ewallet", "wallet_provider": "momo"}),
    ]
    for method, path, body in writes:
        refused(client.open(path, method=method, json=body, headers=headers), 403,
                "không được")
    assert snapshot(session) == before


def test_a_token_from_the_users_cli_opens_the_api(client, runner, area):
    result = runner.invoke(args=["users", "token", area.users[Role.COMMUNE_STAFF].username,
                                 "--name", "máy chủ xã"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/v1/markets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [m["name"] for m in response.get_json()] == ["Chợ Đại Từ"]
