"""`flask banks ...`: load or update the bank directory."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from db import db
from qr.banks import (
    BankListError,
    BankLoadReport,
    list_banks,
    load_banks,
    read_bank_list,
    shipped_bank_list,
)


@click.group("banks", help="Danh bạ ngân hàng thành viên NAPAS.")
def banks_cli() -> None:
    pass


@banks_cli.command("load")
@click.argument("csv_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Chỉ báo những gì sẽ thay đổi, không ghi gì.")
@with_appcontext
def load_command(csv_file: str | None, dry_run: bool) -> None:
    """Nạp danh sách ngân hàng đi kèm, hoặc từ CSV_FILE (cùng cột với qr/data/banks.csv).

    Ngân hàng đã có được cập nhật theo BIN và không bao giờ bị xoá. Một dòng sai là cả tệp bị
    từ chối (mã thoát 2), không nạp gì.
    """
    try:
        rows, source = (
            read_bank_list(Path(csv_file).read_text(encoding="utf-8-sig")) if csv_file
            else shipped_bank_list()
        )
    except UnicodeDecodeError as error:
        raise click.UsageError(f"{csv_file}: tệp không phải UTF-8 (byte {error.start}).") from error
    except BankListError as error:
        raise click.UsageError(f"{csv_file or 'qr/data/banks.csv'}: {error}") from error
    report = load_banks(db.session, rows, source, dt.date.today())
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    _echo_load_report(report, len(rows), source, dry_run)


def _echo_load_report(report: BankLoadReport, count: int, source: str, dry_run: bool) -> None:
    for row in report.added:
        click.echo(f"+ {row.bin} {row.short_name}: {row.full_name}")
    for rename in report.renamed:
        click.echo(f"~ {rename.bin} {rename.old_short_name} ({rename.old_full_name})"
                   f" → {rename.short_name} ({rename.full_name})")
    for row in report.updated:
        click.echo(f"* {row.bin} {row.short_name}: mã, SWIFT hoặc trạng thái VietQR đổi")
    click.echo(
        f"{'Chạy thử, không ghi' if dry_run else 'Đã nạp'}: {count} ngân hàng ({source}); "
        f"{len(report.added)} thêm mới, {len(report.renamed)} đổi tên, "
        f"{len(report.updated)} cập nhật, {report.unchanged} không đổi."
    )
    if report.kept:
        click.echo(f"{len(report.kept)} ngân hàng không có trong tệp vẫn được giữ: "
                   f"{', '.join(report.kept)}.")


@banks_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Liệt kê danh bạ: BIN, tên viết tắt, tên đầy đủ, VietQR (1 có, 0 chưa rõ, -1 không)."""
    banks = list_banks(db.session)
    for bank in banks:
        click.echo(f"{bank.bin}\t{bank.short_name}\t{bank.full_name}\t{bank.vietqr_status}")
    click.echo(f"{len(banks)} ngân hàng.")
