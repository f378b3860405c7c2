"""While the database cannot be reached, pages and the API answer 503 with Retry-After and say
what can be known: not that nothing changed (a connection lost during a commit may have saved
it), but to check before entering it again. When the database is back the same app answers
again, without a restart, and a registration cut off is in the database whole or not at all.

On PostgreSQL the app reaches its database through a TCP proxy the test stops, restarts and
cuts; on SQLite the database file is made unopenable, or its write lock held by another
connection."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from accounts.models import Role
from db import db
from tests.conftest import make_app
from tests.factories import login
from tests.tcp_proxy import TcpProxy
from vendors.models import PaymentMethod, Vendor

HONEST = "Nếu bạn vừa lưu thông tin, hãy kiểm tra xem đã được lưu chưa trước khi nhập lại."
UNREACHABLE = "Không kết nối được với cơ sở dữ liệu. Vui lòng thử lại sau ít phút."


class Outage:
    """Takes the app's database away and gives it back, the way each engine loses it."""

    def __init__(self, database_url: str):
        self.direct_url = database_url
        url = make_url(database_url)
        self.proxy = None
        if url.get_backend_name() == "postgresql":
            self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
            self.proxy.start()
            # sslmode=disable: the cuts read the statements on the wire.
            self.app_url = url.set(host="127.0.0.1", port=self.proxy.port).update_query_dict(
                {"sslmode": "disable"}).render_as_string(hide_password=False)
        else:
            self.path = Path(url.database)
            self.app_url = database_url
        self.app = None

    def begin(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            return
        # SQLite: the file cannot be opened (a folder where it was). Connections already open
        # would keep reading the moved file: the pool is emptied first.
        with self.app.app_context():
            db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            moved = Path(f"{self.path}{suffix}")
            if moved.exists():
                moved.rename(f"{moved}.away")
        self.path.mkdir()

    def end(self) -> None:
        if self.proxy is not None:
            self.proxy.start()
            return
        self.path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            away = Path(f"{self.path}{suffix}.away")
            if away.exists():
                away.rename(f"{self.path}{suffix}")

    def vendors_named(self, name: str) -> tuple[int, int]:
        """(vendors, their payment methods) with this name, read past the proxy."""
        engine = create_engine(self.direct_url)
        try:
            with engine.connect() as connection:
                vendors = connection.scalar(
                    select(func.count()).select_from(Vendor).where(Vendor.name == name))
                methods = connection.scalar(
                    select(func.count()).select_from(PaymentMethod).join(Vendor)
                    .where(Vendor.name == name))
        finally:
            engine.dispose()
        return vendors, methods


@pytest.fixture
def outage(database_url):
    outage = Outage(database_url)
    yield outage
    if outage.proxy is not None:
        outage.proxy.stop()
    elif outage.path.is_dir():
        outage.end()


@pytest.fixture
def app(outage, tmp_path):
    """The app (and the `session`, `client` and `area` fixtures) on the database through the
    outage's proxy."""
    app = make_app(outage.app_url, PRODUCT_IMAGES_DIR=str(tmp_path / "product_images"))
    outage.app = app
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def registration(market_id: int, name: str) -> dict:
    return {"kind": "trader", "name": name, "phone": "0912 345 678", "market_id": market_id,
            "stall_code": "B-12", "joined_on": "2025-03-01",
            "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                                 "account_number": "0011 0012 34567",
                                 "account_holder": "NGUYEN THI HOA"}]}


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "text/html" in response.content_type
    assert UNREACHABLE in page and HONEST in page
    assert "chưa bị thay đổi" not in page


def assert_unavailable_json(response) -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert body == {"code": 503, "reason": "database_unavailable",
                    "message": f"{UNREACHABLE} {HONEST}"}


def test_pages_and_the_api_answer_503_until_the_database_is_back(app, session, area, outage):
    client = app.test_client()
    agent = area.users[Role.ONBOARDING_AGENT]
    assert login(client, agent.username).status_code == 302
    assert client.get("/vendors/").status_code == 200
    headers = area.auth(Role.ONBOARDING_AGENT)
    assert app.test_client().get("/api/v1/markets", headers=headers).status_code == 200
    market_id = area.market.id
    session.close()

    outage.begin()
    assert_unavailable_page(client.get("/vendors/"))
    assert_unavailable_page(client.get(f"/markets/{market_id}"))
    # The form posted while the database is away: refused whole.
    form = {"kind": "trader", "name": "Lê Thị Mai", "phone": "0912345678",
            "market_id": str(market_id), "stall_code": "C-01", "bank_bin": "970436",
            "account_number": "001100123456", "account_holder": "LE THI MAI"}
    assert_unavailable_page(client.post("/vendors/new", data=form))
    assert_unavailable_json(app.test_client().get("/api/v1/markets", headers=headers))
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
    assert_unavailable_json(app.test_client().post(
        "/api/v1/vendors", json=registration(market_id, "Lê Thị Lan"), headers=headers))
    # In English too.
    client.get("/lang/en")
    english = client.get("/vendors/")
    assert english.status_code == 503 and "database cannot be reached" in english.get_data(
        as_text=True)
    client.get("/lang/vi")

    outage.end()
    # The same app, not restarted: its pool finds the database again.
    assert client.get("/vendors/").status_code == 200
    assert app.test_client().get("/api/v1/markets", headers=headers).status_code == 200
    assert app.test_client().get("/healthz").status_code == 200
    assert outage.vendors_named("Lê Thị Mai") == (0, 0)
    assert outage.vendors_named("Lê Thị Lan") == (0, 0)


def test_a_registration_cut_off_before_it_is_saved_leaves_nothing(app, session, area, outage):
    headers = area.auth(Role.ONBOARDING_AGENT)
    client = app.test_client()
    market_id = area.market.id
    session.close()
    if outage.proxy is not None:
        # The connection breaks as the vendor's row is sent, after the statements before it.
        cut = outage.proxy.cut(b"INSERT INTO vendors")
        response = client.post("/api/v1/vendors", json=registration(market_id, "Phạm Thị Thu"),
                               headers=headers)
        assert cut.done
    else:
        # Another connection holds SQLite's one write lock past the app's wait for it.
        holder = sqlite3.connect(outage.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            response = client.post("/api/v1/vendors", json=registration(market_id, "Phạm Thị Thu"),
                                   headers=headers)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert_unavailable_json(response)
    assert outage.vendors_named("Phạm Thị Thu") == (0, 0)
    # Entered again, once the database answers: registered once.
    again = client.post("/api/v1/vendors", json=registration(market_id, "Phạm Thị Thu"),
                        headers=headers)
    assert again.status_code == 201
    assert outage.vendors_named("Phạm Thị Thu") == (1, 1)


def test_a_registration_whose_commit_went_unanswered_is_whole_and_the_reply_says_check(
        app, session, area, outage):
    if outage.proxy is None:
        pytest.skip("a connection lost during its commit: PostgreSQL's proxy cuts it")
    headers = {**area.auth(Role.ONBOARDING_AGENT), "Idempotency-Key": "outage-0001"}
    client = app.test_client()
    market_id = area.market.id
    session.close()
    # The server commits the registration; its answer is lost with the connection.
    cut = outage.proxy.cut(b"COMMIT", armed_by=b"INSERT INTO vendors", answered=True)
    response = client.post("/api/v1/vendors", json=registration(market_id, "Đỗ Thị Hạnh"),
                           headers=headers)
    assert cut.done
    # Saved, which the app could not know: its answer says to check, not that nothing changed.
    assert_unavailable_json(response)
    assert outage.vendors_named("Đỗ Thị Hạnh") == (1, 1)
    # Sent again with its key, the registration is recognised rather than made twice.
    again = client.post("/api/v1/vendors", json=registration(market_id, "Đỗ Thị Hạnh"),
                        headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert outage.vendors_named("Đỗ Thị Hạnh") == (1, 1)


def test_a_mistaken_query_is_still_a_server_error_not_an_outage(app, client):
    """SQLite reports a missing table as an OperationalError too: that is a bug to fix, 500."""
    from sqlalchemy import text

    @app.get("/broken-query")
    def broken_query():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "never"

    response = client.get("/broken-query")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
