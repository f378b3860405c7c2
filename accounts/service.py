"""Creating users, checking passwords, API tokens. Who may see and do what: accounts.permissions."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.models import ApiToken, Role, User
from db import utcnow
from domain_errors import N_, Invalid
from market.models import Market, Province, Ward
from textnorm import nfc
from vendors.models import Vendor, VendorKind

MIN_PASSWORD_LENGTH = 10


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
) -> User:
    username = (username or "").strip().lower()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").isalnum():
        raise AccountError(fields={"username": N_(
            "Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm hoặc gạch dưới.")})
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(fields={"password": N_(
            "Mật khẩu cần ít nhất %(count)s ký tự.", count=MIN_PASSWORD_LENGTH)})
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(fields={"username": N_(
            "Tên đăng nhập «%(username)s» đã có người dùng.", username=username)})
    _check_scope(session, role, scope)
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
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


def _check_scope(session: Session, role: Role, scope: Scope) -> None:
    given = [name for name, value in vars(scope).items() if value is not None]
    allowed = {
        Role.ADMIN: set(),
        Role.PROVINCIAL_STAFF: {"province_code"},
        Role.COMMUNE_STAFF: {"ward_code"},
        Role.ONBOARDING_AGENT: {"province_code", "ward_code", "market_id"},
        Role.COOPERATIVE_MANAGER: {"cooperative_id"},
    }[role]
    if role is Role.ADMIN and given:
        raise AccountError(fields={"scope": N_("Quản trị viên không gắn với địa bàn nào.")})
    if role is not Role.ADMIN and (len(given) != 1 or given[0] not in allowed):
        raise AccountError(fields={"scope": N_("Vai trò này cần đúng một phạm vi: %(scopes)s.",
                                               scopes=", ".join(sorted(allowed)))})
    lookups = {
        "province_code": (Province, scope.province_code,
                          N_("Không có tỉnh/thành mã %(key)s.", key=scope.province_code)),
        "ward_code": (Ward, scope.ward_code,
                      N_("Không có xã/phường mã %(key)s.", key=scope.ward_code)),
        "market_id": (Market, scope.market_id, N_("Không có chợ số %(key)s.", key=scope.market_id)),
        "cooperative_id": (Vendor, scope.cooperative_id,
                           N_("Không có hợp tác xã số %(key)s.", key=scope.cooperative_id)),
    }
    for name in given:
        model, key, message = lookups[name]
        found = session.get(model, key)
        if found is None or (model is Vendor and found.kind is not VendorKind.COOPERATIVE):
            raise AccountError(fields={name: message})


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`; the plain token is returned once and never stored."""
    plain = "cho40_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(nfc(name) or "API")[:100], token_hash=_token_digest(plain))
    session.add(token)
    session.flush()
    return token, plain


# Built once: every API request runs it, and building a statement and its cache key costs more
# than running this one.
_USER_FOR_TOKEN = (
    select(User).join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
           User.active)
)


def user_for_token(session: Session, plain: str) -> User | None:
    """The active user a bearer token acts for, or None for an unknown or revoked token."""
    if not plain or len(plain) > 200:
        return None
    return session.scalar(_USER_FOR_TOKEN, {"token_hash": _token_digest(plain)})
