"""Creating users, checking and changing passwords, sessions, API tokens. Who may see and do
what: accounts.permissions; accounts managed by others: accounts.management."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.orm import Session, joinedload

from accounts.models import ApiToken, Role, User
from accounts.passwords import hash_password, password_problems, verify_password
from accounts.permissions import token_scope
from audit.service import record
from core_rows import columns_of, loaded
from db import utcnow
from domain_errors import N_, Forbidden, Invalid, Message, NotFound
from market.models import Market, Province, Ward
from textnorm import nfc
from vendors.models import Vendor, VendorKind


class AccountError(Invalid):
    """A user cannot be created or changed as asked; the message says why."""

    code = "invalid_account"


@dataclass(frozen=True)
class Scope:
    """The part of the data a user works on; exactly one field is set, or none for an admin."""

    province_code: str | None = None
    ward_code: str | None = None
    market_id: int | None = None
    cooperative_id: int | None = None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    full_name: str,
    role: Role,
    scope: Scope = Scope(),
    confirmation: str | None = None,
    grantable: Mapping[str, ColumnElement[bool]] | None = None,
) -> User:
    """A new account. Every field at fault is reported at once. `confirmation`: the password
    typed again, when a form asked for it; `grantable`: the scopes the person creating it may
    give (accounts.permissions.grantable_scope), when it is not the command line."""
    username = (username or "").strip().lower()
    problems: dict[str, Message | list[Message]] = {}
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").isalnum():
        problems["username"] = N_(
            "Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm hoặc gạch dưới.")
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        problems["username"] = N_("Tên đăng nhập «%(username)s» đã có người dùng.",
                                  username=username)
    if found := password_problems(password, username=username):
        problems["password"] = found
    if confirmation is not None and confirmation != password:
        problems["confirmation"] = N_("Hai lần nhập mật khẩu không khớp nhau.")
    problems.update(scope_problems(session, role, scope, grantable))
    if problems:
        raise AccountError(fields=problems)
    user = User(
        username=username,
        password_hash=hash_password(password),
        full_name=nfc(full_name) or username,
        role=role,
        province_code=scope.province_code,
        ward_code=scope.ward_code,
        market_id=scope.market_id,
        cooperative_id=scope.cooperative_id,
    )
    session.add(user)
    session.flush()
    return user


# What each role's scope may name (one of them): the CHECK constraint users.role_has_scope.
SCOPE_FIELDS_OF_ROLE = {
    Role.ADMIN: (),
    Role.PROVINCIAL_STAFF: ("province_code",),
    Role.COMMUNE_STAFF: ("ward_code",),
    Role.ONBOARDING_AGENT: ("market_id", "ward_code", "province_code"),
    Role.COOPERATIVE_MANAGER: ("cooperative_id",),
}


def scope_problems(session: Session, role: Role, scope: Scope,
                   grantable: Mapping[str, ColumnElement[bool]] | None = None,
                   ) -> dict[str, Message]:
    """Why `scope` does not suit `role` ({} when it does): the role takes exactly one field of
    its kind, naming a unit or cooperative that exists and, with `grantable` (WHERE clauses by
    field), lies within them. One outside them reads as one that does not exist."""
    given = [name for name, value in vars(scope).items() if value is not None]
    allowed = SCOPE_FIELDS_OF_ROLE[role]
    if role is Role.ADMIN and given:
        return {"scope": N_("Quản trị viên không gắn với địa bàn nào.")}
    if role is not Role.ADMIN and (len(given) != 1 or given[0] not in allowed):
        return {"scope": N_("Vai trò này cần đúng một phạm vi: %(scopes)s.",
                            scopes=[SCOPE_LABELS[name] for name in allowed])}
    lookups = {
        "province_code": (Province.code, N_("Không có tỉnh/thành mã %(key)s.",
                                            key=scope.province_code)),
        "ward_code": (Ward.code, N_("Không có xã/phường mã %(key)s.", key=scope.ward_code)),
        "market_id": (Market.id, N_("Không có chợ số %(key)s.", key=scope.market_id)),
        "cooperative_id": (Vendor.id, N_("Không có hợp tác xã số %(key)s.",
                                         key=scope.cooperative_id)),
    }
    for name in given:
        key_column, message = lookups[name]
        query = select(key_column).where(key_column == getattr(scope, name))
        if name == "cooperative_id":
            query = query.where(Vendor.kind == VendorKind.COOPERATIVE)
        if grantable is not None:
            query = query.where(grantable[name])
        if session.scalar(query) is None:
            return {name: message}
    return {}


SCOPE_LABELS = {
    "province_code": N_("một tỉnh/thành"),
    "ward_code": N_("một xã/phường"),
    "market_id": N_("một chợ"),
    "cooperative_id": N_("một hợp tác xã"),
}


class AccountDisabled(Forbidden, code="account_disabled"):
    """The password is right but the account is disabled."""


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The account these credentials open, its last login recorded; None for a wrong username or
    password, after the same work either way (accounts.passwords.verify_password). A disabled
    account's right password is refused with AccountDisabled (only someone who knows the
    password learns the account is disabled)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if not verify_password(user.password_hash if user is not None else None, password):
        return None
    if not user.active:
        raise AccountDisabled(N_("Tài khoản này đã bị khóa. Hãy liên hệ quản trị viên hoặc "
                                 "cán bộ tỉnh quản lý tài khoản."))
    user.last_login_at = utcnow()
    return user


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a login session or remember cookie belongs to (User.get_id: "id.version"), or
    None: the session ended when the account logged out, changed its password or was disabled
    since (end_sessions)."""
    number, _dot, version = (session_id or "").partition(".")
    if not number.isdigit() or len(number) > 10 or not version.isdigit() or len(version) > 10:
        return None
    user = session.get(User, int(number))
    if user is None or not user.active or int(version) != user.session_version:
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every login session of the user, on every server: the cookies they carry name an
    older User.session_version. A session that should go on is logged in again after."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_version=User.session_version + 1))
    session.refresh(user, ["session_version"])


def set_password(session: Session, user: User, password: str, *, actor: User) -> None:
    """Give the user a new password (checked by accounts.passwords), which ends their login
    sessions and revokes their API tokens: whoever learnt the old password keeps nothing.
    `actor`: who set it (the user, or whoever reset it), as the revocations are logged."""
    if problems := password_problems(password, username=user.username):
        raise AccountError(fields={"password": problems})
    user.password_hash = hash_password(password)
    session.flush()
    end_sessions(session, user)
    revoke_user_tokens(session, actor, user.id)


def change_own_password(session: Session, user: User, *, current: str, new: str,
                        confirmation: str) -> None:
    """A user changes their own password: the current one is required and the new one typed
    twice. Every field at fault is reported at once."""
    problems: dict[str, Message | list[Message]] = {}
    current = current or ""
    if not current or not verify_password(user.password_hash, current):
        problems["current_password"] = N_("Mật khẩu hiện tại không đúng.")
    if found := password_problems(new, username=user.username):
        problems["new_password"] = found
    elif new == current:
        problems["new_password"] = N_("Mật khẩu mới cần khác mật khẩu hiện tại.")
    if (confirmation or "") != (new or ""):
        problems["confirmation"] = N_("Hai lần nhập mật khẩu mới không khớp nhau.")
    if problems:
        raise AccountError(fields=problems)
    set_password(session, user, new, actor=user)


# --- API tokens -------------------------------------------------------------------------------

# A token's last use is written at most once a minute: the API is called in bursts (a phone
# syncing its queue, a province's server paging through vendors), and a write per request would
# turn every read into a write transaction (on SQLite, one writer at a time for the whole
# database) for a time nobody needs to the second.
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# How long a token works when nobody says (config API_TOKEN_LIFETIME_DAYS).
DEFAULT_TOKEN_LIFETIME = dt.timedelta(days=90)


def issue_api_token(session: Session, user: User, name: str, *,
                    lifetime: dt.timedelta = DEFAULT_TOKEN_LIFETIME) -> tuple[ApiToken, str]:
    """A new API token for `user`, working for `lifetime`; the plain token is returned once and
    never stored."""
    plain = "cho40_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(nfc(name) or "API")[:100],
                     token_hash=_token_digest(plain), expires_at=utcnow() + lifetime)
    session.add(token)
    session.flush()
    record(session, user.id, "api_token.issue", "api_token", token.id, after={"name": token.name})
    return token, plain


def list_api_tokens(session: Session, actor: User | None, *, user_id: int | None = None,
                    limit: int = 500) -> list[ApiToken]:
    """The tokens the actor sees (their own; an administrator's, everyone's; no actor: the
    command line, everyone's), of one user when `user_id` is given: those in use first, newest
    first."""
    query = (select(ApiToken).options(joinedload(ApiToken.user))
             .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                       ApiToken.id.desc())
             .limit(limit))
    if actor is not None:
        query = query.where(token_scope(actor))
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def revoke_api_token(session: Session, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token the actor sees (no actor: the command line, any); one already revoked
    keeps its first revocation time."""
    query = select(ApiToken).where(ApiToken.id == token_id)
    if actor is not None:
        query = query.where(token_scope(actor))
    token = session.scalar(query)
    if token is None:
        raise NotFound(N_("Không tìm thấy khóa API này."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        _log_revocation(session, actor, token.id, token.name)
    return token


def revoke_user_tokens(session: Session, actor: User | None, user_id: int) -> int:
    """Revoke every token of the user still in use, each logged as revoked by `actor` (None:
    the command line); how many were."""
    revoked = session.execute(update(ApiToken)
                              .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow())
                              .returning(ApiToken.id, ApiToken.name)).all()
    for token_id, name in revoked:
        _log_revocation(session, actor, token_id, name)
    return len(revoked)


def _log_revocation(session: Session, actor: User | None, token_id: int, name: str) -> None:
    # No actor: revoked from the command line, by whoever runs the server.
    record(session, actor.id if actor else None, "api_token.revoke", "api_token", token_id,
           after={"name": name})


# What API requests read of the token's user (the rest is loaded if something reads it).
_API_USER_READ = ("id", "username", "full_name", "role", "province_code", "ward_code",
                  "market_id", "cooperative_id", "active")
# Every API request runs it: Core, not an ORM query (core_rows), and built once (building a
# statement and its cache key costs more than running this one).
_TOKEN_AND_USER = (
    select(ApiToken.id, ApiToken.last_used_at, *columns_of(User, _API_USER_READ))
    .select_from(User.__table__).join(ApiToken.__table__, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
           ApiToken.expires_at > bindparam("now"), User.active)
)


@dataclass(frozen=True)
class TokenUse:
    """Whom a bearer token acts for, and whether this use was recorded as its last (the caller
    then commits)."""

    user: User
    recorded: bool


def use_api_token(session: Session, plain: str, *,
                  now: dt.datetime | None = None) -> TokenUse | None:
    """The active user a bearer token acts for, or None for an unknown, expired or revoked token
    or a disabled account. Records the token's use when the last one recorded is a minute old or
    more (LAST_USE_RESOLUTION)."""
    if not plain or len(plain) > 200:
        return None
    now = now or utcnow()
    row = session.connection().execute(
        _TOKEN_AND_USER, {"token_hash": _token_digest(plain), "now": now}).first()
    if row is None:
        return None
    token_id, last_used_at = row[:2]
    user = loaded(session, User, row[2:], _API_USER_READ)
    cutoff = now - LAST_USE_RESOLUTION
    # Checked here first: an UPDATE that changes no row still takes SQLite's write lock. Then
    # again in SQL: of two requests at once, one writes.
    if last_used_at is not None and last_used_at > cutoff:
        return TokenUse(user, recorded=False)
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= cutoff))
        .values(last_used_at=now))
    return TokenUse(user, recorded=True)
