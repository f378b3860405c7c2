"""Rate limits per logged-in user (rate_limits.py): sticker scans, downloads of PDFs and export
files, and the registrations and changes of traders that tell whether a phone or citizen ID is
already recorded. Over a limit: 429 with Retry-After, the error page or the JSON error shape."""
from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.service import Scope, issue_api_token
from tests.factories import login, make_market, make_quick_user, make_vendor


def _text(response) -> str:
    return response.get_data(as_text=True)


def _limited_page(response, sentence: str) -> None:
    assert response.status_code == 429, _text(response)
    assert response.mimetype == "text/html"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert sentence in _text(response) and "Vui lòng thử lại sau" in _text(response)


def _limited_json(response, sentence: str) -> None:
    assert response.status_code == 429, _text(response)
    body = response.get_json()
    assert body["code"] == 429 and body["reason"] == "too_many_requests"
    assert body["message"].startswith(sentence)
    assert 0 < int(response.headers["Retry-After"]) <= 60


@pytest.fixture
def place(session):
    market = make_market(session, name="Chợ Đại Từ")
    vendor = make_vendor(session, market, name="Bà Tư Rau")
    agents = [make_quick_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id))
              for _ in range(2)]
    admin = make_quick_user(session, Role.ADMIN)
    token = issue_api_token(session, admin, "tests")[1]
    session.commit()
    return {"market": market, "vendor": vendor, "agents": agents, "admin": admin,
            "bearer": {"Authorization": f"Bearer {token}"}}


def _client(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


SCANS = "Bạn đã quét quá nhiều ảnh mã QR trong thời gian ngắn."


def test_sticker_scans_are_limited_per_user_across_the_pages_that_scan(app, place):
    app.config["SCAN_LIMIT"] = "3 per minute"
    agent = _client(app, place["agents"][0])
    vendor_id = place["vendor"].id
    # An unreadable photo is a scan all the same.
    assert agent.post("/vendors/scan", data={}).status_code == 422
    assert agent.post("/vendors/scan", data={},
                      headers={"Accept": "application/json"}).status_code == 422
    # The payment-method form counts only when it reads a photo.
    add = f"/vendors/{vendor_id}/payment-methods/new"
    for _ in range(3):
        assert agent.post(add, data={"kind": "bank_account"}).status_code == 422
    assert agent.post(add, data={"action": "scan"}).status_code == 422
    _limited_page(agent.post(add, data={"action": "scan"}), SCANS)
    _limited_page(agent.post("/vendors/scan", data={}), SCANS)
    _limited_json(agent.post("/vendors/scan", data={}, headers={"Accept": "application/json"}),
                  SCANS)
    assert agent.post(add, data={"kind": "bank_account"}).status_code == 422  # not a scan
    # Another agent scans as usual.
    assert _client(app, place["agents"][1]).post("/vendors/scan", data={}).status_code == 422


DOWNLOADS = "Bạn đã tải quá nhiều tệp trong thời gian ngắn."


def test_downloads_of_pdfs_tables_and_export_files_are_limited_together(app, place):
    app.config["DOWNLOAD_LIMIT"] = "3 per minute"
    market_id = place["market"].id
    admin = _client(app, place["admin"])
    assert admin.get(f"/qr/markets/{market_id}/placards.pdf").status_code == 404  # no placard
    assert admin.get(f"/stats/markets/{market_id}/nothing.csv").status_code == 404
    api = app.test_client()
    assert api.get("/api/v1/exports/999/file", headers=place["bearer"]).status_code == 404
    _limited_json(api.get("/api/v1/exports/999/file", headers=place["bearer"]), DOWNLOADS)
    _limited_page(admin.get(f"/stats/markets/{market_id}/stalls.xlsx"), DOWNLOADS)
    _limited_page(admin.get(f"/qr/vendors/{place['vendor'].id}/placard.pdf"), DOWNLOADS)
    _limited_page(admin.get("/catalog/exports/999/file"), DOWNLOADS)
    # Pages are not downloads.
    assert admin.get(f"/stats/markets/{market_id}").status_code == 200
    # Nor is anyone else held up.
    other = _client(app, place["agents"][0])
    assert other.get(f"/qr/markets/{market_id}/placards.pdf").status_code == 404


LOOKUPS = "Bạn đã gửi quá nhiều lượt đăng ký hoặc sửa thông tin tiểu thương"


def test_registrations_and_changes_that_look_up_duplicates_are_limited(app, place):
    app.config["DUPLICATE_LOOKUP_LIMIT"] = "2 per minute"
    vendor_id = place["vendor"].id
    api = app.test_client()
    for name in ("Bà Tư", "Bà Tư Rau Sạch"):
        assert api.patch(f"/api/v1/vendors/{vendor_id}", json={"name": name},
                         headers=place["bearer"]).status_code == 200
    _limited_json(api.patch(f"/api/v1/vendors/{vendor_id}", json={"phone": "0912345678"},
                            headers=place["bearer"]), LOOKUPS)
    _limited_json(api.post("/api/v1/vendors", json={
        "market_id": place["market"].id, "name": "Chú Năm", "phone": "0987654321",
        "joined_on": "2025-01-01"}, headers=place["bearer"]), LOOKUPS)
    # The same user on the pages: the same count.
    admin = _client(app, place["admin"])
    _limited_page(admin.post("/vendors/new", data={"name": "Chú Năm"}), LOOKUPS)
    _limited_page(admin.post(f"/vendors/{vendor_id}/edit", data={"name": "Bà Tư"}), LOOKUPS)
    # Looking at the form, or searching its markets, looks nothing up.
    assert admin.get("/vendors/new").status_code == 200
    assert admin.post("/vendors/new", data={"action": "find_market",
                                            "market_q": "Đại Từ"}).status_code == 200
    assert admin.get(f"/vendors/{vendor_id}/edit").status_code == 200



def test_the_counters_live_in_redis_when_redis_url_is_set(monkeypatch, tmp_path):
    import config

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert config.load_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    monkeypatch.delenv("REDIS_URL")
    assert config.load_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "memory://"


def test_two_servers_sharing_redis_share_the_count(database_url, session):
    """Failed logins on one server count on the other: the counters are in Redis."""
    import uuid

    import redis

    from tests.conftest import make_app

    redis_url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    username = f"redis.{uuid.uuid4().hex[:12]}"  # a count of its own, whatever ran before
    make_quick_user(session, Role.ADMIN, username=username)
    session.commit()
    limits = {"RATELIMIT_STORAGE_URI": redis_url, "LOGIN_LIMIT_PER_USER": "2 per minute"}
    first = make_app(database_url, **limits).test_client()
    for _ in range(2):
        assert login(first, username, "sai mật khẩu").status_code == 400
    second = make_app(database_url, **limits).test_client()
    assert login(second, username).status_code == 429



def test_without_its_redis_the_limits_count_in_memory_rather_than_fail(database_url, session):
    from tests.conftest import make_app

    user = make_quick_user(session, Role.ADMIN)
    session.commit()
    app = make_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                   LOGIN_LIMIT_PER_USER="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert login(client, user.username, "sai mật khẩu").status_code == 400
    assert login(client, user.username).status_code == 429
