"""`flask units load`: load or refresh administrative units from the shipped list or a CSV."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from db import db
from market.admin_units import (
    AdminUnitListError,
    load_admin_units,
    read_admin_unit_list,
    shipped_admin_units,
)


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
    try:
        rows, source = (
            read_admin_unit_list(Path(csv_file).read_text(encoding="utf-8-sig")) if csv_file
            else shipped_admin_units()
        )
    except UnicodeDecodeError as error:
        raise click.UsageError(f"{csv_file}: tệp không phải UTF-8 (byte {error.start}).") from error
    except AdminUnitListError as error:
        raise click.UsageError(
            f"{csv_file or 'market/data/admin_units.csv'}: {error}"
        ) from error
    provinces, wards = load_admin_units(db.session, rows)
    db.session.commit()
    click.echo(f"Đã nạp {provinces} tỉnh/thành và {wards} xã/phường/đặc khu ({source}).")
