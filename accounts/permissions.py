"""Who may see and change what: every rule of roles and scope, in one place that pages, the API,
the command line and the services call.

Two kinds of rule:
- Scope: which records a user sees, as WHERE clauses (market_scope, ward_scope, vendor_scope).
  A record outside them is not found (404), never refused: its existence is not disclosed.
- Permissions: what a role may do with what it sees. `permission.check(user)` raises Forbidden
  (403, with the refusal as a sentence the page shows) when the role may not.

No Flask here: routes call `check`, services raise what it raises, errors.py shows it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from accounts.models import ApiToken, Role, User
from audit.models import AuditEntry
from domain_errors import N_, Forbidden, Message
from market.models import Market, Province, Ward
from vendors.models import Vendor, VendorKind

ADMIN, PROVINCIAL, COMMUNE, AGENT, COOPERATIVE = (
    Role.ADMIN, Role.PROVINCIAL_STAFF, Role.COMMUNE_STAFF, Role.ONBOARDING_AGENT,
    Role.COOPERATIVE_MANAGER)


@dataclass(frozen=True)
class Permission:
    """Something a role may do, and the sentence a refused user reads."""

    name: str
    roles: frozenset[Role]
    refusal: Message

    def allows(self, user: User) -> bool:
        return user.role in self.roles

    def check(self, user: User) -> None:
        if not self.allows(user):
            raise Forbidden(self.refusal, code=f"forbidden_{self.name}")


# Vendors: registered by the people who go to the stalls and the commune's staff; provincial
# staff follow the figures and read only.
REGISTER_VENDORS = Permission(
    "register_vendors", frozenset({ADMIN, COMMUNE, AGENT}),
    N_("Tài khoản của bạn không được đăng ký tiểu thương."))
# A cooperative's manager edits their own cooperative, the only vendor in their scope.
EDIT_VENDORS = Permission(
    "edit_vendors", frozenset({ADMIN, COMMUNE, AGENT, COOPERATIVE}),
    N_("Tài khoản của bạn chỉ được xem, không được sửa."))
# Markets are an administrative record: administrators, and commune staff in their commune.
WRITE_MARKETS = Permission(
    "write_markets", frozenset({ADMIN, COMMUNE}),
    N_("Tài khoản của bạn không được tạo hoặc sửa chợ."))
# Stall numbers are found at the market by the people who register vendors there.
WRITE_STALLS = Permission(
    "write_stalls", frozenset({ADMIN, COMMUNE, AGENT}),
    N_("Tài khoản của bạn không được thêm hoặc sửa quầy."))
# Whole markets' placard sheets, at once or as a background run (a province's): the people who
# put placards up at the stalls; provincial staff follow the figures and do not print. (Anyone
# who sees a vendor may download that vendor's own placard.)
PRINT_PLACARDS = Permission(
    "print_placards", frozenset({ADMIN, COMMUNE, AGENT}),
    N_("Tài khoản của bạn không được in bảng mã QR cho cả chợ."))
# Phones and ID numbers go to the people who work with vendors, not to statisticians.
SEE_CONTACT_DETAILS = Permission(
    "see_contact_details", frozenset({ADMIN, COMMUNE, AGENT, COOPERATIVE}),
    N_("Tài khoản của bạn không được xem số điện thoại và số CCCD."))
# A catalogue is kept by its cooperative's manager, helped by the agents and staff of its area.
EDIT_CATALOGUE = Permission(
    "edit_catalogue", frozenset({ADMIN, COMMUNE, AGENT, COOPERATIVE}),
    N_("Tài khoản của bạn chỉ được xem danh mục sản phẩm, không được sửa."))
# Exporting a catalogue writes nothing to it and shows nothing its readers do not see (drafts are
# never exported): every role that sees a vendor may export its products on sale.
EXPORT_CATALOGUE = Permission(
    "export_catalogue", frozenset({ADMIN, PROVINCIAL, COMMUNE, AGENT, COOPERATIVE}),
    N_("Tài khoản của bạn không được xuất danh mục sản phẩm."))
# A whole province's catalogue in one file, for the province's exchange: the staff who supply it.
EXPORT_PROVINCE_CATALOGUE = Permission(
    "export_province_catalogue", frozenset({ADMIN, PROVINCIAL}),
    N_("Chỉ quản trị viên và cán bộ tỉnh được xuất danh mục của cả tỉnh."))
# The digitisation figures of an area hold no personal data: everyone who works on markets
# reads those of their area (a cooperative's manager has no market area).
SEE_DIGITISATION = Permission(
    "see_digitisation", frozenset({ADMIN, PROVINCIAL, COMMUNE, AGENT}),
    N_("Tài khoản của bạn không xem được số liệu số hóa chợ."))
# A return visit to a vendor is made by the people who go to the stalls.
RECORD_VISITS = Permission(
    "record_visits", frozenset({ADMIN, COMMUNE, AGENT}),
    N_("Tài khoản của bạn không được ghi lượt kiểm tra lại tiểu thương."))
# The Chợ 4.0 rule is the province's: its staff set it (administrators anywhere).
SET_CHO40_RULE = Permission(
    "set_cho40_rule", frozenset({ADMIN, PROVINCIAL}),
    N_("Chỉ quản trị viên và cán bộ tỉnh được đặt tiêu chí Chợ 4.0."))
# Whether a market's fees are collected cashless is known to the commune and the province.
RECORD_MARKET_FEES = Permission(
    "record_market_fees", frozenset({ADMIN, PROVINCIAL, COMMUNE}),
    N_("Tài khoản của bạn không được ghi việc thu phí chợ không dùng tiền mặt."))
# A province's monthly report, a job over all its markets: the people who send it up.
MAKE_PROVINCE_REPORT = Permission(
    "make_province_report", frozenset({ADMIN, PROVINCIAL}),
    N_("Chỉ quản trị viên và cán bộ tỉnh được lập báo cáo tháng của tỉnh."))
# Every job of everyone (others see the jobs they started).
SEE_ALL_JOBS = Permission(
    "see_all_jobs", frozenset({ADMIN}), N_("Chỉ quản trị viên xem được việc của người khác."))
# The counts of the whole system.
ADMINISTER = Permission(
    "administer", frozenset({ADMIN}), N_("Chỉ quản trị viên được làm việc này."))
# Accounts are created, changed, disabled and reset by administrators (all of them) and by
# provincial staff (those of their province: account_scope, grantable_scope). Nobody does it
# to their own account: they change their own password, knowing the current one.
MANAGE_ACCOUNTS = Permission(
    "manage_accounts", frozenset({ADMIN, PROVINCIAL}),
    N_("Chỉ quản trị viên và cán bộ tỉnh được quản lý tài khoản."))
# An administrator is made by another.
GRANT_ADMIN = Permission(
    "grant_admin", frozenset({ADMIN}),
    N_("Chỉ quản trị viên được tạo tài khoản quản trị viên."))
# Everyone's API tokens, listed and revoked (everyone sees and revokes their own: token_scope).
SEE_ALL_TOKENS = Permission(
    "see_all_tokens", frozenset({ADMIN}),
    N_("Chỉ quản trị viên xem được khóa API của người khác."))
# Who changed what: administrators read the whole log, provincial staff that of their province
# (audit_scope); it holds phones and ID numbers, masked to those who may not see them.
READ_AUDIT = Permission(
    "read_audit", frozenset({ADMIN, PROVINCIAL}),
    N_("Chỉ quản trị viên và cán bộ tỉnh được xem nhật ký thay đổi."))


def masked(number: str | None) -> str | None:
    """A phone or ID number as shown to those who may not see it: the last three digits, enough
    to tell two vendors apart on a list."""
    if not number:
        return number
    return "•" * (len(number) - 3) + number[-3:]


# --- Scope ------------------------------------------------------------------------------------
# Each takes anything with a user's role and scope fields (a User, or a value copying them).


def _wards_of_province(province_code: str | None):
    return select(Ward.code).where(Ward.province_code == province_code)


def _narrowest_area(user: User, *, by_market: ColumnElement[bool] | None = None,
                    by_ward: ColumnElement[bool], by_province: ColumnElement[bool],
                    otherwise: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """Everything for an administrator; else the clause for the narrowest area the user's scope
    names (a market, a commune, a province) among those given; else `otherwise`, or nothing."""
    if user.role is ADMIN:
        return true()
    for named, clause in ((user.market_id, by_market), (user.ward_code, by_ward),
                          (user.province_code, by_province)):
        if named is not None and clause is not None:
            return clause
    return false() if otherwise is None else otherwise


def market_scope(user: User) -> ColumnElement[bool]:
    """Which markets the user may see: a WHERE clause over Market."""
    return _narrowest_area(
        user, by_market=Market.id == user.market_id, by_ward=Market.ward_code == user.ward_code,
        by_province=Market.ward_code.in_(_wards_of_province(user.province_code)))


def ward_scope(user: User) -> ColumnElement[bool]:
    """Which communes the user works in: a WHERE clause over Ward."""
    return _narrowest_area(user, by_ward=Ward.code == user.ward_code,
                           by_province=Ward.province_code == user.province_code)


def province_scope(user: User) -> ColumnElement[bool]:
    """Which provinces the user sees as a whole: a WHERE clause over Province. Staff of a commune
    or a market see that unit, not their province."""
    return _narrowest_area(user, by_market=false(), by_ward=false(),
                           by_province=Province.code == user.province_code)


def sees_whole_province(user: User) -> bool:
    """Whether the user's area is a province or more (province_scope, as a yes or no)."""
    return user.role is ADMIN or (user.province_code is not None and user.ward_code is None
                                  and user.market_id is None)


def vendor_scope(user: User) -> ColumnElement[bool]:
    """Which vendors the user may see: a WHERE clause over Vendor. A vendor is seen where it
    trades (its market) or, without a market, where it is registered (its commune)."""
    if user.cooperative_id is not None and user.role is not ADMIN:
        return Vendor.id == user.cooperative_id
    in_markets = Vendor.market_id.in_(select(Market.id).where(market_scope(user)))
    return _narrowest_area(
        user, by_ward=or_(in_markets, Vendor.ward_code == user.ward_code),
        by_province=or_(in_markets, Vendor.ward_code.in_(_wards_of_province(user.province_code))),
        otherwise=in_markets)


def job_owner_filter(user: User) -> int | None:
    """Whose jobs the user may see: None for everyone's, else the user's own id."""
    return None if SEE_ALL_JOBS.allows(user) else user.id



# --- Accounts and tokens ----------------------------------------------------------------------


def account_scope(user: User) -> ColumnElement[bool]:
    """Which accounts the user manages: a WHERE clause over User. Administrators: all; provincial
    staff: those whose scope lies in their province (its staff, its communes', markets' and
    cooperatives' accounts), never an administrator's; other roles: none."""
    if not MANAGE_ACCOUNTS.allows(user):
        return false()
    if user.role is ADMIN:
        return true()
    return or_(User.province_code == user.province_code,
               User.ward_code.in_(select(Ward.code).where(ward_scope(user))),
               User.market_id.in_(select(Market.id).where(market_scope(user))),
               User.cooperative_id.in_(select(Vendor.id).where(vendor_scope(user))))


def grantable_scope(user: User) -> dict[str, ColumnElement[bool]]:
    """What the user may name as another account's scope, by field of accounts.service.Scope:
    WHERE clauses over Province, Ward, Market and Vendor. The areas and cooperatives the user
    sees: all for an administrator; for provincial staff their province and what lies in it,
    so that every account they make stays within account_scope."""
    return {"province_code": province_scope(user), "ward_code": ward_scope(user),
            "market_id": market_scope(user),
            "cooperative_id": and_(vendor_scope(user), Vendor.kind == VendorKind.COOPERATIVE)}


def grantable_roles(user: User) -> list[Role]:
    """The roles the user may give an account (none without MANAGE_ACCOUNTS)."""
    if not MANAGE_ACCOUNTS.allows(user):
        return []
    return [role for role in Role if role is not ADMIN or GRANT_ADMIN.allows(user)]


def token_scope(user: User) -> ColumnElement[bool]:
    """Which API tokens the user sees and may revoke: a WHERE clause over ApiToken."""
    return true() if SEE_ALL_TOKENS.allows(user) else ApiToken.user_id == user.id


def audit_scope(user: User) -> ColumnElement[bool]:
    """Which entries of the audit log the user reads: a WHERE clause over AuditEntry.
    Administrators: all; provincial staff: those about things in their province (its vendors,
    markets, products, rules and the accounts it manages, as each entry recorded its province);
    other roles: none."""
    if not READ_AUDIT.allows(user):
        return false()
    if user.role is ADMIN:
        return true()
    return AuditEntry.province_code == user.province_code
