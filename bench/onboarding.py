"""Vendor registrations through the JSON API under load: gunicorn on loopback over PostgreSQL,
32 concurrent clients (wrk) for a fixed number of requests, every 10th a retry with the same
idempotency key. Prints throughput and p50/p99 latency, checks that the vendors created equal
the distinct keys, and compares with the issue's targets (>= 300/s, p99 <= 100 ms).

    .venv/bin/python bench/onboarding.py [--requests 6000] [--workers 2] [--threads 2]
        [--no-reuse-port] [--postgres URL] [--floor]

--floor then puts the same load on bench/onboarding_floor.py, a bare route sending the same SQL
statements with nothing else, served the same way, for what this machine allows at all.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from served import DEFAULT_POSTGRES, ROOT, demo_database, served_env
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TARGET_RATE = 300.0
TARGET_P99_MS = 100.0
CLIENTS = 32
WRK_THREADS = 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    # One worker per core, two threads each to overlap database round trips: on 2 cores, more
    # processes or threads only add switching (bench/README.md, Onboarding).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    # One listening socket per worker (SO_REUSEPORT): the kernel spreads the clients' kept-alive
    # connections over the workers. With the one shared socket, the first worker up takes
    # nearly all of them and the GIL holds it to one core.
    parser.add_argument("--reuse-port", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--retry-every", type=int, default=10)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--floor", action="store_true",
                        help="also measure bench/onboarding_floor.py under the same load")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/onboarding needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2

    with demo_database(args.postgres, "bench") as database:
        engine = create_engine(database.url)
        name = make_url(database.url).database
        with engine.connect() as conn:
            vendors_before = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one()
        served = served_env(database)
        wrk_env = dict(database.env, BENCH_MARKET_ID=str(database.market_id),
                       BENCH_TOKEN=database.token,
                       BENCH_REQUESTS_PER_THREAD=str(args.requests // WRK_THREADS),
                       BENCH_RETRY_EVERY=str(args.retry_every))
        # cho40 with the repository's gunicorn.conf.py (read from its folder), its settings
        # below overridden by the command line; the floor from bench/, where there is none.
        figures, cpu, connections = _load(["app:create_app()"], ROOT, served, wrk_env, args,
                                          engine, name, warm_up_token=database.token)
        with engine.connect() as conn:
            created = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one() - vendors_before
        if args.floor:
            floor, _, _ = _load(["onboarding_floor:app"], ROOT / "bench", served,
                                dict(wrk_env, BENCH_RUN="2"), args, engine, name)
        engine.dispose()

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
    workers_cpu, postgres_cpu = (_cpu_ms(*cpu[kind], responses) for kind in ("gunicorn", "postgres"))
    print(f"CPU per request: gunicorn {workers_cpu:.1f} ms, PostgreSQL {postgres_cpu:.1f} ms "
          f"({os.cpu_count()} cores); PostgreSQL connections opened: {connections}")
    print(f"vendors created {created}, distinct keys {keys}: "
          f"{'ok' if created == keys else 'MISMATCH'}")
    if args.floor:
        print(f"floor, the same statements behind a bare route (bench/onboarding_floor.py): "
              f"{int(floor['responses']) / float(floor['seconds']):.0f} requests/s, "
              f"p50 {float(floor['p50_ms']):.1f} ms, p99 {float(floor['p99_ms']):.1f} ms")
    ok = rate >= TARGET_RATE and p99 <= TARGET_P99_MS and created == keys
    return 0 if ok else 1


def _load(app: list[str], folder: Path, served: dict, wrk_env: dict, args, engine,
          database: str, warm_up_token: str | None = None):
    """Serve `app` with gunicorn, put the wrk load on it, stop it once every request is answered;
    wrk's figures, the server side's CPU seconds and the database connections opened."""
    gunicorn = subprocess.Popen(
        # gthread keeps connections alive between requests, as phones over HTTPS do.
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads",
         str(args.threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{args.port}",
         "--log-level", "warning", *(["--reuse-port"] if args.reuse_port else []), *app],
        cwd=folder, env=served)
    try:
        _wait_until_up(f"http://127.0.0.1:{args.port}/")
        if warm_up_token:
            _warm_up(f"http://127.0.0.1:{args.port}/api/v1/vendors?page_size=1", warm_up_token)
        with engine.connect() as conn:
            sessions_before = _sessions(conn, database)
            cpu_before = _cpu_seconds(_children(gunicorn.pid) + _backends(conn, database))
        output = _run_wrk(["wrk", "-t", str(WRK_THREADS), "-c", str(CLIENTS), "-d", "120s",
                           "--timeout", "10s", "-s", str(ROOT / "bench/onboarding.lua"),
                           f"http://127.0.0.1:{args.port}"], wrk_env)
        figures = dict(re.findall(r"^BENCH (\w+)=([\d.]+)$", output, re.MULTILINE))
        if "responses" not in figures:
            raise SystemExit(f"wrk printed no figures:\n{output}")
        # CPU used by the server side (when PostgreSQL runs on this machine): gunicorn's
        # workers and the PostgreSQL backends of the benchmark's database; wrk and the kernel
        # not counted.
        with engine.connect() as conn:
            cpu = _cpu_seconds(_children(gunicorn.pid) + _backends(conn, database))
            connections = _sessions(conn, database) - sessions_before
    finally:
        # Requests still in flight when wrk stopped are finished before counting: gunicorn
        # completes them on SIGTERM, and their keys are among the distinct ones.
        _stop(gunicorn)
    return figures, {kind: (cpu[kind], cpu_before[kind]) for kind in cpu}, connections


def _run_wrk(command: list[str], env: dict) -> str:
    """wrk's output. wrk waits out its whole -d even when every thread has stopped; each thread
    of onboarding.lua prints a line when done, and then wrk is interrupted, which makes it
    report at once."""
    wrk = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    lines, threads_done = [], 0
    for line in wrk.stdout:
        lines.append(line)
        if line.strip() == "BENCH thread_done":
            threads_done += 1
            if threads_done == WRK_THREADS:
                wrk.send_signal(signal.SIGINT)
    if wrk.wait() != 0:
        raise subprocess.CalledProcessError(wrk.returncode, command, "".join(lines))
    return "".join(lines)


def _warm_up(url: str, token: str, requests: int = 4 * CLIENTS) -> None:
    """Authenticated reads over many connections, so every worker has booted and opened its
    database connections before the clock starts."""
    def read(_):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        urllib.request.urlopen(request, timeout=30).read()

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(read, range(requests)))


def _children(pid: int) -> list[tuple[str, int]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(("gunicorn", int(stat.parent.name)))
    return found


def _backends(conn, database: str) -> list[tuple[str, int]]:
    pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                        {"name": database}).scalars()
    return [("postgres", pid) for pid in pids]


def _sessions(conn, database: str) -> int:
    return conn.execute(text("SELECT sessions FROM pg_stat_database WHERE datname = :name"),
                        {"name": database}).scalar_one()


def _cpu_seconds(processes: list[tuple[str, int]]) -> dict[str, dict[int, float]]:
    """User and system CPU seconds of each process, by kind; processes not on this machine (a
    remote PostgreSQL) or already gone are left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}}
    for kind, pid in processes:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[kind][pid] = (int(fields[11]) + int(fields[12])) / ticks
    return cpu


def _cpu_ms(after: dict[int, float], before: dict[int, float], requests: int) -> float:
    # A backend opened during the run counts from zero; one closed during it is lost (the
    # connections opened figure shows whether the pool churned).
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items()) / requests * 1000


def _stop(gunicorn: subprocess.Popen) -> None:
    gunicorn.send_signal(signal.SIGTERM)
    gunicorn.wait(timeout=30)


def _wait_until_up(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
