"""What logging a registration in the audit log costs: register_vendor in process, on
PostgreSQL, in alternating blocks with the audit entries' INSERT and without it (replaced by
nothing), each registration its own transaction. Prints the median time a registration of each
block takes and the difference.

    .venv/bin/python bench/registration_audit.py [--registrations 3000] [--postgres URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BLOCK = 100


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=3000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    server = make_url(args.postgres)
    name = f"bench_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run(server.set(database=name).render_as_string(hide_password=False), args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, args) -> int:
    from flask_migrate import upgrade

    from accounts.models import Role
    from accounts.service import Scope, create_user
    from app import create_app
    from db import db
    from demo.service import ensure_reference_data
    from market.models import Market
    from vendors import registration
    from vendors.schemas import VendorRegistrationInput

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        session = db.session
        ensure_reference_data(session, dt.date.today())
        market = Market(name="Chợ Đại Từ", search_key="cho dai tu", ward_code="05830")
        session.add(market)
        session.flush()
        agent = create_user(session, username="agent", password="correct horse battery",
                            full_name="Tổ CN", role=Role.ONBOARDING_AGENT,
                            scope=Scope(market_id=market.id))
        session.commit()
        real = registration.insert_entries
        times = {"with": [], "without": []}
        for n in range(args.registrations):
            mode = "with" if (n // BLOCK) % 2 == 0 else "without"
            registration.insert_entries = real if mode == "with" else (lambda *a, **k: None)
            data = VendorRegistrationInput().load({
                "kind": "trader", "name": f"Người Bán {n}", "phone": f"09{n:08d}",
                "market_id": market.id, "stall_code": f"K-{n}",
                "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                                     "account_number": f"0011{n:09d}",
                                     "account_holder": "NGUOI BAN"}]})
            start = time.perf_counter()
            registration.register_vendor(session, agent, data, f"bench-{n:08d}")
            session.commit()
            times[mode].append(time.perf_counter() - start)
            session.expunge_all()
        registration.insert_entries = real
        entries = session.scalar(text("SELECT count(*) FROM audit_log"))
        db.engine.dispose()
    with_ms = statistics.median(times["with"]) * 1000
    without_ms = statistics.median(times["without"]) * 1000
    print(f"registrations: {args.registrations} (blocks of {BLOCK}, alternating)")
    print(f"median with the audit insert:    {with_ms:.2f} ms")
    print(f"median without it:               {without_ms:.2f} ms")
    print(f"difference:                      {with_ms - without_ms:+.2f} ms "
          f"({(with_ms / without_ms - 1) * 100:+.1f} %)")
    print(f"audit entries written: {entries} (3 a registration logged: vendor, method, stall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
