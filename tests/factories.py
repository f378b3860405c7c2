"""Small factory functions for test data; each takes the session and keyword overrides."""
from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path

from PIL import Image
from werkzeug.security import generate_password_hash

from accounts.models import Role, User
from accounts.service import Scope, create_user
from catalog_export import image_store
from catalog_export.images import process_upload
from catalog_export.models import (
    Product,
    ProductImage,
    ProductListing,
    ProductStatus,
    ProductVariant,
)
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
# PASSWORD hashed with one PBKDF2 round: checked at once, where create_user's hash takes a fifth
# of a second to make and again to check.
QUICK_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

THAI_NGUYEN = "19"
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


def make_product(session, vendor: Vendor, **kw) -> Product:
    """A product of the vendor (usually a cooperative) with one variant."""
    name = kw.pop("name", f"Chè Thử {next(_counter)}")
    product = Product(vendor_id=vendor.id, name=name, search_key=search_key(name),
                      sku=kw.pop("sku", f"SP-{next(_counter):05d}"),
                      status=kw.pop("status", ProductStatus.ACTIVE),
                      option_names=kw.pop("option_names", ["Khối lượng"]), **kw)
    session.add(product)
    session.flush()
    session.add(ProductVariant(product_id=product.id, sku=f"SKU-{next(_counter):05d}",
                               options={"Khối lượng": "500 g"}, price=120_000, stock=10))
    session.flush()
    return product


def make_product_image(session, product: Product, folder, *, size=(800, 800),
                       colour=(40, 120, 60)) -> ProductImage:
    """A photo of the product, made with Pillow, processed and stored in `folder` as an upload
    would be."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    processed = process_upload(buffer.getvalue())
    file_name, thumbnail_name = image_store.store(Path(folder), processed)
    image = ProductImage(product_id=product.id, file_name=file_name, thumbnail_name=thumbnail_name,
                         position=len(product.images), width=processed.width,
                         height=processed.height, byte_size=len(processed.data))
    session.add(image)
    session.flush()
    session.refresh(product)
    return image


def make_listing(session, product: Product, **kw) -> ProductListing:
    listing = ProductListing(product_id=product.id, platform=kw.pop("platform", "Shopee"),
                             url=kw.pop("url", f"https://shopee.vn/san-pham-{next(_counter)}"),
                             listed_on=kw.pop("listed_on", dt.date(2026, 1, 5)), **kw)
    session.add(listing)
    session.flush()
    return listing


def make_user(session, role: Role = Role.ADMIN, scope: Scope | None = None, **kw):
    return create_user(session, username=kw.pop("username", f"user{next(_counter)}"),
                       password=kw.pop("password", PASSWORD),
                       full_name=kw.pop("full_name", "Người Dùng Thử"), role=role, scope=scope or Scope())


def make_quick_user(session, role: Role = Role.ADMIN, scope: Scope | None = None, **kw) -> User:
    """A user who logs in with PASSWORD, made without create_user's slow hash (nor its checks of
    the scope: give one the role allows), for tests that need many users."""
    user = User(username=kw.pop("username", f"user{next(_counter)}"),
                full_name=kw.pop("full_name", "Người Dùng Thử"), password_hash=QUICK_PASSWORD_HASH,
                role=role, **vars(scope or Scope()), **kw)
    session.add(user)
    session.flush()
    return user


def make_one_user_per_role(session, market: Market, cooperative: Vendor) -> dict[Role, User]:
    """A quick user of each role: provincial staff of Thái Nguyên, commune staff of Xã Đại Từ, an
    agent of `market` and the manager of `cooperative`."""
    scopes = {
        Role.ADMIN: Scope(),
        Role.PROVINCIAL_STAFF: Scope(province_code=THAI_NGUYEN),
        Role.COMMUNE_STAFF: Scope(ward_code=DAI_TU),
        Role.ONBOARDING_AGENT: Scope(market_id=market.id),
        Role.COOPERATIVE_MANAGER: Scope(cooperative_id=cooperative.id),
    }
    return {role: make_quick_user(session, role, scope) for role, scope in scopes.items()}


def login_in_browser(page, live_server: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page of a real browser (Playwright)."""
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})
