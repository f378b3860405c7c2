"""A large catalogue read as canonical products, a batch at a time, straight from the table rows
(SQLAlchemy Core): for exports of tens of thousands of products, where loading ORM objects with
their variants and images would hold them all in the session. The values are those
products.to_canonical builds from the objects.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import lru_cache

from sqlalchemy import ColumnElement, Row, Text, cast, select
from sqlalchemy.orm import Session

from catalog_export import canonical
from catalog_export.models import Product, ProductImage, ProductVariant

BATCH_SIZE = 1000  # products a query; their variants and images are two more queries

ImageOf = Callable[[Row, Row], canonical.Image]  # (product row, image row) -> Image


def stored_image(product: Row, image: Row) -> canonical.Image:
    """An image as stored, without a public address."""
    return canonical.Image(name=image.file_name, width=image.width, height=image.height,
                           bytes=image.byte_size)


def canonical_products(session: Session, condition: ColumnElement[bool], *, seller: str = "",
                       image_of: ImageOf = stored_image,
                       category_path: Callable[[int | None], str | None] = lambda _: None,
                       link_of: Callable[[Row], str | None] = lambda _: None,
                       batch_size: int = BATCH_SIZE) -> Iterator[canonical.Product]:
    """The products matching `condition`, by id, as canonical values; `image_of` makes each
    image's canonical value (its URL), `category_path` the Google category's English path,
    `link_of` the address of the product's public page."""
    products = Product.__table__
    variants = ProductVariant.__table__
    images = ProductImage.__table__
    # The JSON columns as their text, decoded here once per distinct text: a catalogue's
    # variants repeat the same few option sets ("500 g") on thousands of rows.
    product_columns = [cast(column, Text).label(column.name)
                       if column.name in ("option_names", "certifications") else column
                       for column in products.c]
    last_id = 0
    while True:
        rows = session.execute(select(*product_columns)
                               .where(condition, products.c.id > last_id)
                               .order_by(products.c.id).limit(batch_size)).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        last_id = ids[-1]
        variants_of = defaultdict(list)
        for variant in session.execute(
                select(variants.c.product_id, variants.c.sku,
                       cast(variants.c.options, Text).label("options"),
                       variants.c.price, variants.c.stock, variants.c.weight_grams,
                       variants.c.gtin)
                .where(variants.c.product_id.in_(ids))
                .order_by(variants.c.product_id, variants.c.position, variants.c.id)):
            variants_of[variant.product_id].append(variant)
        images_of = defaultdict(list)
        for image in session.execute(
                select(images.c.product_id, images.c.file_name, images.c.width,
                       images.c.height, images.c.byte_size)
                .where(images.c.product_id.in_(ids))
                .order_by(images.c.product_id, images.c.position, images.c.id)):
            images_of[image.product_id].append(image)
        for row in rows:
            yield _product(row, variants_of[row.id], images_of[row.id], seller=seller,
                           image_of=image_of, category_path=category_path, link=link_of(row))


def _product(row: Row, variant_rows: list[Row], image_rows: list[Row], *, seller: str,
             image_of: ImageOf, category_path: Callable[[int | None], str | None],
             link: str | None) -> canonical.Product:
    names = tuple(_json(row.option_names) or ())
    # Option values are stored NFC and trimmed (products._replace_variants): read as they are.
    variants = tuple(
        canonical.Variant(sku=v.sku, options=_values(v.options, names),
                          price=v.price, stock=v.stock, weight_grams=v.weight_grams, gtin=v.gtin)
        for v in variant_rows) if names else ()
    return canonical.Product(
        id=row.id, sku=row.sku, name=row.name, description=row.description or "",
        price=row.price, stock=row.stock, brand=row.brand,
        google_category_id=row.google_category_id,
        google_category_path=category_path(row.google_category_id), origin=row.origin,
        weight_grams=row.weight_grams, length_mm=row.length_mm, width_mm=row.width_mm,
        height_mm=row.height_mm, gtin=row.gtin, option_names=names, variants=variants,
        images=tuple(image_of(row, image) for image in image_rows), ocop_stars=row.ocop_stars,
        ocop_year=row.ocop_year,
        certifications=tuple(canonical.Certification(c) for c in _json(row.certifications) or ()),
        shelf_life_days=row.shelf_life_days, storage=row.storage, link=link, seller=seller)


@lru_cache(maxsize=4096)
def _json(text: str | None):
    """A JSON column's value; shared between the rows of the same text, so never changed."""
    return None if text is None else json.loads(text)


@lru_cache(maxsize=4096)
def _values(options_text: str | None, names: tuple[str, ...]) -> tuple[str, ...]:
    options = _json(options_text) or {}
    return tuple(str(options.get(name, "")) for name in names)
