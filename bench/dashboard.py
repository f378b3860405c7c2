"""Dashboard figures on PostgreSQL at the country's scale: the share of every province on a day,
one province broken down to its markets, and a province's 12-month series, each counted in SQL
(market/stats.py) against the naive per-vendor computation in Python, in the same run, with
floors measured in the same run; the figures of both ways must be equal.

    .venv/bin/python bench/dashboard.py [--rebuild] [--province CODE] [--runs 7]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The database (cho40_bench on that server; never the one named in --server) is built once by the
app's migrations, the shipped administrative units (34 provinces, 3,321 communes) and banks,
then 10,000 markets and 1,000,000 vendors with two years of history (joining, leaving, some
coming back; payment methods added and stopped), generated in SQL, then VACUUM ANALYZE. Later
runs reuse it (a few seconds) and bring it to the newest migration; --rebuild drops it first.

The naive way loads the vendors as the app's objects with their periods and payment methods
(all of them for the provinces, the province's for the breakdown and the series; in chunks of
20,000, so that a million fit in memory) and decides each vendor's status with
vendors/status.py's functions, counting per unit in Python. The SQL way's time is the fastest
of --runs calls after one to warm the caches (the machine is shared), wall clock, with the
median beside it. Beside each wall time, the CPU time of this process and of the PostgreSQL
backend serving it (read from /proc when the server runs on this machine; parallel workers
not included): on a loaded machine the wall time is mostly waiting for a core.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "cho40_bench"
MARKETS = 10_000
VENDORS = 1_000_000
HISTORY_START = dt.date(2024, 12, 1)
DAY = dt.date(2026, 11, 30)  # the day the figures are read on: the end of the two years
SERIES = ((2025, 12), (2026, 11))  # the 12 months ending with DAY's
TARGET_MS = 300.0
TARGET_RATIO = 50.0
NAIVE_CHUNK = 20_000


# --- The database ---------------------------------------------------------------------------

def database_url(server: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def ensure_database(server: str, rebuild: bool) -> bool:
    """Create the bench database if missing (dropped first with `rebuild`); True if created."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if rebuild:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                             {"name": DATABASE})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return not exists


# Every random choice is made once per row in a subquery (r1, r2, ...), so that a CASE reads the
# same draw in each branch. setseed() makes the data the same on every build.
_GENERATE = [
    "SELECT setseed(0.40)",
    # Markets spread at random over the communes (about 3 a commune, some with none).
    f"""
    INSERT INTO markets (id, name, search_key, ward_code, market_class, created_at)
    SELECT n, 'Chợ số ' || n, 'cho so ' || n, codes[1 + floor(r1 * cardinality(codes))::int],
           (ARRAY['I', 'II', 'III', NULL])[1 + floor(r2 * 4)::int], now()
    FROM (SELECT n, random() r1, random() r2 FROM generate_series(1, {MARKETS}) n) draws,
         (SELECT array_agg(code ORDER BY code) codes FROM wards) w
    """,
    # 3 % cooperatives without a market, registered in a commune; the rest trade at a market.
    f"""
    INSERT INTO vendors (id, kind, name, search_key, phone, citizen_id, market_id, ward_code,
                         created_at)
    SELECT n,
           CASE WHEN r1 < 0.03 THEN 'cooperative' WHEN r1 < 0.23 THEN 'household_business'
                ELSE 'trader' END,
           'Người bán số ' || n, 'nguoi ban so ' || n, '09' || lpad(n::text, 8, '0'),
           CASE WHEN r3 < 0.6 THEN '0011' || lpad(n::text, 8, '0') END,
           CASE WHEN r1 >= 0.03 THEN 1 + floor(r2 * {MARKETS})::int END,
           CASE WHEN r1 < 0.03 THEN codes[1 + floor(r2 * cardinality(codes))::int] END,
           now()
    FROM (SELECT n, random() r1, random() r2, random() r3
          FROM generate_series(1, {VENDORS}) n) draws,
         (SELECT array_agg(code ORDER BY code) codes FROM wards) w
    """,
    # Membership: 40 % joined before the two years began, the rest during them; 30 % left, half
    # of those came back (a second period, which 20 % left again). Periods end past DAY: open.
    f"""
    CREATE TEMP TABLE membership AS
    SELECT vendor_id, joined_1, left_1,
           CASE WHEN left_1 IS NOT NULL AND r5 < 0.5 AND left_1 + gap <= DATE '{DAY}'
                THEN left_1 + gap END AS joined_2, r6, r7
    FROM (
        SELECT vendor_id, joined_1,
               CASE WHEN r3 < 0.3 AND joined_1 + stay <= DATE '{DAY}' THEN joined_1 + stay END
                   AS left_1,
               r5, r6, r7, gap
        FROM (
            SELECT id AS vendor_id,
                   CASE WHEN r1 < 0.4 THEN DATE '2019-01-01' + floor(r2 * 2160)::int
                        ELSE DATE '{HISTORY_START}' + floor(r2 * 720)::int END AS joined_1,
                   random() r3, 1 + floor(random() * 600)::int AS stay, random() r5,
                   floor(random() * 150)::int AS gap, random() r6, random() r7
            FROM (SELECT id, random() r1, random() r2 FROM vendors) v
        ) a
    ) b
    """,
    """
    INSERT INTO vendor_status_periods (vendor_id, joined_on, left_on, left_reason)
    SELECT vendor_id, joined_1, left_1, CASE WHEN left_1 IS NOT NULL THEN 'Nghỉ bán' END
    FROM membership
    UNION ALL
    SELECT vendor_id, joined_2, left_2, CASE WHEN left_2 IS NOT NULL THEN 'Nghỉ bán' END
    FROM (SELECT vendor_id, joined_2,
                 CASE WHEN r6 < 0.2 AND joined_2 + 1 + floor(r7 * 300)::int <= DATE '{DAY}'
                      THEN joined_2 + 1 + floor(r7 * 300)::int END AS left_2
          FROM membership WHERE joined_2 IS NOT NULL) second
    ORDER BY 1, 2
    """.replace("{DAY}", str(DAY)),
    # Payment methods: a bank account for 70 %, a wallet for 25 %, a card terminal for 4 %,
    # started from half a year before the two years to their end; some stopped since.
    f"""
    INSERT INTO payment_methods (vendor_id, kind, bank_bin, account_number, account_holder,
                                 wallet_provider, terminal_provider, terminal_id, started_on,
                                 stopped_on, created_at)
    SELECT vendor_id, kind,
           CASE WHEN kind = 'bank_account' THEN bins[1 + floor(r4 * cardinality(bins))::int] END,
           CASE WHEN kind = 'bank_account' THEN '1903' || lpad(vendor_id::text, 9, '0') END,
           CASE WHEN kind = 'bank_account' THEN 'NGUOI BAN SO ' || vendor_id END,
           CASE WHEN kind = 'ewallet'
                THEN (ARRAY['momo', 'zalopay', 'viettel_money', 'vnpt_money', 'shopeepay'])
                     [1 + floor(r4 * 5)::int] END,
           CASE WHEN kind = 'card_terminal' THEN 'VNPAY' END,
           CASE WHEN kind = 'card_terminal' THEN lpad(vendor_id::text, 8, '0') END,
           started_on,
           CASE WHEN r3 < stop_share AND started_on + 1 + floor(r5 * 400)::int <= DATE '{DAY}'
                THEN started_on + 1 + floor(r5 * 400)::int END,
           now()
    FROM (
        SELECT v.id AS vendor_id, m.kind, m.stop_share,
               DATE '{HISTORY_START}' - 200 + floor(random() * 930)::int AS started_on,
               random() r1, random() r3, random() r4, random() r5, m.share
        FROM vendors v
        CROSS JOIN (VALUES ('bank_account', 0.70, 0.15), ('ewallet', 0.25, 0.10),
                           ('card_terminal', 0.04, 0.10)) AS m(kind, share, stop_share)
    ) draws, (SELECT array_agg(bin ORDER BY bin) bins FROM banks) b
    WHERE r1 < share AND started_on <= DATE '{DAY}'
    ORDER BY vendor_id, started_on
    """,
    "SELECT setval(pg_get_serial_sequence('markets', 'id'), (SELECT max(id) FROM markets))",
    "SELECT setval(pg_get_serial_sequence('vendors', 'id'), (SELECT max(id) FROM vendors))",
]


def build(url: str) -> None:
    """The app's migrations, the shipped units and banks, then the generated country; on a
    reused database only the migrations it lacks (new indexes). VACUUM ANALYZE after either."""
    from flask_migrate import upgrade
    from sqlalchemy import func, inspect, select, text

    from app import create_app
    from db import db
    from market.admin_units import load_admin_units, shipped_admin_units
    from market.models import Province
    from qr.banks import load_banks, shipped_bank_list
    from vendors.models import Vendor

    def revision():
        if not inspect(db.engine).has_table("alembic_version"):
            return None
        with db.engine.connect() as conn:
            return conn.scalar(text("SELECT version_num FROM alembic_version"))

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        before = revision()
        upgrade()
        changed = revision() != before
        session = db.session
        if session.scalar(select(func.count()).select_from(Province)) == 0:
            started = time.perf_counter()
            load_admin_units(session, shipped_admin_units()[0])
            rows, source = shipped_bank_list()
            load_banks(session, rows, source, DAY)
            for statement in _GENERATE:
                session.execute(text(statement))
            session.commit()
            changed = True
            print(f"generated in {time.perf_counter() - started:.0f} s")
        vendors = session.scalar(select(func.count()).select_from(Vendor))
        session.commit()
        if vendors != VENDORS:
            raise SystemExit(f"{DATABASE} holds {vendors:,} vendors, not {VENDORS:,}: --rebuild")
        if changed:
            started = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # The visibility map too (VACUUM): index-only scans then skip the tables.
                conn.execute(text("VACUUM ANALYZE"))
            print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
        db.engine.dispose()


# --- Measuring ------------------------------------------------------------------------------

class Backend:
    """The session's PostgreSQL backend process, for its CPU time (None when not readable)."""

    def __init__(self, session):
        from sqlalchemy import text

        self.pid = session.execute(text("SELECT pg_backend_pid()")).scalar()

    def cpu_ms(self) -> float | None:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def clocked(call, backend: Backend) -> dict:
    """`call()`'s result, wall time and CPU time: this process's and the PostgreSQL backend's."""
    backend_cpu, own_cpu = backend.cpu_ms(), time.process_time()
    started = time.perf_counter()
    result = call()
    wall = (time.perf_counter() - started) * 1000
    own = (time.process_time() - own_cpu) * 1000
    server = backend.cpu_ms() - backend_cpu if backend_cpu is not None else None
    return {"result": result, "ms": wall, "python_ms": own, "server_ms": server,
            "cpu_ms": own + (server or 0)}


def time_sql(call, runs: int, backend: Backend) -> dict:
    """The fastest of `runs` calls after a warming one, with the median wall time."""
    call()
    measured = [clocked(call, backend) for _ in range(runs)]
    best = dict(min(measured, key=lambda run: run["ms"]))
    best["median_ms"] = statistics.median(run["ms"] for run in measured)
    return best


def floor(session, sql: str, runs: int, backend: Backend, **params) -> dict:
    """A bare statement's fastest run after a warming one: what reading those rows costs."""
    from sqlalchemy import text

    return time_sql(lambda: session.execute(text(sql), params).all(), runs, backend)


def floor_text(*runs: dict) -> str:
    """Floor runs as text: a + b = c ms (PostgreSQL CPU x + y = z ms)."""
    walls = [run["ms"] for run in runs]
    cpus = [run["server_ms"] for run in runs]
    text = " + ".join(f"{ms:.0f}" for ms in walls)
    text += f" = {sum(walls):.0f} ms" if len(runs) > 1 else " ms"
    if None not in cpus:
        text += " (PostgreSQL CPU " + " + ".join(f"{ms:.0f}" for ms in cpus)
        text += f" = {sum(cpus):.0f} ms)" if len(runs) > 1 else " ms)"
    return text


# --- The naive way: every vendor as an object, its status decided in Python -----------------

class Places:
    """Where each vendor counts: its market's commune, or its own without a market."""

    def __init__(self, session):
        from sqlalchemy import select

        from market.models import Market, Ward

        self.market_ward = dict(session.execute(select(Market.id, Market.ward_code)).all())
        self.ward_province = dict(session.execute(select(Ward.code, Ward.province_code)).all())

    def ward_of(self, vendor) -> str:
        return self.market_ward[vendor.market_id] if vendor.market_id else vendor.ward_code


def load_vendors(session, condition):
    """The vendors matching `condition` with their periods and payment methods, as objects,
    NAIVE_CHUNK at a time (the session holds them weakly: a counted chunk is freed)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from vendors.models import Vendor

    stmt = (select(Vendor).where(condition).order_by(Vendor.id)
            .options(selectinload(Vendor.status_periods), selectinload(Vendor.payment_methods))
            .execution_options(yield_per=NAIVE_CHUNK))
    for chunk in session.scalars(stmt).partitions():
        yield from chunk


def province_vendors(province: str):
    """The province's vendors, as a WHERE clause a naive query could write."""
    from sqlalchemy import and_, or_, select

    from market.models import Market, Ward
    from vendors.models import Vendor

    wards = select(Ward.code).where(Ward.province_code == province)
    return or_(Vendor.market_id.in_(select(Market.id).where(Market.ward_code.in_(wards))),
               and_(Vendor.market_id.is_(None), Vendor.ward_code.in_(wards)))


def naive_provinces(session, day: dt.date) -> dict:
    from sqlalchemy import true

    from market.indicators import Counts
    from vendors.status import is_active_on, is_cashless_on

    places = Places(session)
    counts: dict[str, Counts] = defaultdict(Counts)
    for vendor in load_vendors(session, true()):
        if is_active_on(vendor, day):
            province = places.ward_province[places.ward_of(vendor)]
            counts[province] += Counts(1, int(is_cashless_on(vendor, day)))
    return dict(counts)


def naive_breakdown(session, day: dt.date, province: str) -> dict:
    """{(level, code): counts} for the province, its communes and its markets."""
    from market.indicators import Counts
    from vendors.status import is_active_on, is_cashless_on

    places = Places(session)
    counts: dict[tuple, Counts] = defaultdict(Counts)
    for vendor in load_vendors(session, province_vendors(province)):
        if is_active_on(vendor, day):
            one = Counts(1, int(is_cashless_on(vendor, day)))
            counts[("province", province)] += one
            counts[("ward", places.ward_of(vendor))] += one
            if vendor.market_id:
                counts[("market", str(vendor.market_id))] += one
    return dict(counts)


def naive_series(session, days: list[dt.date], province: str) -> list:
    from market.indicators import Counts
    from vendors.status import is_active_on, is_cashless_on

    counts = [Counts() for _ in days]
    for vendor in load_vendors(session, province_vendors(province)):
        for n, day in enumerate(days):
            if is_active_on(vendor, day):
                counts[n] += Counts(1, int(is_cashless_on(vendor, day)))
    return counts


def unit_counts(unit) -> dict:
    """{(level, code): counts} of a unit and every unit below it that has an active vendor."""
    found = {(unit.level, unit.code): unit.counts} if unit.counts.active else {}
    for child in unit.children:
        found |= unit_counts(child)
    return found


# --- The run ----------------------------------------------------------------------------------

def cpu_text(run: dict, unit: str) -> str:
    scale = 1000 if unit == "s" else 1
    server = (f"PostgreSQL {run['server_ms'] / scale:,.{1 if unit == 's' else 0}f} {unit} + "
              if run["server_ms"] is not None else "")
    return f"CPU {server}Python {run['python_ms'] / scale:,.{1 if unit == 's' else 0}f} {unit}"


def report(label: str, call: str, sql: dict, naive: dict, naive_work: str,
           floors: str) -> bool:
    ratio, cpu_ratio = naive["ms"] / sql["ms"], naive["cpu_ms"] / sql["cpu_ms"]
    ms_ok, ratio_ok = sql["ms"] <= TARGET_MS, ratio >= TARGET_RATIO
    print(f"\n{label}\n  {call}")
    print(f"  SQL:   {sql['ms']:,.0f} ms fastest ({cpu_text(sql, 'ms')}), {sql['median_ms']:,.0f} "
          f"ms median; target <= {TARGET_MS:.0f} ms: {'ok' if ms_ok else 'MISSED'}")
    print(f"  naive: {naive['ms'] / 1000:,.1f} s ({cpu_text(naive, 's')}; {naive_work}); "
          f"{ratio:,.0f}x the SQL (CPU {cpu_ratio:,.0f}x); target >= {TARGET_RATIO:.0f}x: "
          f"{'ok' if ratio_ok else 'MISSED'}")
    print(f"  floor: {floors}")
    return ms_ok and ratio_ok


def measure(url: str, runs: int, province: str | None) -> bool:
    from sqlalchemy import func, select, text

    from app import create_app
    from db import db
    from market import stats
    from market.models import Market, Province, Ward
    from periods import month_last_day, months
    from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        session = db.session
        backend = Backend(session)
        if province is None:  # the largest: the worst case of a breakdown
            province = session.execute(
                select(Ward.province_code).join(Market, Market.ward_code == Ward.code)
                .join(Vendor, Vendor.market_id == Market.id)
                .group_by(Ward.province_code).order_by(func.count().desc()).limit(1)).scalar()
        name = session.get(Province, province).name
        rows = {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Vendor, VendorStatusPeriod, PaymentMethod, Market, Ward, Province)}
        print(", ".join(f"{table} {count:,}" for table, count in rows.items()))
        print(f"day {DAY}; province {province} {name}; load average "
              f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
              f"jit {session.execute(text('SHOW jit')).scalar()}, work_mem "
              f"{session.execute(text('SHOW work_mem')).scalar()}")
        passed = True

        # Floors: what reading the rows involved costs at all, same run.
        tables = ("vendors", "vendor_status_periods", "payment_methods")
        bare = {table: floor(session, f"SELECT count(*) FROM {table}", runs, backend)
                for table in tables}
        active_only = floor(
            session, "SELECT count(*) FROM vendors v WHERE EXISTS (SELECT 1 FROM "
            "vendor_status_periods p WHERE p.vendor_id = v.id AND p.joined_on <= :day AND "
            "(p.left_on IS NULL OR p.left_on > :day))", runs, backend, day=DAY)
        area = stats.Area(province_code=province)
        ids_sql = ("SELECT count(*) FROM {table} WHERE vendor_id = ANY(ARRAY("
                   "SELECT v.id FROM vendors v JOIN markets m ON m.id = v.market_id "
                   "JOIN wards w ON w.code = m.ward_code WHERE w.province_code = :p "
                   "UNION ALL SELECT v.id FROM vendors v JOIN wards w ON w.code = v.ward_code "
                   "WHERE v.market_id IS NULL AND w.province_code = :p))")
        lookups = [floor(session, ids_sql.format(table=table), runs, backend, p=province)
                   for table in tables[1:]]
        province_ids = session.scalar(text(ids_sql.format(table="vendors").replace(
            "WHERE vendor_id = ANY(ARRAY(", "WHERE id = ANY(ARRAY(")), {"p": province})
        lookup_floor = (f"the province's {province_ids:,} vendors' periods and methods looked "
                        f"up by id and counted, nothing else: {floor_text(*lookups)}")

        # (a) every province on DAY.
        sql = time_sql(lambda: stats.province_counts(session, DAY), runs, backend)
        naive = clocked(lambda: naive_provinces(session, DAY), backend)
        assert sql["result"] == naive["result"], "province counts differ"
        total = sum(sql["result"].values(), stats.Counts())
        print(f"\n  (a) {len(sql['result'])} provinces, {total.active:,} active, {total.cashless:,} "
              "cashless: SQL and naive equal")
        passed &= report(
            "(a) the share of every province on a day", "market.stats.province_counts(session, "
            f"{DAY!r})", sql, naive, "1,000,000 vendors loaded and decided",
            f"SELECT count(*) alone of {', '.join(tables)}: {floor_text(*bare.values())}; "
            f"the country's active vendors counted, nothing else (one join): "
            f"{floor_text(active_only)}")

        # (b) the province broken down to its markets on DAY.
        sql = time_sql(lambda: stats.area_unit(session, DAY, area), runs, backend)
        naive = clocked(lambda: naive_breakdown(session, DAY, province), backend)
        assert unit_counts(sql["result"]) == naive["result"], "breakdown differs"
        markets = sum(len(ward.children) for ward in sql["result"].children)
        print(f"\n  (b) {len(sql['result'].children)} communes, {markets} markets, "
              f"{sql['result'].counts.active:,} active: SQL and naive equal")
        passed &= report(
            f"(b) one province's breakdown to markets ({province} {name})",
            f"market.stats.area_unit(session, {DAY!r}, Area(province_code={province!r}))",
            sql, naive, "the province's vendors loaded and decided", lookup_floor)

        # (c) the province's 12 months.
        days = [month_last_day(year, month) for year, month in months(*SERIES)]
        sql = time_sql(lambda: stats.monthly_series(session, area, *SERIES), runs, backend)
        naive = clocked(lambda: naive_series(session, days, province), backend)
        series = [figure.counts for figure in sql["result"]]
        assert series == naive["result"], "series differs"
        print(f"\n  (c) {len(series)} months, {series[0].active:,} to {series[-1].active:,} "
              "active: SQL and naive equal")
        passed &= report(
            f"(c) one province's 12-month series ({province} {name})",
            f"market.stats.monthly_series(session, Area(province_code={province!r}), "
            f"{SERIES[0]}, {SERIES[1]})", sql, naive,
            "the province's vendors loaded once, decided for 12 days", lookup_floor)
        print(f"\nload average at the end "
              f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
        db.engine.dispose()
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=DEFAULT_SERVER,
                        help="a database URL on the PostgreSQL server (its database is not used)")
    parser.add_argument("--rebuild", action="store_true", help="drop and generate the data again")
    parser.add_argument("--province", help="province code (default: the one with most vendors)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = database_url(args.server)
    ensure_database(args.server, args.rebuild)
    build(url)
    return 0 if measure(url, args.runs, args.province) else 1


if __name__ == "__main__":
    sys.exit(main())
