"""`flask units load`: load or refresh administrative units from their maintained source."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from db import db
from market.service import load_admin_units, read_admin_units


@click.group("units", help="Đơn vị hành chính (34 tỉnh/thành, 3.321 xã/phường/đặc khu).")
def units_cli() -> None:
    pass


@units_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Nạp hoặc cập nhật đơn vị hành chính theo mã chính thức."""
    provinces, wards = load_admin_units(db.session, read_admin_units())
    db.session.commit()
    click.echo(f"Đã nạp {provinces} tỉnh/thành và {wards} xã/phường/đặc khu.")
