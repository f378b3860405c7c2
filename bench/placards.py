"""Placards per second for a 1,000-vendor market, database rows to PDF bytes: the batch (one
WeasyPrint document, 4 to a page) against the baseline (each placard its own document), in the
same run, with the peak memory of each, against the issue's targets.

    .venv/bin/python bench/placards.py [--vendors 1000] [--per-page 4] [--database-url URL]

A fresh SQLite database is built in a temporary folder (or DATABASE_URL / --database-url is
used: give it an empty database) with one market of N active vendors, each with a bank account.
Each measurement runs in a child process of its own, so its peak RSS is its own: the process is
started and one unrelated placard rendered (imports, fonts, WeasyPrint's first-document setup)
before the clock starts; the QR codes of the measured vendors are not cached yet. Rates are
placards per CPU second of that process, i.e. per core (the rendering is single-threaded); wall
time is printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fastest import fastest  # after the path is set

TARGET_RATE = 100.0  # placards per second per core, end to end
TARGET_RATIO = 3.0  # batch against baseline
TARGET_RSS_MB = 300.0


def build_database(database_url: str, vendors: int) -> int:
    """Migrate, load the reference data and one market of `vendors` traders with bank
    accounts; returns the market's id."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import create_app
    from db import db
    from demo import data
    from demo.service import ensure_reference_data
    from market.models import Market, MarketClass, Stall
    from textnorm import search_key, to_ascii
    from vendors.models import (
        PaymentMethod,
        PaymentMethodKind,
        Vendor,
        VendorKind,
        VendorStatusPeriod,
    )

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    rng = random.Random(1000)
    with app.app_context():
        upgrade()
        session = db.session
        ensure_reference_data(session, dt.date.today())
        market = Market(
            name="Chợ Trung tâm Thái Nguyên",
            search_key=search_key("Cho Trung tam Thai Nguyen"),
            ward_code="05443",
            market_class=MarketClass.I,
        )
        session.add(market)
        session.flush()
        zones = [letter for letter, _ in data.ZONES]
        session.execute(
            insert(Stall),
            [
                {"market_id": market.id, "code": f"{zones[i % 4]}-{i // 4 + 1:03d}"}
                for i in range(vendors)
            ],
        )
        stall_ids = list(
            session.scalars(select(Stall.id).where(Stall.market_id == market.id).order_by(Stall.id))
        )
        names = [
            " ".join(
                (
                    rng.choice(data.SURNAMES),
                    rng.choice(data.MIDDLE_FEMALE),
                    rng.choice(data.GIVEN_FEMALE),
                )
            )
            for _ in range(vendors)
        ]
        session.execute(
            insert(Vendor),
            [
                {
                    "kind": VendorKind.TRADER.value,
                    "name": name,
                    "search_key": search_key(name),
                    "market_id": market.id,
                    "stall_id": stall_id,
                }
                for name, stall_id in zip(names, stall_ids)
            ],
        )
        vendor_ids = list(
            session.scalars(
                select(Vendor.id).where(Vendor.market_id == market.id).order_by(Vendor.id)
            )
        )
        session.execute(
            insert(VendorStatusPeriod),
            [
                {"vendor_id": vendor_id, "joined_on": dt.date(2023, 1, 1)}
                for vendor_id in vendor_ids
            ],
        )
        accounts = []
        for vendor_id, name in zip(vendor_ids, names):
            bin_, length = rng.choice(data.BANK_ACCOUNTS)
            accounts.append(
                {
                    "vendor_id": vendor_id,
                    "kind": PaymentMethodKind.BANK_ACCOUNT.value,
                    "bank_bin": bin_,
                    "account_number": str(rng.randrange(10 ** (length - 1), 10**length)),
                    "account_holder": to_ascii(name).upper(),
                    "started_on": dt.date(2024, 1, 1),
                }
            )
        session.execute(insert(PaymentMethod), accounts)
        session.commit()
        market_id = market.id
        db.engine.dispose()
    return market_id


def measure(
    database_url: str, market_id: int, mode: str, per_page: int, repeat: int, output: str | None
) -> dict:
    """In this (child) process: warm up, then time rows -> PDF bytes for `mode`, `repeat` times
    with the QR codes forgotten each time; the fastest run counts (this machine is shared)."""
    from app import create_app
    from db import db
    from qr import pdf as pdf_module
    from qr.payload import build_vietqr
    from qr.pdf import render_market_placards, render_vendor_placard
    from qr.placard_data import Placard, market_placards
    from qr.render import qr_pdf_operators, qr_symbol

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        warm = Placard(
            0,
            "Khởi Động",
            "KHOI DONG",
            "Vietcombank",
            "970436",
            "1",
            "A-0",
            "Chợ",
            build_vietqr("970436", "1"),
        )
        render_vendor_placard(warm, "a6")
        render_market_placards([warm], per_page)
        runs = []
        for _ in range(repeat):
            qr_symbol.cache_clear()
            qr_pdf_operators.cache_clear()
            wall, cpu = time.perf_counter(), time.process_time()
            placards = market_placards(db.session, market_id)
            if mode == "batch":
                documents = [
                    render_market_placards(placards, per_page, title="Chợ Trung tâm Thái Nguyên")
                ]
            elif mode == "baseline":
                documents = [render_vendor_placard(placard, "a6") for placard in placards]
            else:  # naive: WeasyPrint's default of a new font configuration for each document
                documents = []
                for placard in placards:
                    pdf_module._fonts.config = None
                    documents.append(render_vendor_placard(placard, "a6"))
            runs.append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = min(runs)
        result = {
            "mode": mode,
            "placards": len(placards),
            "cpu": cpu,
            "wall": wall,
            "cpu_runs": [round(run[0], 2) for run in runs],
            "bytes": sum(map(len, documents)),
            "documents": len(documents),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "encoded": qr_symbol.cache_info().misses,
        }
        if mode == "batch":
            # The same market again: every payload is unchanged, so no code is encoded again.
            again = time.process_time()
            render_market_placards(market_placards(db.session, market_id), per_page)
            result["again_cpu"] = time.process_time() - again
            result["encoded_again"] = qr_symbol.cache_info().misses - result["encoded"]
            if output:
                Path(output).write_bytes(documents[0])
        db.engine.dispose()
    return result


def child(
    database_url: str, market_id: int, mode: str, per_page: int, repeat: int, output: str | None
) -> dict:
    command = [
        sys.executable,
        __file__,
        "--measure",
        mode,
        "--database-url",
        database_url,
        "--market",
        str(market_id),
        "--per-page",
        str(per_page),
        "--repeat",
        str(repeat),
    ]
    if output:
        command += ["--output", output]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=1000)
    parser.add_argument("--per-page", type=int, choices=(1, 2, 4), default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--output", help="also write the batch PDF here")
    parser.add_argument("--measure", choices=("batch", "baseline", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--market", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(
            args.database_url, args.market, args.measure, args.per_page, args.repeat, args.output
        )
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        started = time.perf_counter()
        market_id = build_database(database_url, args.vendors)
        print(
            f"database: {database_url.split('@')[-1]}, one market of {args.vendors} vendors with "
            f"bank accounts ({time.perf_counter() - started:.1f} s to build)"
        )
        # Batch and baseline take turns, one run per child process, so that a slow spell of
        # this shared machine falls on both rather than on whichever ran during it.
        batches, baselines = [], []
        for turn in range(args.repeat):
            batches.append(child(database_url, market_id, "batch", args.per_page, 1,
                                 args.output if turn == 0 else None))
            baselines.append(child(database_url, market_id, "baseline", args.per_page, 1, None))
        batch, baseline = fastest(batches), fastest(baselines)
        naive = child(database_url, market_id, "naive", args.per_page, 1, None)

    rate = batch["placards"] / batch["cpu"]
    base_rate = baseline["placards"] / baseline["cpu"]
    ratio = rate / base_rate
    print(
        f"batch, {args.per_page} a page, one document: {batch['placards']} placards, "
        f"{batch['cpu']:.2f} s CPU ({batch['wall']:.2f} s wall), {rate:.0f} placards/s per core, "
        f"{batch['bytes'] / 1e6:.1f} MB PDF, peak RSS {batch['rss_mb']:.0f} MB, "
        f"{batch['encoded']} codes encoded a run (CPU s of each run: {batch['cpu_runs']})"
    )
    print(
        f"  same market again, codes unchanged: {batch['placards'] / batch['again_cpu']:.0f} "
        f"placards/s per core, {batch['encoded_again']} codes encoded again"
    )
    print(
        f"baseline, one A6 document each: {baseline['placards']} placards, "
        f"{baseline['cpu']:.2f} s CPU ({baseline['wall']:.2f} s wall), {base_rate:.0f} placards/s "
        f"per core, {baseline['bytes'] / 1e6:.1f} MB in {baseline['documents']} PDFs, "
        f"peak RSS {baseline['rss_mb']:.0f} MB (CPU s of each run: {baseline['cpu_runs']})"
    )

    naive_rate = naive["placards"] / naive["cpu"]
    print(
        f"for reference, one A6 document each with a new WeasyPrint font configuration each "
        f"(WeasyPrint's default, how qr/pdf.py rendered before it kept one per thread): "
        f"{naive_rate:.0f} placards/s per core, batch {rate / naive_rate:.1f}x that, "
        f"peak RSS {naive['rss_mb']:.0f} MB"
    )

    checks = [
        (f"batch rate {rate:.0f}/s per core >= {TARGET_RATE:.0f}", rate >= TARGET_RATE),
        (f"batch / baseline {ratio:.1f}x >= {TARGET_RATIO:.0f}x", ratio >= TARGET_RATIO),
        (
            f"batch peak RSS {batch['rss_mb']:.0f} MB <= {TARGET_RSS_MB:.0f} MB",
            batch["rss_mb"] <= TARGET_RSS_MB,
        ),
        ("unchanged codes not encoded again", batch["encoded_again"] == 0),
    ]
    for label, ok in checks:
        print(f"{'ok    ' if ok else 'MISSED'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
