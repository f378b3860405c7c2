"""Accounts managed by administrators and provincial staff: the list, creating one, changing its
role and scope, disabling and enabling it, resetting its password; each within the manager's
area (accounts.permissions: MANAGE_ACCOUNTS, account_scope, grantable_scope, grantable_roles)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from accounts.models import Role, User
from accounts.passwords import generate_password, password_problems
from accounts.permissions import (
    GRANT_ADMIN,
    MANAGE_ACCOUNTS,
    account_scope,
    grantable_roles,
    grantable_scope,
)
from accounts.service import (
    SCOPE_FIELDS_OF_ROLE,
    AccountError,
    Scope,
    create_user,
    end_sessions,
    scope_problems,
    set_password,
)
from audit.service import record, snapshot
from domain_errors import N_, Forbidden, Message, NotFound
from market.models import Market, Province, Ward
from textnorm import nfc
from vendors.models import Vendor

PAGE_SIZE = 50
# A page number past any list: larger offsets overflow SQLite's integers.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class AccountPage:
    items: list[User]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# What the audit log keeps of an account: never its password or its hash.
LOGGED_FIELDS = ("username", "full_name", "role", "province_code", "ward_code", "market_id",
                 "cooperative_id", "active")


def log_account(session: Session, actor: User | None, action: str, user: User,
                before: dict | None = None) -> None:
    """An entry about an account, read in the province its scope lies in (an administrator's
    account: by administrators alone); a password reset is logged as having happened, no more.
    No actor: the command line."""
    scope = Scope(user.province_code, user.ward_code, user.market_id, user.cooperative_id)
    record(session, actor.id if actor else None, action, "account", user.id,
           province_code=province_of_scope(session, scope), before=before,
           after=None if action == "account.reset_password" else snapshot(user, LOGGED_FIELDS))


def _with_scope_names(query):
    return query.options(joinedload(User.province), joinedload(User.ward),
                         joinedload(User.market), joinedload(User.cooperative))


def list_accounts(session: Session, actor: User, *, query: str = "", page: int = 1,
                  page_size: int = PAGE_SIZE) -> AccountPage:
    """The accounts the actor manages whose username or name holds `query`, by username."""
    MANAGE_ACCOUNTS.check(actor)
    where = [account_scope(actor)]
    text = (nfc(query) or "")[:100]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(User.username.ilike(pattern, escape="\\"),
                         User.full_name.ilike(pattern, escape="\\")))
    total = session.scalar(select(func.count(User.id)).where(*where))
    page = min(max(page, 1), MAX_PAGE)
    items = session.scalars(_with_scope_names(select(User)).where(*where)
                            .order_by(User.username).offset((page - 1) * page_size)
                            .limit(page_size))
    return AccountPage(list(items), total, page, page_size)


def get_account(session: Session, actor: User, user_id: int) -> User:
    """An account the actor manages; one outside their area is not found."""
    MANAGE_ACCOUNTS.check(actor)
    user = session.scalar(_with_scope_names(select(User))
                          .where(User.id == user_id, account_scope(actor)))
    if user is None:
        raise NotFound(N_("Không tìm thấy tài khoản này trong phạm vi bạn quản lý."))
    return user


def scope_for_role(role: Role, *, province_code: str | None = None, ward_code: str | None = None,
                   market_id: int | None = None, cooperative_id: int | None = None) -> Scope:
    """The scope a form's choices give an account of `role`: the field its role takes, the
    narrowest one chosen when it takes several (an onboarding agent: a market, else a commune,
    else a province). The other choices only narrowed the lists the form offered."""
    chosen = {"province_code": province_code, "ward_code": ward_code, "market_id": market_id,
              "cooperative_id": cooperative_id}
    for name in SCOPE_FIELDS_OF_ROLE[role]:
        if chosen[name] is not None:
            return Scope(**{name: chosen[name]})
    return Scope()


def _role_problems(actor: User, role: Role) -> dict[str, Message]:
    if role not in grantable_roles(actor):
        return {"role": GRANT_ADMIN.refusal}
    return {}


def create_account(session: Session, actor: User, *, username: str, full_name: str | None,
                   role: Role, scope: Scope, password: str | None = None,
                   confirmation: str | None = None) -> tuple[User, str | None]:
    """A new account with a role and scope the actor may give, and the password typed twice or,
    without one, a generated one: returned (to show once), else None. Every field at fault is
    reported at once."""
    MANAGE_ACCOUNTS.check(actor)
    if problems := _role_problems(actor, role):
        raise AccountError(fields=problems)
    generated = None if password else generate_password()
    user = create_user(session, username=username, password=password or generated,
                       confirmation=(confirmation or "") if password else generated,
                       full_name=full_name or "", role=role, scope=scope,
                       grantable=grantable_scope(actor))
    log_account(session, actor, "account.create", user)
    return user, generated


def update_account(session: Session, actor: User, user_id: int, *, full_name: str | None,
                   role: Role, scope: Scope) -> User:
    """Change another account's name, role and scope, to ones the actor may give."""
    user = get_account(session, actor, user_id)
    if user.id == actor.id:
        raise Forbidden(N_("Bạn không thể đổi vai trò hay phạm vi của chính mình."),
                        code="own_account")
    problems = _role_problems(actor, role) or scope_problems(session, role, scope,
                                                             grantable_scope(actor))
    if problems:
        raise AccountError(fields=problems)
    before = snapshot(user, LOGGED_FIELDS)
    user.full_name = nfc(full_name) or user.full_name
    user.role = role
    for name, value in vars(scope).items():
        setattr(user, name, value)
    session.flush()
    session.refresh(user)  # its province, commune, market or cooperative as now named
    log_account(session, actor, "account.update", user, before)
    return user


def set_account_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Disable an account (it can no longer log in, its sessions end for good and its API
    tokens stop working until it is enabled again) or enable it again. Nobody disables their
    own."""
    user = get_account(session, actor, user_id)
    if user.id == actor.id and not active:
        raise Forbidden(N_("Bạn không thể tự khóa tài khoản của mình."), code="disable_self")
    before = snapshot(user, LOGGED_FIELDS)
    user.active = active
    session.flush()
    if not active:
        end_sessions(session, user)
    log_account(session, actor, "account.enable" if active else "account.disable", user, before)
    return user


def reset_password(session: Session, actor: User, user_id: int, *, password: str | None = None,
                   confirmation: str | None = None) -> tuple[User, str]:
    """Give another account a new password: the one typed twice or, without one, a generated
    one. Returns the password, to show once. The account's sessions end."""
    user = get_account(session, actor, user_id)
    if user.id == actor.id:
        raise Forbidden(N_("Đổi mật khẩu của chính bạn ở trang «Đổi mật khẩu», với mật khẩu "
                           "hiện tại."), code="reset_self")
    if not password:
        password = generate_password()
    else:
        problems: dict[str, Message | list[Message]] = {}
        if found := password_problems(password, username=user.username):
            problems["password"] = found
        if password != (confirmation or ""):
            problems["confirmation"] = N_("Hai lần nhập mật khẩu không khớp nhau.")
        if problems:
            raise AccountError(fields=problems)
    set_password(session, user, password, actor=actor)
    log_account(session, actor, "account.reset_password", user)
    return user, password


# --- What the account form offers -------------------------------------------------------------


@dataclass(frozen=True)
class ScopeChoices:
    """The roles and scopes the account form offers the actor: the provinces they may name and,
    for the one chosen, its communes, markets and cooperatives."""

    roles: list[Role]
    provinces: list[Province]
    province_code: str | None
    wards: list[Ward]
    markets: list[Market]
    cooperatives: list[Vendor]


def province_of_scope(session: Session, scope: Scope) -> str | None:
    """The province a scope lies in (a cooperative's: where it trades or is registered)."""
    if scope.province_code is not None:
        return scope.province_code
    ward_code = scope.ward_code
    if scope.market_id is not None:
        ward_code = session.scalar(select(Market.ward_code).where(Market.id == scope.market_id))
    elif scope.cooperative_id is not None:
        cooperative = session.get(Vendor, scope.cooperative_id)
        if cooperative is not None:
            ward_code = (cooperative.market.ward_code if cooperative.market is not None
                         else cooperative.ward_code)
    if ward_code is None:
        return None
    return session.scalar(select(Ward.province_code).where(Ward.code == ward_code))


def scope_choices(session: Session, actor: User, province_code: str | None) -> ScopeChoices:
    """What the account form offers, its lists narrowed to `province_code` when the actor may
    name it (provincial staff: always their own)."""
    MANAGE_ACCOUNTS.check(actor)
    grantable = grantable_scope(actor)
    provinces = list(session.scalars(select(Province).where(grantable["province_code"])
                                     .order_by(Province.name)))
    codes = {province.code for province in provinces}
    if province_code not in codes:
        province_code = provinces[0].code if len(provinces) == 1 else None
    if province_code is None:
        return ScopeChoices(grantable_roles(actor), provinces, None, [], [], [])
    wards_of_province = select(Ward.code).where(Ward.province_code == province_code)
    wards = session.scalars(select(Ward).where(grantable["ward_code"],
                                               Ward.province_code == province_code)
                            .order_by(Ward.name))
    markets = session.scalars(select(Market).options(joinedload(Market.ward))
                              .where(grantable["market_id"],
                                     Market.ward_code.in_(wards_of_province))
                              .order_by(Market.name))
    markets_of_province = select(Market.id).where(Market.ward_code.in_(wards_of_province))
    cooperatives = session.scalars(
        select(Vendor).where(grantable["cooperative_id"],
                             or_(Vendor.ward_code.in_(wards_of_province),
                                 Vendor.market_id.in_(markets_of_province)))
        .order_by(Vendor.name))
    return ScopeChoices(grantable_roles(actor), provinces, province_code, list(wards),
                        list(markets), list(cooperatives))
