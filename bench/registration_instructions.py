"""Instructions per registration: cho40's `POST /api/v1/vendors` against its floor,
bench/onboarding_floor.py (the same statements behind a bare route), counted by valgrind in the
same run, each app in its own process on a fresh demo database on PostgreSQL, called as a WSGI
server calls it (one environ a request, the body read to the end). Issue 12's target: cho40 at
most 2x the floor.

Each app is counted twice, after the same warm-up, with FEW and with MANY registrations; the
difference over MANY - FEW is what one registration costs, start-up and warm-up cancelled out.
Start-up is about 8 billion instructions and varies by tens of millions from run to run (the same
build, the same hash seed), so MANY is 510: with 110 that spread alone moved the figure by
±0.5 M a registration.
What is counted is the app's process (Python, Flask, SQLAlchemy, psycopg, the Redis client);
PostgreSQL's own work is not, and the two apps send it the same statements.

    .venv/bin/python bench/registration_instructions.py [--few 10] [--many 510] [--postgres URL]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid

from served import DEFAULT_POSTGRES, ROOT, demo_database, registration, served_env

TARGET_RATIO = 2.0
WARM_UP = 30
APPS = ("floor", "cho40")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--many", type=int, default=510)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--child", choices=APPS, help=argparse.SUPPRESS)
    parser.add_argument("--registrations", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.child, args.registrations, args.first)
    if shutil.which("valgrind") is None:
        print("bench/registration_instructions.py needs valgrind: apt-get install -y valgrind",
              file=sys.stderr)
        return 2

    per_registration = {}
    with demo_database(args.postgres, "instructions") as database:
        # The same hash seed in every run: a set's order, and so the work done on it, is the
        # same in each.
        env = served_env(database, BENCH_TOKEN=database.token,
                         BENCH_MARKET_ID=str(database.market_id), PYTHONHASHSEED="0")
        first = 50_000_000
        for app in APPS:
            counted = {}
            for registrations in (args.few, args.many):
                counted[registrations] = _count(app, registrations, first, env)
                first += 1_000_000
            per_registration[app] = (counted[args.many] - counted[args.few]) / (args.many - args.few)
            print(f"{app}: {counted[args.few]:,} instructions with {args.few} registrations, "
                  f"{counted[args.many]:,} with {args.many}: "
                  f"{per_registration[app] / 1e6:.2f} M a registration", flush=True)
    ratio = per_registration["cho40"] / per_registration["floor"]
    met = ratio <= TARGET_RATIO
    print(f"cho40 / floor: {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'met' if met else 'MISSED'}")
    return 0 if met else 1


def _count(app: str, registrations: int, first: int, env: dict) -> int:
    """Instructions the child process runs, under valgrind's cachegrind without cache simulation
    (the cheapest of its counting tools)."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--child", app, "--registrations", str(registrations),
               "--first", str(first)]
    done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{app} with {registrations} registrations failed:\n{done.stdout}\n{done.stderr}")
    refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(refs.group(1).replace(",", ""))


def _child(app_name: str, registrations: int, first: int) -> int:
    sys.path.insert(0, str(ROOT))
    if app_name == "cho40":
        from app import create_app

        app = create_app()
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from onboarding_floor import app
    token, market_id = os.environ["BENCH_TOKEN"], int(os.environ["BENCH_MARKET_ID"])
    for serial in range(first, first + WARM_UP + registrations):
        status, body = _post(app, token, registration(serial, market_id))
        if status != "201 CREATED":
            print(status, body[:500])
            return 1
    return 0


def _post(app, token: str, payload: dict) -> tuple[str, bytes]:
    """One request as gunicorn hands it to the app."""
    body = json.dumps(payload).encode()
    environ = {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/api/v1/vendors",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000", "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex, "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    answer = []
    chunks = app(environ, lambda status, headers, exc_info=None: answer.append(status))
    try:
        sent = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return answer[0], sent


if __name__ == "__main__":
    sys.exit(main())
