"""Generating demo data: the curated demo of Thái Nguyên and Phú Thọ with two years of history,
and N vendors in bulk for benchmarks."""
from __future__ import annotations

import datetime as dt
import enum
import math
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

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
from demo import data, history, pictures
from demo.generator import Generator
from demo.history import FIRST_CASHLESS, FIRST_JOIN, ListedProduct, Trader
from market.admin_units import load_admin_units, shipped_admin_units
from market.models import (
    Cho40Rule,
    Market,
    MarketClass,
    MarketFeeCollection,
    Province,
    Stall,
    Ward,
)
from qr.banks import load_banks, shipped_bank_list
from qr.models import Bank
from textnorm import nfc, search_key, to_ascii
from vendors.models import (
    PaymentMethod,
    PaymentMethodKind,
    Vendor,
    VendorKind,
    VendorStatusPeriod,
    VerificationVisit,
    WalletProvider,
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str
    scope: str


@dataclass
class LoadResult:
    markets: int = 0
    vendors: int = 0
    payment_methods: int = 0
    products: int = 0
    images: int = 0
    visits: int = 0
    listings: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


def ensure_reference_data(session: Session, today: dt.date) -> None:
    """Administrative units and the bank directory, loaded if the database has none yet."""
    if session.scalar(select(func.count()).select_from(Province)) == 0:
        load_admin_units(session, shipped_admin_units()[0])
    if session.scalar(select(func.count()).select_from(Bank)) == 0:
        rows, source = shipped_bank_list()
        load_banks(session, rows, source, today)


def has_markets(session: Session) -> bool:
    return session.scalar(select(Market.id).limit(1)) is not None


@dataclass(frozen=True)
class DatabaseCounts:
    markets: int
    vendors: int
    payment_methods: int
    visits: int
    products: int
    images: int
    listings: int
    users: int


def database_counts(session: Session) -> DatabaseCounts:
    """How many of each the database holds now (what a restart reports), in one query."""
    models = (Market, Vendor, PaymentMethod, VerificationVisit, Product, ProductImage,
              ProductListing, User)
    row = session.execute(select(*(select(func.count()).select_from(model).scalar_subquery()
                                   for model in models))).one()
    return DatabaseCounts(*row)


def _market_row(name: str, ward: Ward, market_class: str, address: str, gen: Generator,
                place: tuple[Decimal | None, Decimal | None] | None = None) -> dict:
    """A market's row, at `place` (latitude, longitude), else at its ward's centre."""
    board_name, _ = gen.person()
    latitude, longitude = place or (ward.latitude, ward.longitude)
    return {
        "name": nfc(name),
        "search_key": search_key(name),
        "ward_code": ward.code,
        "address": nfc(address),
        "market_class": MarketClass(market_class),
        "board_contact_name": board_name,
        "board_contact_phone": gen.phone(),
        "latitude": latitude,
        "longitude": longitude,
    }


def _near(ward: Ward, rng: random.Random) -> tuple[Decimal | None, Decimal | None]:
    """A point 0.5 to 1.5 km from the ward's centre, so that two markets of one ward, or a
    province's markets on a map, do not sit on one dot."""
    if ward.latitude is None or ward.longitude is None:
        return None, None
    distance, angle = rng.uniform(0.0045, 0.0135), rng.uniform(0, 2 * math.pi)  # in degrees
    latitude = float(ward.latitude) + distance * math.sin(angle)
    longitude = float(ward.longitude) + distance * math.cos(angle) / math.cos(math.radians(latitude))
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


def _stall_rows(market_id: int, count: int) -> list[dict]:
    rows = []
    for i in range(count):
        letter, zone = data.ZONES[i % len(data.ZONES)]
        rows.append({"market_id": market_id, "code": f"{letter}-{i // len(data.ZONES) + 1:02d}",
                     "zone": zone})
    return rows


def _allocate_ids(session: Session, model, count: int) -> list[int]:
    """Reserve `count` primary keys so bulk rows can reference each other without RETURNING
    (SQLAlchemy's ORM bulk RETURNING grows quadratically with the batch)."""
    table = model.__table__.name
    if session.get_bind().dialect.name == "postgresql":
        # Drawn from the table's own sequence: safe beside other writers, and the
        # sequence stays ahead of the ids used.
        return list(session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table, "n": count},
        ))
    start = (session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(start, start + count))


def _insert_with_ids(session: Session, model, rows: list[dict]) -> list[int]:
    ids = _allocate_ids(session, model, len(rows)) if rows else []
    for row, new_id in zip(rows, ids):
        row["id"] = new_id
    if rows:
        session.execute(model.__table__.insert(), _plain(rows))
    return ids


def _plain(rows: list[dict]) -> list[dict]:
    # Core inserts take enum values, not members.
    return [{k: (v.value if isinstance(v, enum.Enum) else v) for k, v in row.items()} for row in rows]


def _insert_markets_with_stalls(
    session: Session, market_rows: list[dict], stall_counts: list[int]
) -> list[tuple[int, list[int]]]:
    """Insert markets and their stalls; returns (market id, its stall ids) in order."""
    market_ids = _insert_with_ids(session, Market, market_rows)
    stall_rows = [row for mid, n in zip(market_ids, stall_counts) for row in _stall_rows(mid, n)]
    stall_ids = iter(_insert_with_ids(session, Stall, stall_rows))
    return [(mid, [next(stall_ids) for _ in range(n)]) for mid, n in zip(market_ids, stall_counts)]


def _insert_traders(
    session: Session, gen: Generator, placements: list[tuple[int, int]],
    birth_provinces: dict[int, tuple[str, ...]] | None = None,
) -> list[tuple[int, int, str, VendorKind]]:
    """One trader or household business per (market id, stall id), without history; returns
    (vendor id, market id, name, kind) of each. `birth_provinces` by market id: where its
    traders' citizen IDs say they were born (Thái Nguyên's people by default)."""
    vendor_rows = []
    for market_id, stall_id in placements:
        name, female = gen.person()
        household = gen.rng.random() < 0.2
        born = (birth_provinces or {}).get(market_id, data.BIRTH_PROVINCES[data.PROVINCE_CODE])
        vendor_rows.append({
            "kind": VendorKind.HOUSEHOLD_BUSINESS if household else VendorKind.TRADER,
            "name": name,
            "search_key": search_key(name),
            "phone": gen.phone() if gen.rng.random() < 0.95 else None,
            "citizen_id": gen.citizen_id(female, born) if gen.rng.random() < 0.6 else None,
            "tax_code": gen.tax_code() if household else None,
            "market_id": market_id,
            "stall_id": stall_id,
        })
    vendor_ids = _insert_with_ids(session, Vendor, vendor_rows)
    return [(vendor_id, row["market_id"], row["name"], row["kind"])
            for vendor_id, row in zip(vendor_ids, vendor_rows)]


def _insert_scale_history(session: Session, gen: Generator,
                          vendors: list[tuple[int, int, str, VendorKind]]) -> int:
    """The bulk load's simple history (bench/README.md's figures are for it): joined any day
    since 2018, a few left, methods taken up at random; returns the number of methods."""
    periods, methods = [], []
    for vendor_id, _market_id, holder, _kind in vendors:
        joined = gen.date_between(FIRST_JOIN, gen.today - dt.timedelta(days=30))
        left = None
        if gen.rng.random() < 0.08:
            left = gen.date_between(joined + dt.timedelta(days=1), gen.today)
        periods.append({"vendor_id": vendor_id, "joined_on": joined, "left_on": left,
                        "left_reason": "Nghỉ bán" if left else None})
        end = left or gen.today
        start_floor = max(joined, FIRST_CASHLESS)
        if start_floor >= end:
            continue
        roll = gen.rng.random()
        if roll < 0.62:
            bin_, account = gen.bank_account()
            started = gen.date_between(start_floor, end)
            methods.append(_method(vendor_id, PaymentMethodKind.BANK_ACCOUNT, started, left,
                                   bank_bin=bin_, account_number=account,
                                   account_holder=to_ascii(holder).upper()))
        if gen.rng.random() < 0.15:
            started = gen.date_between(start_floor, end)
            methods.append(_method(vendor_id, PaymentMethodKind.EWALLET, started, left,
                                   wallet_provider=WalletProvider(gen.rng.choice(data.WALLETS))))
        if gen.rng.random() < 0.04:
            started = gen.date_between(start_floor, end)
            methods.append(_method(vendor_id, PaymentMethodKind.CARD_TERMINAL, started, left,
                                   terminal_provider=gen.rng.choice(data.TERMINAL_PROVIDERS),
                                   terminal_id=gen.digits(8)))
    session.execute(VendorStatusPeriod.__table__.insert(), periods)
    if methods:
        session.execute(PaymentMethod.__table__.insert(), _plain(methods))
    return len(methods)


def _method(vendor_id: int, kind: PaymentMethodKind, started: dt.date, stopped: dt.date | None,
            **fields) -> dict:
    row = {"vendor_id": vendor_id, "kind": kind, "started_on": started, "stopped_on": stopped,
           "bank_bin": None, "account_number": None, "account_holder": None,
           "wallet_provider": None, "terminal_provider": None, "terminal_id": None}
    row.update(fields)
    return row


def load_demo(
    session: Session, *, today: dt.date, password: str | None = None, seed: int = 19,
    images_folder: Path | None = None,
) -> LoadResult:
    """The curated demo: 20 Thái Nguyên and 7 Phú Thọ markets, some 550 traders with two years
    of history before `today` (demo/history.py: joining, leaving, going cashless, visits),
    seven cooperatives with their catalogues listed online, the markets' cashless fee
    collection, the provinces' Chợ 4.0 rules, and a demo account per role (and per province
    for provincial staff). The products' pictures are drawn and stored in `images_folder`
    (image_store's folder); None: products without pictures."""
    ensure_reference_data(session, today)
    gen = Generator(seed, today)
    wards = {w.code: w for w in session.scalars(
        select(Ward).where(Ward.province_code.in_(data.PROVINCE_CODES)))}
    places = random.Random(f"{seed}:places")
    market_rows = [_market_row(m.name, wards[m.ward_code], m.market_class, m.address, gen,
                               _near(wards[m.ward_code], places)) for m in data.MARKETS]
    stall_counts = [data.STALLS_PER_CLASS[m.market_class] for m in data.MARKETS]
    markets = _insert_markets_with_stalls(session, market_rows, stall_counts)
    market_ids = {m.name: market_id for m, (market_id, _) in zip(data.MARKETS, markets)}
    by_id = {market_id: m for m, (market_id, _) in zip(data.MARKETS, markets)}
    placements = [(market_id, stall_id) for market_id, stall_ids in markets
                  for stall_id in stall_ids if gen.rng.random() < 0.7]
    born = {market_id: data.BIRTH_PROVINCES[wards[m.ward_code].province_code]
            for market_id, m in by_id.items()}
    traders = [Trader(vendor_id, market_id, kind, to_ascii(name).upper(),
                      by_id[market_id].market_class)
               for vendor_id, market_id, name, kind in _insert_traders(
                   session, gen, placements, born)]
    cooperatives = [_add_cooperative(session, gen, coop, market_ids, images_folder)
                    for coop in data.COOPERATIVES]
    accounts, user_ids = _add_demo_accounts(session, password, market_ids["Chợ Đại Từ"],
                                            cooperatives[0][0])

    rng = random.Random(f"{seed}:history")
    stories = {market_id: m.story for market_id, m in by_id.items()}
    # The demo's agent works at Chợ Đại Từ; other markets' visits were recorded by agents
    # without a demo account.
    lives = history.traders_history(traders, stories, gen, rng, today,
                                    {market_ids["Chợ Đại Từ"]: user_ids["tocns.daitu"]})
    session.execute(VendorStatusPeriod.__table__.insert(), lives.periods)
    session.execute(PaymentMethod.__table__.insert(), _plain(lives.methods))
    session.execute(VerificationVisit.__table__.insert(), _plain(lives.visits))
    session.execute(MarketFeeCollection.__table__.insert(),
                    history.fee_collections(stories, rng, today))
    staff = {data.PROVINCE_CODE: user_ids["tinh.thainguyen"],
             data.PHU_THO_CODE: user_ids["tinh.phutho"]}
    session.execute(Cho40Rule.__table__.insert(),
                    [{**rule, "created_by": staff[rule["province_code"]]}
                     for rule in data.CHO40_RULES])
    listed = history.listings([product for _, products in cooperatives for product in products],
                              rng, today)
    session.execute(ProductListing.__table__.insert(), listed)
    session.flush()

    return LoadResult(
        markets=len(markets), vendors=len(traders) + len(cooperatives),
        payment_methods=len(lives.methods) + len(cooperatives),
        products=session.scalar(select(func.count()).select_from(Product)),
        images=session.scalar(select(func.count()).select_from(ProductImage)),
        visits=len(lives.visits), listings=len(listed), accounts=accounts)


def _add_cooperative(session: Session, gen: Generator, coop, market_ids: dict[str, int],
                     images_folder: Path | None) -> tuple[int, list[ListedProduct]]:
    """The cooperative, its bank account and products; returns its id and where each of its
    products is listed online (cooperatives.json's "listed")."""
    name = coop["name"]
    vendor = Vendor(kind=VendorKind.COOPERATIVE, name=nfc(name), search_key=search_key(name),
                    phone=gen.phone(), tax_code=gen.tax_code(), ward_code=coop["ward_code"],
                    market_id=market_ids.get(coop["market"]))
    session.add(vendor)
    session.flush()
    joined = gen.date_between(dt.date(2019, 1, 1), dt.date(2022, 12, 31))
    session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=joined))
    _, account = gen.bank_account()
    session.add(PaymentMethod(vendor_id=vendor.id, kind=PaymentMethodKind.BANK_ACCOUNT,
                              bank_bin=coop["bank_bin"], account_number=account,
                              account_holder=to_ascii(name).upper()[:100], started_on=joined))
    listed = []
    for item in coop["products"]:
        product = _product(item, vendor.id, gen)
        session.add(product)
        session.flush()
        listed.append(ListedProduct(product.id, product.name, tuple(item.get("listed", ()))))
        if images_folder is not None:
            _add_pictures(session, product, item, images_folder)
    session.flush()
    return vendor.id, listed


def _product(item: dict, vendor_id: int, gen: Generator) -> Product:
    """A product of cooperatives.json with its variants; a product without variants has its own
    price, stock and weight, one with variants the lowest price and the total stock of them."""
    description = item["description"]
    if isinstance(description, list):  # a long description is kept as paragraphs
        description = "\n\n".join(description)
    variants = [
        ProductVariant(position=position, sku=f"{item['sku']}-{position + 1:02d}",
                       options={nfc(k): nfc(v) for k, v in variant["options"].items()},
                       price=variant["price"],
                       stock=variant.get("stock", gen.rng.randint(10, 200)),
                       weight_grams=variant["grams"])
        for position, variant in enumerate(item["variants"])]
    product = Product(
        vendor_id=vendor_id, name=nfc(item["name"]), search_key=search_key(item["name"]),
        sku=item["sku"], status=ProductStatus.ACTIVE, description=nfc(description),
        brand=nfc(item["brand"]) if item.get("brand") else None,
        google_category_id=item["google_category_id"], origin=nfc(item["origin"]),
        option_names=[nfc(axis) for axis in item["variants"][0]["options"]] if variants else [],
        price=min((v.price for v in variants), default=item.get("price", 0)),
        stock=sum(v.stock for v in variants) if variants else gen.rng.randint(10, 200),
        weight_grams=None if variants else item.get("grams"),
        length_mm=item.get("length_mm"), width_mm=item.get("width_mm"),
        height_mm=item.get("height_mm"), ocop_stars=item.get("ocop_stars"),
        ocop_year=item.get("ocop_year"), certifications=sorted(item.get("certifications", [])),
        shelf_life_days=item.get("shelf_life_days"),
        storage=nfc(item["storage"]) if item.get("storage") else None)
    product.variants = variants
    return product


def _add_pictures(session: Session, product: Product, item: dict, folder: Path) -> None:
    """The product's pictures, drawn (demo/pictures.py), taken as an upload would be and
    stored; the last is drawn at `image_side` px where the JSON asks for a small one."""
    count = item.get("images", 1)
    for position in range(count):
        side = item.get("image_side", pictures.SIDE) if position == count - 1 else pictures.SIDE
        kept = process_upload(pictures.product_picture(product.name, item["shape"],
                                                       view=position, side=side))
        file_name, thumbnail_name = image_store.store(folder, kept)
        session.add(ProductImage(product_id=product.id, file_name=file_name,
                                 thumbnail_name=thumbnail_name, position=position,
                                 alt_text=product.name, width=kept.width, height=kept.height,
                                 byte_size=len(kept.data)))


def _add_demo_accounts(session: Session, password: str | None, market_id: int,
                       cooperative_id: int) -> tuple[list[DemoAccount], dict[str, int]]:
    """One account per role, and one provincial staff account per demo province; returns them
    with their passwords, and the users' ids by username."""
    specs = [
        ("admin", "Quản trị hệ thống", Role.ADMIN, Scope(), "toàn quốc"),
        ("tinh.thainguyen", "Nguyễn Thị Thanh Hương", Role.PROVINCIAL_STAFF,
         Scope(province_code=data.PROVINCE_CODE), "Tỉnh Thái Nguyên"),
        ("tinh.phutho", "Đinh Công Tuấn", Role.PROVINCIAL_STAFF,
         Scope(province_code=data.PHU_THO_CODE), "Tỉnh Phú Thọ"),
        ("xa.daitu", "Hoàng Văn Toàn", Role.COMMUNE_STAFF, Scope(ward_code="05830"), "Xã Đại Từ"),
        ("tocns.daitu", "Ma Thị Hồng Nhung", Role.ONBOARDING_AGENT,
         Scope(market_id=market_id), "Chợ Đại Từ"),
        ("htx.tancuong", "Đỗ Văn Bình", Role.COOPERATIVE_MANAGER,
         Scope(cooperative_id=cooperative_id), "HTX Chè Tân Cương Hoàng Bình"),
    ]
    accounts, user_ids = [], {}
    for username, full_name, role, scope, scope_label in specs:
        chosen = password or secrets.token_urlsafe(9)
        user = create_user(session, username=username, password=chosen, full_name=full_name,
                           role=role, scope=scope)
        accounts.append(DemoAccount(username, role, chosen, scope_label))
        user_ids[username] = user.id
    return accounts, user_ids


def load_scale(session: Session, vendors: int, *, today: dt.date, seed: int = 100,
               vendors_per_market: int = 250) -> LoadResult:
    """N vendors spread over generated markets in every commune of Thái Nguyên, in bulk."""
    ensure_reference_data(session, today)
    gen = Generator(seed, today)
    wards = list(session.scalars(
        select(Ward).where(Ward.province_code == data.PROVINCE_CODE).order_by(Ward.code)))
    market_count = max(1, -(-vendors // vendors_per_market))
    existing = session.scalar(select(func.count()).select_from(Market))
    market_rows, stall_counts = [], []
    for i in range(market_count):
        ward = wards[i % len(wards)]
        round_no = existing + i // len(wards) + 1
        name = f"Chợ {ward.short_name}" + (f" số {round_no}" if round_no > 1 else "")
        market_rows.append(_market_row(name, ward, gen.rng.choice(["I", "II", "III"]),
                                       f"Khu trung tâm {ward.name}", gen))
        stall_counts.append(min(vendors_per_market, vendors - i * vendors_per_market))
    markets = _insert_markets_with_stalls(session, market_rows, stall_counts)
    placements = [(market_id, stall_id) for market_id, stall_ids in markets for stall_id in stall_ids]
    vendors = _insert_traders(session, gen, placements)
    methods = _insert_scale_history(session, gen, vendors)
    return LoadResult(markets=len(markets), vendors=len(vendors), payment_methods=methods)
