"""Vendor registrations through the JSON API under load: gunicorn on loopback over PostgreSQL,
32 concurrent clients (wrk) for a fixed number of requests, every 10th a retry with the same
idempotency key. Prints throughput and p50/p99 latency, checks that the vendors created equal
the distinct keys, and compares with the issue's targets (>= 300/s, p99 <= 100 ms).

    .venv/bin/python bench/onboarding.py [--requests 6000] [--workers 4] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_RATE = 300.0
TARGET_P99_MS = 100.0
CLIENTS = 32
WRK_THREADS = 2


def run(args: list[str], env: dict, **kwargs) -> str:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                          **kwargs).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--retry-every", type=int, default=10)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--port", type=int, default=5077)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/onboarding needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cho40_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    env = dict(os.environ, DATABASE_URL=database_url, FLASK_APP="app:create_app",
               CHO40_ENV="development")
    python = sys.executable
    gunicorn = None
    try:
        run([python, "-m", "flask", "db", "upgrade"], env)
        run([python, "-m", "flask", "demo", "load", "--password", secrets.token_urlsafe(12)], env)
        token = run([python, "-m", "flask", "users", "token", "admin", "--name", "bench"], env).strip()
        engine = create_engine(database_url)
        with engine.connect() as conn:
            market_id = conn.execute(text("SELECT id FROM markets WHERE name = 'Chợ Đại Từ'")).scalar_one()
            vendors_before = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one()

        served = dict(env, CHO40_ENV="production", SECRET_KEY=secrets.token_urlsafe(48))
        gunicorn = subprocess.Popen(
            # gthread keeps connections alive between requests, as phones over HTTPS do.
            [python, "-m", "gunicorn", "--workers", str(args.workers), "--threads",
             str(args.threads), "--worker-class", "gthread", "--bind",
             f"127.0.0.1:{args.port}", "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=served)
        _wait_until_up(f"http://127.0.0.1:{args.port}/login")

        per_thread = args.requests // WRK_THREADS
        wrk_env = dict(env, BENCH_MARKET_ID=str(market_id), BENCH_TOKEN=token,
                       BENCH_REQUESTS_PER_THREAD=str(per_thread),
                       BENCH_RETRY_EVERY=str(args.retry_every))
        output = run(["wrk", "-t", str(WRK_THREADS), "-c", str(CLIENTS), "-d", "120s",
                      "--timeout", "10s", "-s", str(ROOT / "bench/onboarding.lua"),
                      f"http://127.0.0.1:{args.port}"], wrk_env)
        figures = dict(re.findall(r"^BENCH (\w+)=([\d.]+)$", output, re.MULTILINE))
        if "responses" not in figures:
            raise SystemExit(f"wrk printed no figures:\n{output}")
        with engine.connect() as conn:
            created = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one() - vendors_before
        engine.dispose()
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    responses = int(figures["responses"])
    seconds = float(figures["seconds"])
    rate = responses / seconds
    p50, p99 = float(figures["p50_ms"]), float(figures["p99_ms"])
    keys = int(figures["distinct_keys"])
    statuses = {k: int(v) for k, v in figures.items() if k.startswith("status_")}
    print(f"registrations: {responses} responses in {seconds:.1f} s with {CLIENTS} clients, "
          f"{args.workers} gunicorn workers, PostgreSQL")
    print(f"statuses: {statuses}")
    print(f"throughput: {rate:.0f} requests/s (target >= {TARGET_RATE:.0f}): "
          f"{'ok' if rate >= TARGET_RATE else 'MISSED'}")
    print(f"latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 <= {TARGET_P99_MS:.0f} ms): "
          f"{'ok' if p99 <= TARGET_P99_MS else 'MISSED'}")
    print(f"vendors created {created}, distinct keys {keys}: "
          f"{'ok' if created == keys else 'MISMATCH'}")
    ok = rate >= TARGET_RATE and p99 <= TARGET_P99_MS and created == keys
    return 0 if ok else 1


def _wait_until_up(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
