"""`flask demo load`: the Thái Nguyên and Phú Thọ demo, or `--scale N` vendors for benchmarks."""
from __future__ import annotations

import datetime as dt
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from catalog_export.image_store import images_dir
from config import PRODUCTION
from db import db
from demo.service import has_markets, load_demo, load_scale

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
@with_appcontext
def load_command(scale: int | None, password: str | None, if_empty: bool, seed: int) -> None:
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
            click.echo("Cơ sở dữ liệu đã có dữ liệu; không nạp lại dữ liệu mẫu.")
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
    click.echo("Tài khoản mẫu (tên đăng nhập / mật khẩu / vai trò / phạm vi):")
    for account in result.accounts:
        click.echo(f"  {account.username:<16} {account.password:<14} "
                   f"{ROLE_NAMES[account.role.value]} — {account.scope}")
