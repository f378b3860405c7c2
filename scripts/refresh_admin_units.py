"""Rewrites market/data/admin_units.csv from the `vietnamadminunits` package, dated today.
For developers only: the package (with shapely, geopy...) is in requirements-dev.txt, and the
app reads the CSV it ships, never the package.

    .venv/bin/python scripts/refresh_admin_units.py

Then `git diff market/data/admin_units.csv`, run tests/market, and commit the file.
"""
from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PACKAGE = "vietnamadminunits"
# The package's 34-province table; its other table, admin_units_legacy, is the 63 provinces
# before the reform.
TABLE = "admin_units"
# The package's column for each of AdminUnitRow's fields, in the same order.
PACKAGE_FIELDS = (
    "provinceCode", "province", "provinceShort", "provinceLat", "provinceLon",
    "wardCode", "ward", "wardShort", "wardType", "wardLat", "wardLon",
)


def package_rows() -> list:
    """The package's rows as AdminUnitRow, sorted by province then ward code."""
    from vietnamadminunits.database import get_data

    from market.admin_units import AdminUnitRow
    from textnorm import nfc

    rows = [
        AdminUnitRow(*(nfc(value) if isinstance(value, str) else value
                       for value in (record[field] for field in PACKAGE_FIELDS)))
        for record in get_data(fields=list(PACKAGE_FIELDS), table=TABLE)
    ]
    return sorted(rows, key=lambda row: (row.province_code, row.ward_code))


def render_csv(rows: list, version: str, taken_on: dt.date) -> str:
    """The file's text: its header lines (what it is, its source and date), then the rows."""
    from market.admin_units import COLUMNS

    provinces = len({row.province_code for row in rows})
    out = io.StringIO()
    out.write(
        f"# Vietnam's administrative units in force since 2025-07-01: {provinces} provinces and "
        f"centrally-run cities, {len(rows):,} communes, wards and special zones (xã, phường, "
        "đặc khu), one row per commune-level unit with its province.\n"
        "# Official codes (2 digits for a province, 5 for a commune-level unit), full and short "
        "names (UTF-8, NFC), ward_type Xã, Phường or Đặc khu, latitude and longitude in decimal "
        "degrees as the source gives them.\n"
        f"# Source: PyPI {PACKAGE} {version} (MIT licence, "
        f"github.com/tranngocminhhieu/vietnamadminunits), its 34-province dataset (table {TABLE}); "
        f"taken {taken_on.isoformat()}\n"
        "# Refreshed by scripts/refresh_admin_units.py; loaded by `flask units load`.\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow("" if value is None else value
                        for value in (getattr(row, column) for column in COLUMNS))
    return out.getvalue()


def main() -> None:
    from market.admin_units import ADMIN_UNITS_CSV, read_admin_unit_list, shipped_admin_units

    rows = package_rows()
    text = render_csv(rows, importlib.metadata.version(PACKAGE), dt.date.today())
    # The reader the app uses must take what was written, or nothing is written.
    if read_admin_unit_list(text)[0] != rows:
        raise SystemExit("The CSV does not read back as the package's rows; nothing written.")
    previous = set(shipped_admin_units()[0]) if ADMIN_UNITS_CSV.exists() else set()
    ADMIN_UNITS_CSV.parent.mkdir(exist_ok=True)
    ADMIN_UNITS_CSV.write_text(text, encoding="utf-8")
    print(f"{ADMIN_UNITS_CSV.relative_to(ROOT)}: "
          f"{len({row.province_code for row in rows})} provinces, {len(rows)} communes; "
          f"{len(set(rows) - previous)} rows not in the previous file, "
          f"{len(previous - set(rows))} of its rows no longer there.")


if __name__ == "__main__":
    main()
