"""What the bench scripts that serve the app share: a fresh database with the demo data,
running a flask command, a free port, and waiting until the server answers."""
from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The demo market the load scripts register into.
DEMO_MARKET = "Chợ Đại Từ"


@dataclass(frozen=True)
class DemoDatabase:
    url: str  # with its password, for DATABASE_URL
    env: dict  # this process's environment with DATABASE_URL and FLASK_APP set
    token: str  # an API token of the demo's administrator
    market_id: int  # DEMO_MARKET's id


@contextmanager
def demo_database(postgres: str, purpose: str) -> Iterator[DemoDatabase]:
    """A new database on the server of `postgres`, migrated and loaded with the demo data, with
    an administrator's API token named after `purpose`; dropped afterwards, whatever happens."""
    name = f"cho40_{purpose.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="app:create_app", CHO40_ENV="development")
    try:
        python = sys.executable
        run([python, "-m", "flask", "db", "upgrade"], env)
        run([python, "-m", "flask", "demo", "load", "--password", secrets.token_urlsafe(12)], env)
        token = run([python, "-m", "flask", "users", "token", "admin", "--name", purpose], env).strip()
        engine = create_engine(url)
        with engine.connect() as conn:
            market_id = conn.execute(text("SELECT id FROM markets WHERE name = :name"),
                                     {"name": DEMO_MARKET}).scalar_one()
        engine.dispose()
        yield DemoDatabase(url=url, env=env, token=token, market_id=market_id)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def served_env(database: DemoDatabase, **overrides: str) -> dict:
    """The environment the app is served with in the load scripts: production settings, Redis
    for the rate counters, and the per-user limit on registrations lifted, since one token
    stands for many phones here."""
    return dict(database.env, CHO40_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                DUPLICATE_LOOKUP_LIMIT="1000000 per minute", **overrides)


def registration(serial: int, market_id: int) -> dict:
    """The body of one registration in the load scripts: a trader with one bank account, all
    values unique to `serial`."""
    return {"kind": "trader", "name": f"Nguyễn Thị Tải {serial}", "phone": f"09{serial % 10**8:08d}",
            "market_id": market_id, "stall_code": f"L{serial}",
            "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                                 "account_number": f"30{serial:011d}",
                                 "account_holder": "NGUYEN THI TAI"}]}


def run(args: list[str], env: dict) -> str:
    """Run a command from the repository's root; its standard output."""
    return subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")
