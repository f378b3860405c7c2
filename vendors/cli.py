"""`flask vendors import FILE ...`: check a commune's vendor list, or import it, from a shell."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts.models import User
from db import db
from domain_errors import DomainError
from vendors.bulk_import import commit_import, plan_import
from vendors.import_file import read_sheet
from vendors.import_jobs import delete_stale_uploads


@click.group("vendors", help="Tiểu thương: nhập danh sách từ Excel.")
def vendors_cli() -> None:
    pass


@vendors_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True,
              help="Tên đăng nhập người nhập; dùng địa bàn và quyền của người đó.")
@click.option("--market", "market_id", type=int, help="Chợ cho các dòng không ghi chợ (số chợ).")
@click.option("--commit", is_flag=True,
              help="Nhập thật (mặc định chỉ kiểm tra). Một dòng lỗi là không dòng nào được lưu.")
@with_appcontext
def import_command(file: str, username: str, market_id: int | None, commit: bool) -> None:
    """Kiểm tra tệp FILE (.xlsx hoặc .csv) từng dòng; với --commit thì nhập tất cả.

    Mã thoát 0 khi mọi dòng hợp lệ (và đã nhập, nếu --commit), 1 khi có dòng lỗi, 2 khi không
    đọc được tệp hoặc người dùng không được nhập.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        raise click.UsageError(f"Không có người dùng «{username}» đang hoạt động.")
    try:
        sheet = read_sheet(Path(file).read_bytes())
        run = commit_import if commit else plan_import
        report = run(db.session, user, sheet, market_id)
    except DomainError as error:
        raise click.UsageError(f"{file}: {error}") from error
    click.echo(f"{file}: {report.format}, {report.rows} dòng, {report.valid_rows} dòng hợp lệ.")
    for column in report.ignored_columns:
        click.echo(f"Bỏ qua cột không nhận ra: {column}")
    for issue in report.warnings:
        click.echo(f"Dòng {issue.row}, {issue.column or 'cả dòng'} (lưu ý): {issue.message}")
    for issue in report.errors:
        click.echo(f"Dòng {issue.row}, {issue.column or 'cả dòng'}: {issue.message}", err=True)
    if report.committed:
        db.session.commit()
        click.echo(f"Đã nhập {len(report.vendor_ids)} tiểu thương.")
        return
    db.session.rollback()
    if report.errors:
        click.echo("Có dòng lỗi: chưa lưu gì. Sửa tệp rồi chạy lại.", err=True)
        raise SystemExit(1)
    click.echo("Tất cả các dòng hợp lệ. Chạy lại với --commit để nhập.")


@vendors_cli.command("purge-uploads")
@with_appcontext
def purge_uploads_command() -> None:
    """Xoá các tệp danh sách đã tải lên quá một ngày (đã nhập hay chưa). Chạy hằng ngày (cron)."""
    deleted = delete_stale_uploads(db.session)
    db.session.commit()
    click.echo(f"Đã xoá {deleted} tệp tải lên quá một ngày.")
