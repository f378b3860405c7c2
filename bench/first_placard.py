"""The first placard a new gunicorn worker serves, with and without its warm-up (warmup.py, run
by gunicorn.conf.py's post_fork): seconds for the first and second GET of a vendor's placard PDF
over HTTP, logged in, one worker, in runs that each start gunicorn afresh.

    .venv/bin/python bench/first_placard.py [--runs 3]

A fresh SQLite database with one market of one vendor is built in a temporary folder; gunicorn
runs with gunicorn.conf.py, one worker, CHO40_WARM_UP=0 then 1.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.placards import build_database  # after the path is set

PASSWORD = secrets.token_urlsafe(12)


def prepare(database_url: str) -> int:
    """The database, and an administrator "bench"; returns the vendor's id."""
    from sqlalchemy import select

    from accounts.models import Role
    from accounts.service import Scope, create_user
    from app import create_app
    from db import db
    from vendors.models import Vendor

    build_database(database_url, 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        create_user(db.session, username="bench", password=PASSWORD, full_name="Bench",
                    role=Role.ADMIN, scope=Scope())
        db.session.commit()
        vendor_id = db.session.scalar(select(Vendor.id))
        db.engine.dispose()
    return vendor_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_run(env: dict, vendor_id: int, warm: bool) -> tuple[float, float, float]:
    """(seconds until /healthz answered, first placard, second placard)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=dict(env, CHO40_WARM_UP="1" if warm else "0"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        while True:
            try:
                opener.open(f"{base}/healthz", timeout=60).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("gunicorn stopped") from None
                time.sleep(0.05)
        ready = time.perf_counter() - started
        page = opener.open(f"{base}/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "username": "bench",
                                       "password": PASSWORD, "next": ""}).encode()
        opener.open(f"{base}/login", data=form).read()
        times = []
        for _ in range(2):
            clock = time.perf_counter()
            response = opener.open(f"{base}/qr/vendors/{vendor_id}/placard.pdf", timeout=120)
            body = response.read()
            assert body.startswith(b"%PDF"), body[:100]
            times.append(time.perf_counter() - clock)
        return ready, times[0], times[1]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        vendor_id = prepare(database_url)
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secrets.token_urlsafe(48),
                   CHO40_ENV="development")
        env.pop("REDIS_URL", None)
        for warm in (False, True):
            runs = [one_run(env, vendor_id, warm) for _ in range(args.runs)]
            label = "with warm-up   " if warm else "without warm-up"
            print(f"{label}: first placard {statistics.median(r[1] for r in runs):.2f} s, "
                  f"second {statistics.median(r[2] for r in runs):.2f} s, worker ready in "
                  f"{statistics.median(r[0] for r in runs):.2f} s (medians of {args.runs} runs; "
                  f"first placards {', '.join(f'{r[1]:.2f}' for r in runs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
