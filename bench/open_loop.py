"""Registrations at a constant offered rate, open loop: gunicorn on loopback over PostgreSQL,
requests sent on a fixed schedule (one every 1/RATE seconds) whatever the answers do, each
latency counted from when its request was due, not from when it could be sent, so a slow
answer that holds up the next requests shows in their latencies too (no coordinated omission).
Compares with the issue's target: 150 registrations/s for 60 s, p99 <= 100 ms, no error.
--floor then offers the same schedule to bench/onboarding_floor.py (the same SQL and Redis round
trips behind a bare route) served the same way, in the same run.

    .venv/bin/python bench/open_loop.py [--rate 150] [--seconds 60] [--floor] [--postgres URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid

from served import (
    DEFAULT_POSTGRES,
    ROOT,
    demo_database,
    free_port,
    registration,
    served_env,
    wait_until_up,
)
from sqlalchemy import create_engine, text

TARGET_RATE = 150
TARGET_P99_MS = 100.0
# Enough connections that a request due is never kept waiting for one by the generator itself
# (each thread holds one kept-alive connection, as many phones do).
SENDERS = 64
# cho40 with its production settings (gunicorn.conf.py); the floor, which has none of its
# hooks, from bench/ (where gunicorn finds no gunicorn.conf.py to read) with the settings that
# matter here given on the command line.
APPS = {"cho40": (ROOT, ["-c", str(ROOT / "gunicorn.conf.py"), "app:create_app()"]),
        "floor": (ROOT / "bench", ["--worker-class", "gthread", "--keep-alive", "5",
                                   "onboarding_floor:app"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=TARGET_RATE)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--floor", action="store_true",
                        help="also offer the same schedule to bench/onboarding_floor.py")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()

    met = True
    with demo_database(args.postgres, "open-loop") as database:
        for number, name in enumerate(["cho40", "floor"] if args.floor else ["cho40"]):
            figures = _serve_and_offer(name, database, args, first_serial=90_000_000 - number * 10_000_000)
            print(f"{name}: {figures['summary']}")
            if name == "cho40":
                met = figures["met"]
    print(f"cho40, target p99 <= {TARGET_P99_MS:.0f} ms with no error at {args.rate:g}/s: "
          f"{'met' if met else 'MISSED'}")
    return 0 if met else 1


def _serve_and_offer(name: str, database, args, first_serial: int) -> dict:
    engine = create_engine(database.url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one()
    port = free_port()
    folder, settings = APPS[name]
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads",
         str(args.threads), "--bind", f"127.0.0.1:{port}", "--reuse-port", "--access-logfile",
         "/dev/null", *settings], cwd=folder, env=served_env(database, CHO40_WARM_UP="1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port)
        _warm_up(port, database.token)
        cpu_before, started = _cpu_seconds(gunicorn.pid), time.monotonic()
        latencies, errors = _offer(port, database.token, database.market_id, args.rate,
                                   args.seconds, first_serial)
        cpu_after, wall = _cpu_seconds(gunicorn.pid), time.monotonic() - started
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    with engine.connect() as conn:
        created = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one() - before
    engine.dispose()

    latencies.sort()
    sent = len(latencies) + sum(errors.values())

    def quantile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    p99 = quantile(0.99)
    summary = (f"offered {args.rate:g} registrations/s for {args.seconds:g} s: {sent} sent, "
               f"{len(latencies)} answered 201, errors {dict(errors) or 0}; vendors created "
               f"{created}\n  latency from when each was due: p50 {quantile(0.5):.1f} ms, "
               f"p90 {quantile(0.9):.1f} ms, p99 {p99:.1f} ms, p99.9 {quantile(0.999):.1f} ms, "
               f"max {quantile(1.0):.1f} ms\n  "
               + _cpu_summary(cpu_before, cpu_after, wall, max(1, len(latencies))))
    return {"summary": summary,
            "met": p99 <= TARGET_P99_MS and not errors and created == len(latencies)}


# Where the CPU time of a run goes, read from /proc: the app's processes (gunicorn and its
# workers), PostgreSQL's and Redis's (every process of theirs on the machine: nothing else uses
# them during a run) and this load generator's.
CPU_PARTS = ("app", "PostgreSQL", "Redis", "load generator")


def _cpu_seconds(gunicorn_pid: int) -> dict[str, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    spent = dict.fromkeys(CPU_PARTS, 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)
        except OSError:
            continue  # ended meanwhile
        name = fields[0].split("(", 1)[1]
        rest = fields[1].split()
        parent, used = int(rest[1]), (int(rest[11]) + int(rest[12])) / ticks
        if int(entry) == gunicorn_pid or parent == gunicorn_pid:
            spent["app"] += used
        elif name.startswith("postgres"):
            spent["PostgreSQL"] += used
        elif name.startswith("redis-server"):
            spent["Redis"] += used
    spent["load generator"] = time.process_time()
    return spent


def _cpu_summary(before: dict, after: dict, wall: float, answered: int) -> str:
    """CPU milliseconds per registration answered, for each part, and the cores they kept busy
    together: what a rate costs this machine, in the same run as its latencies."""
    used = {part: after[part] - before[part] for part in CPU_PARTS}
    each = ", ".join(f"{part} {used[part] * 1000 / answered:.2f}" for part in CPU_PARTS)
    return (f"CPU per registration (ms): {each}; {sum(used.values()) / wall:.2f} of "
            f"{os.cpu_count()} cores busy")


def _offer(port: int, token: str, market_id: int, rate: float, seconds: float, first_serial: int):
    total = int(rate * seconds)
    start = time.monotonic() + 0.5
    next_index = [0]
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict = {}

    def sender(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= total:
                break
            due = start + index / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            body = json.dumps(registration(first_serial + index, market_id))
            try:
                connection.request("POST", "/api/v1/vendors", body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex})
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError as error:
                status = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            done = time.monotonic()
            with lock:
                if status == 201:
                    latencies.append(done - due)
                else:
                    errors[status] = errors.get(status, 0) + 1
        connection.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def _warm_up(port: int, token: str) -> None:
    """Every worker booted and holding its database connections before the clock starts."""
    def read() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(8):
            connection.request("GET", "/api/v1/vendors?page_size=1",
                               headers={"Authorization": f"Bearer {token}"})
            connection.getresponse().read()
        connection.close()

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    sys.exit(main())
