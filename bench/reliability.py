"""The reliability run of docs/reliability.md: 32 clients registering and editing vendors at once
through the JSON API, served by gunicorn over PostgreSQL, while things go wrong:

- some responses are dropped: the client closes the connection once the request is sent, never
  reads the answer, and sends the same request again (same idempotency key, same body);
- the app's database connections are killed (pg_terminate_backend) several times;
- the database is made unreachable (a TCP relay between the app and PostgreSQL stops, dropping
  every connection and refusing new ones) and then comes back.

Then it counts against what the clients sent: every key the server acknowledged has exactly one
vendor (0 duplicates, 0 lost), no vendor exists for a key never acknowledged unless a dropped or
failed request carried it, and every vendor's name is the last edit the server acknowledged.
Answers during the outage must be 503 with Retry-After (no 500), and the app must come back on
its own.

    .venv/bin/python bench/reliability.py [--seconds 60] [--clients 32] [--postgres URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from served import DEFAULT_POSTGRES, ROOT, demo_database, free_port, wait_until_up
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.tcp_proxy import TcpProxy

DROP_EVERY = 7  # one request in this many has its answer dropped by the client


class Client(threading.Thread):
    """One phone: registers a vendor, edits its name twice, and repeats; every request is sent
    until the server gives a definite answer, with the same key and body."""

    def __init__(self, number: int, port: int, token: str, market_id: int, until: float, log):
        super().__init__(daemon=True)
        self.number, self.port, self.token, self.market_id, self.until = number, port, token, market_id, until
        self.log = log
        self.acknowledged: dict[str, int] = {}  # key -> vendor id
        self.sent_keys: set[str] = set()
        self.names: dict[int, str] = {}  # vendor id -> last name acknowledged
        # vendor id -> names sent in requests whose answer never came (dropped, refused, 5xx):
        # the server may have applied them, even after a later edit it acknowledged.
        self.unanswered: dict[int, set[str]] = {}
        self.statuses: Counter = Counter()
        self.dropped = 0
        self.random = random.Random(number)

    def run(self) -> None:
        n = 0
        while time.monotonic() < self.until:
            n += 1
            serial = self.number * 1_000_000 + n
            key = uuid.uuid4().hex
            body = {"kind": "trader", "name": f"Nguyễn Thị Tin Cậy {serial}",
                    "phone": f"09{serial % 100_000_000:08d}", "market_id": self.market_id,
                    "stall_code": f"R{serial}",
                    "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                                         "account_number": f"20{serial:011d}",
                                         "account_holder": "NGUYEN THI TIN CAY"}]}
            self.sent_keys.add(key)
            answer = self._until_answered("POST", "/api/v1/vendors", body, key)
            if answer is None:
                continue
            vendor_id = answer["id"]
            self.acknowledged[key] = vendor_id
            self.names[vendor_id] = body["name"]
            for edit in (1, 2):
                name = f"Trần Thị Sửa {serial}-{edit}"
                unanswered = [0]
                answer = self._until_answered("PATCH", f"/api/v1/vendors/{vendor_id}", {"name": name},
                                              unanswered=unanswered)
                if unanswered[0]:
                    self.unanswered.setdefault(vendor_id, set()).add(name)
                if answer is not None:
                    self.names[vendor_id] = name

    def _until_answered(self, method: str, path: str, body: dict, key: str | None = None,
                        unanswered: list | None = None):
        """Send until a 2xx (its JSON) or the run ends (None). A dropped answer, a connection
        refused, a 503 or a 500 are all sent again, as a phone's queue does."""
        payload = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                   "Accept": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        while time.monotonic() < self.until + 30:
            drop = self.random.randrange(DROP_EVERY) == 0
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request(method, path, body=payload, headers=headers)
                if drop:
                    self.dropped += 1
                    if unanswered is not None:
                        unanswered[0] += 1
                    connection.close()  # the answer is never read
                    time.sleep(0.05)
                    continue
                response = connection.getresponse()
                data = response.read()
                connection.close()
            except OSError:
                self.statuses["no connection"] += 1
                if unanswered is not None:
                    unanswered[0] += 1
                time.sleep(0.2)
                continue
            self.statuses[response.status] += 1
            if response.status in (200, 201):
                return json.loads(data)
            if response.status == 503:
                retry_after = response.getheader("Retry-After")
                self.statuses["503 with Retry-After" if retry_after else "503 without Retry-After"] += 1
                time.sleep(min(float(retry_after or 1), 2))
                continue
            if response.status >= 500:
                if unanswered is not None:
                    unanswered[0] += 1
                self.log(f"{method} {path}: {response.status} {data[:200]!r}")
                time.sleep(0.2)
                continue
            self.log(f"{method} {path}: {response.status} {data[:300]!r}")
            return None
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--outage", type=float, default=8.0, help="seconds the database is away")
    args = parser.parse_args()

    problems: list[str] = []
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            problems.append(line)

    python = sys.executable
    with demo_database(args.postgres, "reliability") as database:
        url = make_url(database.url)
        name = url.database
        # The same relay the outage tests use: stop() breaks every connection and refuses new
        # ones.
        relay = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        relay.start()
        through_relay = url.set(port=relay.port).render_as_string(hide_password=False)
        token, market_id = database.token, database.market_id
        gunicorn = None
        try:
            engine = create_engine(database.url)
            with engine.connect() as conn:
                before = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one()
                last_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM vendors")).scalar_one()
            port = free_port()
            served = dict(database.env, DATABASE_URL=through_relay, SECRET_KEY=secrets.token_urlsafe(48),
                          DUPLICATE_LOOKUP_LIMIT="1000000 per minute")
            gunicorn = subprocess.Popen(
                [python, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                 "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
                cwd=ROOT, env=served, stdout=subprocess.DEVNULL)  # its access log; errors go to stderr
            wait_until_up(port)

            started = time.monotonic()
            until = started + args.seconds
            clients = [Client(n + 1, port, token, market_id, until, log) for n in range(args.clients)]
            for client in clients:
                client.start()
            events = []
            # The schedule of faults, in seconds from the start.
            kills = [args.seconds * f for f in (0.15, 0.3, 0.75, 0.9)]
            outage_at = args.seconds * 0.45
            back_at = None
            while time.monotonic() < until:
                now = time.monotonic() - started
                if kills and now >= kills[0]:
                    kills.pop(0)
                    with engine.connect() as conn:
                        killed = conn.execute(text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": name}).scalar_one()
                        conn.commit()
                    events.append(f"{now:5.1f} s: {killed} database connections of the app killed")
                if outage_at is not None and now >= outage_at:
                    outage_at = None
                    relay.stop()
                    events.append(f"{now:5.1f} s: database unreachable (relay cut)")
                    back_at = now + args.outage
                if back_at is not None and now >= back_at:
                    back_at = None
                    relay.start()
                    events.append(f"{now:5.1f} s: database back")
                time.sleep(0.1)
            for client in clients:
                client.join(timeout=120)

            acknowledged = {key: vid for c in clients for key, vid in c.acknowledged.items()}
            sent_keys = set().union(*(c.sent_keys for c in clients))
            names = {vid: name_ for c in clients for vid, name_ in c.names.items()}
            statuses = sum((c.statuses for c in clients), Counter())
            dropped = sum(c.dropped for c in clients)
            with engine.connect() as conn:
                created = conn.execute(text("SELECT count(*) FROM vendors")).scalar_one() - before
                keyed = dict(conn.execute(text(
                    "SELECT key, vendor_id FROM idempotency_records WHERE vendor_id > :last"),
                    {"last": last_id}).all())
                stored_names = dict(conn.execute(text("SELECT id, name FROM vendors")).all())
                duplicate_phones = conn.execute(text(
                    "SELECT count(*) FROM (SELECT phone FROM vendors WHERE phone IS NOT NULL "
                    "GROUP BY phone HAVING count(*) > 1) d")).scalar_one()
                half_written = conn.execute(text(
                    "SELECT count(*) FROM vendors v WHERE NOT EXISTS (SELECT 1 FROM vendor_status_periods p "
                    "WHERE p.vendor_id = v.id)")).scalar_one()
            engine.dispose()
        finally:
            if gunicorn is not None:
                gunicorn.terminate()
                gunicorn.wait(timeout=30)

    lost = [key for key, vid in acknowledged.items() if keyed.get(key) != vid]
    unexplained = [key for key in keyed if key not in sent_keys]
    unanswered = {vid: sent for c in clients for vid, sent in c.unanswered.items()}
    late = [vid for vid, name_ in names.items()
            if stored_names.get(vid) != name_ and stored_names.get(vid) in unanswered.get(vid, ())]
    wrong_names = [vid for vid, name_ in names.items()
                   if stored_names.get(vid) != name_ and vid not in late]
    print(f"{args.clients} clients for {args.seconds} s, gunicorn 2 workers x 4 threads, PostgreSQL")
    for event in events:
        print(f"  {event}")
    print(f"requests answered: {dict(statuses)}; answers dropped by the clients: {dropped}")
    print(f"registrations: {len(sent_keys)} keys sent, {len(acknowledged)} acknowledged, "
          f"{created} vendors created, {len(keyed)} keys stored")
    checks = {
        "0 lost (every acknowledged key has its vendor)": not lost,
        "0 duplicates (one vendor per key stored, no phone twice)":
            created == len(keyed) and duplicate_phones == 0,
        "nothing from nowhere (every stored key was sent)": not unexplained,
        "no half-written vendor (each has its membership period)": half_written == 0,
        "every vendor's name is the last edit acknowledged, or an edit whose answer the client "
        "never read (applied after a later one)": not wrong_names,
        "no 500 answered": not any(isinstance(s, int) and s >= 500 and s != 503 for s in statuses),
        "503s carry Retry-After": statuses["503 without Retry-After"] == 0,
        "the app came back by itself (requests answered 2xx after the outage)": bool(acknowledged),
    }
    print(f"edits: {sum(len(c.names) for c in clients)} vendors edited; {len(late)} end with an "
          f"edit whose answer was never read, applied after the later edit acknowledged")
    for check, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {check}")
    if problems:
        print(f"unexpected answers ({len(problems)}), first ones:")
        for line in problems[:10]:
            print(f"  {line}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
