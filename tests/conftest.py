"""Fixtures: an app on a clean database for every test, on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL.

The schema is migrated and the reference data (administrative units, banks) loaded once per
run into a template database; each test then gets its own copy of it.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_SECRET = "test-secret-" + uuid.uuid4().hex
# Each pytest-xdist worker is its own process: its databases carry its pid.
WORKER_TAG = str(os.getpid())
# The JSON API's tests, in the folders of the packages whose routes they call, share one area.
pytest_plugins = ["tests.api_area"]


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite'}"


def pytest_sessionstart(session):
    # Flask-Babel reads compiled catalogues; compile them from the .po sources.
    from i18n import compile_catalogs

    compile_catalogs()


def make_app(database_url: str, **overrides):
    from app import create_app

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "WTF_CSRF_ENABLED": False,
        # Rate-limit counters of the test's own, even where REDIS_URL is set.
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    return create_app(config)


def build_database(database_url: str) -> None:
    """Migrate to head and load the reference data, as `flask db upgrade` and the loaders do."""
    from flask_migrate import upgrade

    from db import db
    from demo.service import ensure_reference_data

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        ensure_reference_data(db.session, dt.date.today())
        db.session.commit()
        db.engine.dispose()


class PostgresServer:
    """Creates and drops databases on the server TEST_DATABASE_URL points at."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server():
    if not TEST_DATABASE_URL:
        yield None
        return
    server = PostgresServer(TEST_DATABASE_URL)
    yield server
    server.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, postgres_server):
    if postgres_server is not None:
        name = f"cho40_template_{WORKER_TAG}"
        url = postgres_server.create(name)
        build_database(url)
        yield name
        postgres_server.drop(name)
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        build_database(f"sqlite:///{path}")
        yield path


@pytest.fixture
def empty_database_url(tmp_path, postgres_server):
    """A database with nothing in it, not even the schema."""
    if postgres_server is not None:
        name = f"cho40_empty_{WORKER_TAG}_{uuid.uuid4().hex[:8]}"
        yield postgres_server.create(name)
        postgres_server.drop(name)
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def database_url(template_database, tmp_path, postgres_server):
    """A fresh copy of the template database for one test."""
    if postgres_server is not None:
        name = f"cho40_test_{WORKER_TAG}_{uuid.uuid4().hex[:8]}"
        yield postgres_server.create(name, template=template_database)
        postgres_server.drop(name)
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    # Product photos in the test's own folder, never the checkout's instance/ folder.
    app = make_app(database_url, PRODUCT_IMAGES_DIR=str(tmp_path / "product_images"))
    yield app
    from db import db
    from jobs.runner import shutdown

    shutdown(app)  # the in-process jobs' threads and their database pool
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    """A session of the test's own, like another client of the database: what a test sets up
    must be committed before the app can see it, and no app context is left pushed (Flask
    would reuse it, and with it the logged-in user, across requests)."""
    from db import db

    with app.app_context():
        engine = db.engine
    with Session(engine) as test_session:
        yield test_session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def is_postgresql() -> bool:
    return TEST_DATABASE_URL is not None


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, for the browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"
# Debian's chromium, headless; the flags keep it off the network this machine doesn't have.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone_page(browser):
    """A page at a phone's viewport, as the onboarding agents use it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()
