"""Keeping a catalogue: products found in the user's area, written, their variants generated from
the option axes, archived (never deleted), and turned into the canonical values exporters read."""
from __future__ import annotations

import itertools
import re

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from accounts.permissions import EDIT_CATALOGUE, vendor_scope
from audit.service import record, snapshot, vendor_province
from catalog_export import canonical
from catalog_export.models import Product, ProductStatus, ProductVariant
from db import vietnamese_order
from domain_errors import N_, Conflict, Invalid, NotFound
from textnorm import nfc, search_key, to_ascii
from vendors.models import Vendor, VendorKind


def _loaded():
    # Built when a query runs, not at import: building loader options maps every model, and a
    # module importing this one before all the models are imported (a test, a command) would fail.
    return (selectinload(Product.variants), selectinload(Product.images),
            selectinload(Product.listings))


def visible_products(user: User) -> ColumnElement[bool]:
    """Which products the user sees: those of vendors in their area; drafts only to those who
    may edit the catalogue."""
    clause = Product.vendor_id.in_(select(Vendor.id).where(vendor_scope(user)))
    if not EDIT_CATALOGUE.allows(user):
        clause = clause & (Product.status != ProductStatus.DRAFT)
    return clause


def get_product(session: Session, user: User, product_id: int) -> Product:
    product = session.scalar(select(Product).options(*_loaded())
                             .where(Product.id == product_id, visible_products(user)))
    if product is None:
        raise NotFound(N_("Không tìm thấy sản phẩm này trong địa bàn của bạn."))
    return product


def list_products(session: Session, user: User, *, vendor_id: int | None = None,
                  status: ProductStatus | None = None, query: str = "", page: int = 1,
                  page_size: int = 50) -> tuple[list[Product], int]:
    """The products the user sees, by name, archived ones only when asked for."""
    conditions = [visible_products(user)]
    if vendor_id is not None:
        conditions.append(Product.vendor_id == vendor_id)
    if status is not None:
        conditions.append(Product.status == status)
    else:
        conditions.append(Product.status != ProductStatus.ARCHIVED)
    for word in search_key(query).split():
        conditions.append(Product.search_key.contains(word, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Product).where(*conditions)) or 0
    offset = (max(page, 1) - 1) * page_size
    if offset >= total:  # past the last page: no query with an offset the database refuses
        return [], total
    products = session.scalars(
        select(Product).options(*_loaded()).where(*conditions)
        .order_by(vietnamese_order(Product.name), Product.id).limit(page_size).offset(offset))
    return list(products), total


# A role that may not edit catalogues is refused before the record is looked up: the refusal
# says nothing of whether the record exists.
def cooperatives(session: Session, scope: ColumnElement[bool]) -> list[Vendor]:
    """The cooperatives `scope` covers, by name."""
    return list(session.scalars(select(Vendor).where(Vendor.kind == VendorKind.COOPERATIVE, scope)
                                .order_by(vietnamese_order(Vendor.name), Vendor.id)))


def writable_vendor(session: Session, user: User, vendor_id: int) -> Vendor:
    EDIT_CATALOGUE.check(user)
    return visible_vendor(session, vendor_scope(user), vendor_id)


def visible_vendor(session: Session, scope: ColumnElement[bool], vendor_id: int) -> Vendor:
    """The vendor if `scope` (a WHERE clause over Vendor, as accounts.permissions.vendor_scope
    gives; true() for the command line) covers it, else NotFound."""
    vendor = session.scalar(select(Vendor).where(Vendor.id == vendor_id, scope))
    if vendor is None:
        raise NotFound(N_("Không tìm thấy tiểu thương hoặc hợp tác xã này trong địa bàn của bạn."))
    return vendor


# What the audit log keeps of a product; its variants as their SKU, options, price and stock.
LOGGED_FIELDS = ("sku", "name", "description", "status", "brand", "google_category_id", "origin",
                 "price", "stock", "weight_grams", "length_mm", "width_mm", "height_mm", "gtin",
                 "ocop_stars", "ocop_year", "shelf_life_days", "storage", "certifications",
                 "option_names")


def logged_product(product: Product) -> dict:
    return {**snapshot(product, LOGGED_FIELDS), "variants": [
        {"sku": v.sku, "options": v.options, "price": v.price, "stock": v.stock}
        for v in product.variants]}


def _log(session: Session, user: User, action: str, product: Product,
         before: dict | None) -> None:
    record(session, user.id, action, "product", product.id,
           province_code=vendor_province(session, product.vendor_id), before=before,
           after=logged_product(product))


def writable_product(session: Session, user: User, product_id: int) -> Product:
    EDIT_CATALOGUE.check(user)
    return get_product(session, user, product_id)


def create_product(session: Session, user: User, vendor_id: int, data: dict) -> Product:
    """A new product of the vendor from ProductInput's data; its SKU is made from its name when
    none is given."""
    vendor = writable_vendor(session, user, vendor_id)
    product = Product(vendor_id=vendor.id, sku=data.get("sku") or _free_sku(session, vendor.id,
                                                                            data["name"]))
    _apply(session, product, data)
    session.add(product)
    session.flush()
    _log(session, user, "product.create", product, None)
    return product


def update_product(session: Session, user: User, product_id: int, data: dict) -> Product:
    """Change the fields sent; `variants`, when sent, replace the product's variants (matched by
    their options, so a variant kept keeps its id and SKU)."""
    product = writable_product(session, user, product_id)
    if product.status is ProductStatus.ARCHIVED and data.get("status") is None:
        raise Invalid(N_("Sản phẩm đã lưu trữ: hãy bán lại trước khi sửa."))
    before = logged_product(product)
    if data.get("sku") and data["sku"] != product.sku:
        product.sku = data["sku"]
    _apply(session, product, data)
    session.flush()
    _log(session, user, "product.update", product, before)
    return product


def archive_product(session: Session, user: User, product_id: int) -> Product:
    product = writable_product(session, user, product_id)
    before = logged_product(product)
    product.status = ProductStatus.ARCHIVED
    session.flush()
    _log(session, user, "product.archive", product, before)
    return product


def restore_product(session: Session, user: User, product_id: int) -> Product:
    """An archived product back in the catalogue, as a draft to look over before selling."""
    product = writable_product(session, user, product_id)
    if product.status is ProductStatus.ARCHIVED:
        before = logged_product(product)
        product.status = ProductStatus.DRAFT
        session.flush()
        _log(session, user, "product.restore", product, before)
    return product


def _apply(session: Session, product: Product, data: dict) -> None:
    for name in ("name", "description", "status", "brand", "google_category_id", "origin",
                 "price", "stock", "weight_grams", "length_mm", "width_mm", "height_mm", "gtin",
                 "ocop_stars", "ocop_year", "shelf_life_days", "storage"):
        if name in data:
            setattr(product, name, data[name])
    if "name" in data:
        product.search_key = search_key(data["name"])[:255]
    if "certifications" in data:
        product.certifications = sorted({c.value for c in data["certifications"]})
    if "option_names" in data or "variants" in data:
        product.option_names = [nfc(name) for name in data.get("option_names",
                                                                product.option_names)]
        _replace_variants(session, product, data.get("variants", []))
    _check_sku_free(session, product)


def _replace_variants(session: Session, product: Product, wanted: list[dict]) -> None:
    existing = {_combination(product.option_names, v.options): v for v in product.variants}
    kept, seen = [], set()
    for position, data in enumerate(wanted):
        options = {nfc(name): nfc(value).strip() for name, value in data["options"].items()}
        if set(options) != set(product.option_names):
            raise Invalid(fields={"variants": N_(
                "Mỗi phân loại cần đúng một giá trị cho mỗi nhóm phân loại của sản phẩm.")})
        combination = _combination(product.option_names, options)
        if combination in seen or not all(combination):
            raise Invalid(fields={"variants": N_(
                "Hai phân loại trùng nhau, hoặc một phân loại thiếu giá trị.")})
        seen.add(combination)
        variant = existing.pop(combination, None) or ProductVariant(options=options)
        variant.position = position
        variant.price, variant.stock = data["price"], data.get("stock", 0)
        variant.weight_grams, variant.gtin = data.get("weight_grams"), data.get("gtin")
        variant.sku = data.get("sku") or variant.sku or _variant_sku(product.sku, combination)
        kept.append(variant)
    skus = [variant.sku for variant in kept]
    if len(set(skus)) != len(skus):
        raise Invalid(fields={"variants": N_("Hai phân loại có cùng mã SKU.")})
    product.variants = kept
    if kept:  # the product's own figures follow its variants, for lists and exports
        product.price = min(variant.price for variant in kept)
        product.stock = sum(variant.stock for variant in kept)


def variant_combinations(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination of the axes' values, in the order a person reads them:
    [("Khối lượng", ["250 g", "500 g"]), ("Loại", ["Loại 1", "Loại 2"])] gives 4."""
    names = [name for name, _ in axes]
    return [dict(zip(names, values))
            for values in itertools.product(*(values for _, values in axes))]


def _combination(names: list[str], options: dict) -> tuple[str, ...]:
    return tuple(nfc(str(options.get(name, ""))).strip() for name in names)


def _variant_sku(parent: str, combination: tuple[str, ...]) -> str:
    suffix = "-".join(_sku_part(value, 12) for value in combination)
    return f"{parent}-{suffix}"[:64]


def _sku_part(text: str, length: int) -> str:
    return re.sub(r"[^A-Z0-9]+", "", to_ascii(text).upper())[:length] or "X"


def _free_sku(session: Session, vendor_id: int, name: str) -> str:
    """A SKU made from the name's initials, numbered past those the vendor already uses."""
    initials = "".join(word[0] for word in to_ascii(name).upper().split() if word[:1].isalnum())
    prefix = (initials or "SP")[:8]
    used = set(session.scalars(select(Product.sku).where(Product.vendor_id == vendor_id,
                                                        Product.sku.startswith(prefix))))
    return next(f"{prefix}-{n:03d}" for n in itertools.count(1) if f"{prefix}-{n:03d}" not in used)


def _check_sku_free(session: Session, product: Product) -> None:
    clash = session.scalar(select(Product.name).where(
        Product.vendor_id == product.vendor_id, Product.sku == product.sku,
        Product.id != product.id if product.id is not None else true()))
    if clash is not None:
        raise Conflict(fields={"sku": N_("Mã SKU «%(sku)s» đã dùng cho sản phẩm «%(name)s».",
                                         sku=product.sku, name=clash)})


# --- To the exporters -------------------------------------------------------------------------


def to_canonical(product: Product, *, images: tuple[canonical.Image, ...] = (),
                 category_path: str | None = None, link: str | None = None) -> canonical.Product:
    """The product as exporters read it. Images are prepared by the caller (sizes, URLs)."""
    names = tuple(product.option_names or ())
    variants = tuple(
        canonical.Variant(sku=v.sku, options=_combination(list(names), v.options), price=v.price,
                          stock=v.stock, weight_grams=v.weight_grams, gtin=v.gtin)
        for v in product.variants) if names else ()
    return canonical.Product(
        id=product.id, sku=product.sku, name=product.name, description=product.description or "",
        price=product.price, stock=product.stock, brand=product.brand,
        google_category_id=product.google_category_id, google_category_path=category_path,
        origin=product.origin, weight_grams=product.weight_grams, length_mm=product.length_mm,
        width_mm=product.width_mm, height_mm=product.height_mm, gtin=product.gtin,
        option_names=names, variants=variants, images=images, ocop_stars=product.ocop_stars,
        ocop_year=product.ocop_year,
        certifications=tuple(canonical.Certification(c) for c in product.certifications or ()),
        shelf_life_days=product.shelf_life_days, storage=product.storage, link=link,
        seller=product.vendor.name if product.vendor else "")
