"""Small factory functions for test data; each takes the session and keyword overrides."""
from __future__ import annotations

import datetime as dt
import itertools

from accounts.models import Role
from accounts.service import Scope, create_user
from market.models import Market, MarketClass, Stall
from textnorm import search_key
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor, VendorKind, VendorStatusPeriod

PASSWORD = "correct horse battery"
# The heading of each role's home page.
ROLE_HOME_HEADINGS = {
    Role.ADMIN: "Quản trị hệ thống",
    Role.PROVINCIAL_STAFF: "Số hóa chợ toàn tỉnh",
    Role.COMMUNE_STAFF: "Chợ trên địa bàn",
    Role.ONBOARDING_AGENT: "Hỗ trợ tiểu thương",
    Role.COOPERATIVE_MANAGER: "Sản phẩm của hợp tác xã",
}
_counter = itertools.count(1)

DAI_TU = "05830"  # Xã Đại Từ, Thái Nguyên
TAN_CUONG = "05503"  # Xã Tân Cương, Thái Nguyên
THU_DAU_MOT = "25747"  # Phường Thủ Dầu Một, Hồ Chí Minh City: outside Thái Nguyên


def make_market(session, **kw) -> Market:
    name = kw.pop("name", f"Chợ Thử Nghiệm {next(_counter)}")
    market = Market(name=name, search_key=search_key(name), ward_code=kw.pop("ward_code", DAI_TU),
                    market_class=kw.pop("market_class", MarketClass.II), **kw)
    session.add(market)
    session.flush()
    return market


def make_stall(session, market: Market, code: str | None = None) -> Stall:
    stall = Stall(market_id=market.id, code=code or f"A-{next(_counter):03d}")
    session.add(stall)
    session.flush()
    return stall


def make_vendor(session, market: Market | None = None, *, joined_on=dt.date(2024, 1, 1),
                left_on=None, **kw) -> Vendor:
    name = kw.pop("name", f"Nguyễn Thị Thử {next(_counter)}")
    kind = kw.pop("kind", VendorKind.TRADER)
    if market is None and kind is not VendorKind.COOPERATIVE:
        market = make_market(session)
    vendor = Vendor(name=name, search_key=search_key(name), kind=kind,
                    market_id=market.id if market else None, **kw)
    session.add(vendor)
    session.flush()
    session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=joined_on, left_on=left_on))
    session.flush()
    return vendor


def make_bank_account(session, vendor: Vendor, *, started_on=dt.date(2024, 2, 1),
                      stopped_on=None, bank_bin="970436", account_number="0011001234567",
                      account_holder="NGUYEN THI THU") -> PaymentMethod:
    method = PaymentMethod(vendor_id=vendor.id, kind=PaymentMethodKind.BANK_ACCOUNT,
                           bank_bin=bank_bin, account_number=account_number,
                           account_holder=account_holder, started_on=started_on,
                           stopped_on=stopped_on)
    session.add(method)
    session.flush()
    return method


def make_user(session, role: Role = Role.ADMIN, scope: Scope = Scope(), **kw):
    return create_user(session, username=kw.pop("username", f"user{next(_counter)}"),
                       password=kw.pop("password", PASSWORD),
                       full_name=kw.pop("full_name", "Người Dùng Thử"), role=role, scope=scope)


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})
