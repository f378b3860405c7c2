"""`flask demo load`: the Thái Nguyên and Phú Thọ demo, or `--scale N` vendors for benchmarks;
`flask demo status`: what the database holds now."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from catalog_export.image_store import images_dir
from config import PRODUCTION
from db import db
from demo.service import DatabaseCounts, database_counts, has_markets, load_demo, load_scale
from files import atomic_output

ACCOUNTS_HEADING = "Tài khoản mẫu (tên đăng nhập / mật khẩu / vai trò / phạm vi)"
ROLE_NAMES = {
    "admin": "Quản trị viên",
    "provincial_staff": "Cán bộ tỉnh",
    "commune_staff": "Cán bộ xã/phường",
    "onboarding_agent": "Tổ công nghệ số cộng đồng",
    "cooperative_manager": "Quản lý hợp tác xã",
}


@click.group("demo", help="Dữ liệu mẫu.")
def demo_cli() -> None:
    pass


@demo_cli.command("load")
@click.option("--scale", type=click.IntRange(min=1), help="Nạp N tiểu thương (đo hiệu năng).")
@click.option("--password", help="Mật khẩu chung cho tài khoản mẫu (mặc định: ngẫu nhiên).")
@click.option("--if-empty", is_flag=True, help="Bỏ qua nếu cơ sở dữ liệu đã có chợ.")
@click.option("--seed", type=int, default=19, show_default=True)
@click.option("--accounts-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Lưu danh sách tài khoản mẫu vào tệp này khi nạp; khi không nạp lại "
                   "(--if-empty), in lại danh sách đã lưu.")
@with_appcontext
def load_command(scale: int | None, password: str | None, if_empty: bool, seed: int,
                 accounts_file: Path | None) -> None:
    """Nạp dữ liệu mẫu Thái Nguyên và Phú Thọ (hai năm lịch sử) vào cơ sở dữ liệu."""
    if current_app.config["CHO40_ENV"] == PRODUCTION:
        raise click.UsageError("Không nạp dữ liệu mẫu khi CHO40_ENV=production.")
    today = dt.date.today()
    started = time.perf_counter()
    if scale:
        result = load_scale(db.session, scale, today=today, seed=seed)
        db.session.commit()
        click.echo(f"Đã nạp {result.vendors} tiểu thương, {result.payment_methods} phương thức "
                   f"thanh toán ở {result.markets} chợ trong {time.perf_counter() - started:.1f} giây.")
        return
    if has_markets(db.session):
        if if_empty:
            # A restart: what the database holds now, not what the first load put in it.
            click.echo("Cơ sở dữ liệu đã có dữ liệu; không nạp lại dữ liệu mẫu.")
            click.echo(counts_sentence(database_counts(db.session)))
            if accounts_file is not None and accounts_file.is_file():
                click.echo(f"Tài khoản mẫu lúc nạp (lưu ở {accounts_file}):")
                click.echo(_saved_accounts(accounts_file), nl=False)
            return
        raise click.UsageError("Cơ sở dữ liệu đã có chợ; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống.")
    if password is not None and len(password) < 10:
        raise click.UsageError("Mật khẩu cần ít nhất 10 ký tự.")
    result = load_demo(db.session, today=today, password=password, seed=seed,
                       images_folder=images_dir(current_app))
    db.session.commit()
    click.echo(f"Đã nạp {result.markets} chợ, {result.vendors} tiểu thương/HTX, "
               f"{result.payment_methods} phương thức thanh toán, {result.visits} lượt xác minh, "
               f"{result.products} sản phẩm với {result.images} ảnh, {result.listings} nơi bán "
               f"trực tuyến trong {time.perf_counter() - started:.1f} giây.")
    lines = [f"  {account.username:<16} {account.password:<14} "
             f"{ROLE_NAMES[account.role.value]} — {account.scope}\n" for account in result.accounts]
    click.echo(f"{ACCOUNTS_HEADING}:")
    click.echo("".join(lines), nl=False)
    if accounts_file is not None:
        with atomic_output(accounts_file) as out:
            out.write("".join(lines).encode("utf-8"))
        click.echo(f"Đã lưu danh sách tài khoản mẫu vào {accounts_file}.")


@demo_cli.command("status")
@with_appcontext
def status_command() -> None:
    """In số chợ, tiểu thương, sản phẩm, tài khoản... hiện có trong cơ sở dữ liệu."""
    click.echo(counts_sentence(database_counts(db.session)))


def counts_sentence(counts: DatabaseCounts) -> str:
    return (f"Cơ sở dữ liệu hiện có {counts.markets} chợ, {counts.vendors} tiểu thương/HTX, "
            f"{counts.payment_methods} phương thức thanh toán, {counts.visits} lượt xác minh, "
            f"{counts.products} sản phẩm với {counts.images} ảnh, {counts.listings} nơi bán "
            f"trực tuyến, {counts.users} tài khoản.")


def _saved_accounts(path: Path) -> str:
    # Files written before the counts were read from the database began with the first load's
    # counts ("Đã nạp ..."), which a restart must not show as today's.
    kept = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if line.startswith("  ")]
    return "".join(kept)
