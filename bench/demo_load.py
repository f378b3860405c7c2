"""Times `flask demo load --scale N` end to end (a fresh, migrated database; the CLI in a child
process) on SQLite and, if reachable, PostgreSQL, against the issue's target of well under a
minute for 100,000 vendors.

    .venv/bin/python bench/demo_load.py [--vendors 100000] [--postgres URL_OF_A_SERVER_DB]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, FLASK_APP="app:create_app")
    env.pop("CHO40_ENV", None)
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)


def time_load(database_url: str, vendors: int) -> float:
    flask(database_url, "db", "upgrade")
    flask(database_url, "units", "load")
    flask(database_url, "banks", "load")
    started = time.perf_counter()
    flask(database_url, "demo", "load", "--scale", str(vendors))
    return time.perf_counter() - started


def postgres_database(server_url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cho40_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop():
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    return url, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=100_000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = time_load(f"sqlite:///{tmp}/bench.sqlite3", args.vendors)
    try:
        url, drop = postgres_database(args.postgres)
    except Exception as error:  # noqa: BLE001 - no server, whatever the reason: report SQLite only
        print(f"PostgreSQL skipped: {error.__class__.__name__}: {error}")
    else:
        try:
            results["PostgreSQL"] = time_load(url, args.vendors)
        finally:
            drop()

    failed = False
    for engine, seconds in results.items():
        ok = seconds < TARGET_SECONDS
        failed |= not ok
        print(f"demo load --scale {args.vendors} on {engine}: {seconds:.1f} s "
              f"({args.vendors / seconds:,.0f} vendors/s); target < {TARGET_SECONDS:.0f} s: "
              f"{'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
