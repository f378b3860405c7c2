"""What production mode changes for a running app: the API's document and docs behind a login;
and /healthz, which anyone may ask whether this process reaches its database and Redis."""
from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time

import pytest

from accounts.models import Role
from tests.conftest import make_app
from tests.factories import login, make_quick_user

STRONG = secrets.token_urlsafe(48)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_server():
    """A Redis of the test's own on a free port, or a skip where none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except RedisConnectionError:
            time.sleep(0.05)
    yield url, process
    client.close()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def production_app(database_url, tmp_path):
    app = make_app(database_url, CHO40_ENV="production", SECRET_KEY=STRONG,
                   REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                   PRODUCT_IMAGES_DIR=str(tmp_path / "images"))
    yield app
    from db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_in_production_the_api_docs_need_a_login_and_the_document_a_login_or_a_token(
        production_app, session, area):
    anonymous = production_app.test_client()
    docs = anonymous.get("/api/docs")
    assert docs.status_code == 302 and docs.headers["Location"].startswith("/login?next=")
    document = anonymous.get("/api/openapi.json")
    assert document.status_code == 401 and document.get_json()["code"] == 401
    wrong = anonymous.get("/api/openapi.json", headers={"Authorization": "Bearer nothing"})
    assert wrong.status_code == 401
    with_token = anonymous.get("/api/openapi.json", headers=area.auth(Role.COMMUNE_STAFF))
    assert with_token.status_code == 200 and with_token.get_json()["openapi"] == "3.0.3"

    person = production_app.test_client()
    assert login(person, area.users[Role.ONBOARDING_AGENT].username).status_code == 302
    assert person.get("/api/docs").status_code == 200
    assert person.get("/api/openapi.json").status_code == 200


def test_in_development_the_docs_stay_open(client):
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200


def test_healthz_answers_anyone_without_personal_data(app, client, session):
    make_quick_user(session, Role.ADMIN, full_name="Nguyễn Văn Quản Trị")
    session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Nguyễn" not in response.get_data(as_text=True)


def test_healthz_checks_redis_when_jobs_go_through_it(app, client, redis_server):
    url, process = redis_server
    app.config["REDIS_URL"] = url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}
    process.terminate()
    process.wait(timeout=10)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable",
                                   "checks": {"database": "ok", "redis": "unreachable"}}


def test_a_production_app_never_runs_a_job_in_a_thread(production_app):
    from jobs.runner import enqueue

    production_app.config["REDIS_URL"] = None
    with production_app.test_request_context(), pytest.raises(RuntimeError, match="REDIS_URL"):
        enqueue("placards", {"market_ids": []})
