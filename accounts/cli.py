"""`flask users ...`: create the first admin and other accounts from the shell; issue, list and
revoke API tokens."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts.management import log_account
from accounts.models import ApiToken, Role, User
from accounts.service import (
    AccountError,
    Scope,
    create_user,
    issue_api_token,
    list_api_tokens,
    revoke_api_token,
    revoke_user_tokens,
)
from db import db, utcnow
from domain_errors import NotFound


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
        log_account(db.session, None, "account.create", user)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.UsageError(str(error)) from error
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role.value}).")


def _user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.UsageError(f"Không có tài khoản «{username}».")
    return user


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="API", help="Tên gợi nhớ của khóa (ví dụ: máy chủ tỉnh).")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="Số ngày khóa dùng được (mặc định: API_TOKEN_LIFETIME_DAYS, 90).")
@with_appcontext
def token_command(username: str, name: str, days: int | None) -> None:
    """Cấp khóa API cho USERNAME; khóa chỉ hiện một lần."""
    user = _user_named(username)
    days = days or current_app.config["API_TOKEN_LIFETIME_DAYS"]
    _, plain = issue_api_token(db.session, user, name, lifetime=dt.timedelta(days=days))
    db.session.commit()
    click.echo(plain)


@users_cli.group("tokens", help="Xem và thu hồi khóa API.")
def tokens_cli() -> None:
    pass


def _state(token: ApiToken, now: dt.datetime) -> str:
    if token.revoked_at is not None:
        return f"thu hồi {token.revoked_at:%Y-%m-%d %H:%M}"
    if token.expired(now):
        return f"hết hạn {token.expires_at:%Y-%m-%d %H:%M}"
    if not token.user.active:
        return "tài khoản đã khóa"
    return f"dùng được đến {token.expires_at:%Y-%m-%d}"


@tokens_cli.command("list")
@click.option("--user", "username", help="Chỉ khóa của tài khoản này.")
@click.option("--all", "show_all", is_flag=True, help="Cả khóa đã thu hồi hoặc hết hạn.")
@with_appcontext
def list_tokens_command(username: str | None, show_all: bool) -> None:
    """Các khóa API đang dùng được (giờ UTC): số, tài khoản, tên, lần dùng cuối, hạn."""
    user_id = _user_named(username).id if username else None
    now = utcnow()
    shown = 0
    for token in list_api_tokens(db.session, None, user_id=user_id, limit=100_000):
        if not show_all and (token.revoked_at is not None or token.expired(now)):
            continue
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "chưa dùng"
        click.echo(f"{token.id}\t{token.user.username}\t{token.name}\t{used}\t"
                   f"{_state(token, now)}")
        shown += 1
    if not shown:
        click.echo("Không có khóa nào.")


@tokens_cli.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2_147_483_647), required=False)
@click.option("--user", "username", help="Thu hồi mọi khóa của tài khoản này.")
@with_appcontext
def revoke_tokens_command(token_id: int | None, username: str | None) -> None:
    """Thu hồi khóa số TOKEN_ID, hoặc mọi khóa của một tài khoản (--user)."""
    if (token_id is None) == (username is None):
        raise click.UsageError("Cho số khóa, hoặc --user TÊN_ĐĂNG_NHẬP (một trong hai).")
    if username:
        user = _user_named(username)
        count = revoke_user_tokens(db.session, None, user.id)
        db.session.commit()
        click.echo(f"Đã thu hồi {count} khóa của {user.username}.")
        return
    try:
        token = revoke_api_token(db.session, None, token_id)
    except NotFound as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"Đã thu hồi khóa {token.id} «{token.name}» của {token.user.username}.")
