"""`flask users ...`: create the first admin and other accounts from the shell."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts.models import Role, User
from accounts.service import AccountError, Scope, create_user, issue_api_token
from db import db


@click.group("users", help="Quản lý tài khoản người dùng.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--full-name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value)
@click.option("--province", "province_code", help="Mã tỉnh (2 số), cho cán bộ tỉnh.")
@click.option("--ward", "ward_code", help="Mã xã/phường (5 số), cho cán bộ xã.")
@click.option("--market", "market_id", type=int, help="Số chợ, cho tổ công nghệ số.")
@click.option("--cooperative", "cooperative_id", type=int, help="Số hợp tác xã, cho quản lý HTX.")
@click.password_option(help="Mật khẩu (ít nhất 10 ký tự); hỏi nếu không đưa.")
@with_appcontext
def create_command(username, full_name, role, province_code, ward_code, market_id, cooperative_id, password):
    """Tạo tài khoản; lần đầu: flask users create --username admin."""
    scope = Scope(province_code, ward_code, market_id, cooperative_id)
    try:
        user = create_user(
            db.session, username=username, password=password, full_name=full_name,
            role=Role(role), scope=scope,
        )
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.UsageError(str(error)) from error
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role.value}).")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="API", help="Tên gợi nhớ của khóa (ví dụ: máy chủ tỉnh).")
@with_appcontext
def token_command(username: str, name: str) -> None:
    """Cấp khóa API cho USERNAME; khóa chỉ hiện một lần."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.UsageError(f"Không có tài khoản «{username}».")
    _, plain = issue_api_token(db.session, user, name)
    db.session.commit()
    click.echo(plain)
