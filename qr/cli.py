"""`flask banks ...`: load or update the bank directory."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from db import db
from qr.banks import BankListError, load_banks, read_bank_list, shipped_bank_list


@click.group("banks", help="Danh bạ ngân hàng thành viên NAPAS.")
def banks_cli() -> None:
    pass


@banks_cli.command("load")
@click.argument("csv_file", required=False, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def load_command(csv_file: str | None) -> None:
    """Nạp danh sách ngân hàng đi kèm, hoặc từ CSV_FILE (cùng cột với qr/data/banks.csv)."""
    try:
        rows, source = (
            read_bank_list(Path(csv_file).read_text(encoding="utf-8-sig")) if csv_file
            else shipped_bank_list()
        )
    except BankListError as error:
        raise click.UsageError(str(error)) from error
    count = load_banks(db.session, rows, source, dt.date.today())
    db.session.commit()
    click.echo(f"Đã nạp {count} ngân hàng ({source}).")
