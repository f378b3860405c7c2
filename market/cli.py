"""`flask units load`: load or refresh administrative units from the shipped list or a CSV."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from db import db
from market.admin_units import ADMIN_UNITS_CSV, load_admin_units, read_admin_unit_list
from reference_csv import ReferenceListError, read_reference_file


@click.group("units", help="Đơn vị hành chính (34 tỉnh/thành, 3.321 xã/phường/đặc khu).")
def units_cli() -> None:
    pass


@units_cli.command("load")
@click.argument("csv_file", required=False, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def load_command(csv_file: str | None) -> None:
    """Nạp danh sách đi kèm, hoặc từ CSV_FILE (cùng cột với market/data/admin_units.csv).

    Tỉnh/thành và xã/phường/đặc khu được thêm hoặc cập nhật theo mã chính thức. Một dòng sai là
    cả tệp bị từ chối (mã thoát 2), không nạp gì.
    """
    path = Path(csv_file) if csv_file else ADMIN_UNITS_CSV
    try:
        rows, source = read_reference_file(path, read_admin_unit_list)
    except ReferenceListError as error:
        raise click.UsageError(f"{path}: {error}") from error
    provinces, wards = load_admin_units(db.session, rows)
    db.session.commit()
    click.echo(f"Đã nạp {provinces} tỉnh/thành và {wards} xã/phường/đặc khu ({source}).")
