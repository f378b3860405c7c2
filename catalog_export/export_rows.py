"""The products an export writes and the readiness report checks: the ACTIVE products of some
vendors as the canonical values exporters read, with their Google category path, each
platform's category ID (where staff filled one in) and their photos' public addresses."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog_export import canonical, taxonomy
from catalog_export.models import Product, ProductImage, ProductStatus
from catalog_export.products import to_canonical
from db import vietnamese_order

PUBLIC_IMAGES_PATH = "/catalog/public-images/"
# A product's public page (catalog_export.export_routes.public_product), the `link` feeds need.
PUBLIC_PRODUCTS_PATH = "/catalog/public/"


def active_products(session: Session, vendor_ids: Iterable[int]) -> list[Product]:
    """The vendors' products on sale, vendor by vendor, by name."""
    return list(session.scalars(
        select(Product)
        .options(selectinload(Product.variants), selectinload(Product.images),
                 selectinload(Product.vendor))
        .where(Product.vendor_id.in_(list(vendor_ids)), Product.status == ProductStatus.ACTIVE)
        .order_by(Product.vendor_id, vietnamese_order(Product.name), Product.id)))


def public_image_url(public_base_url: str | None, file_name: str) -> str | None:
    """Where platforms fetch a stored photo (catalog_export.export_routes.public_image)."""
    if not public_base_url:
        return None
    return public_base_url.rstrip("/") + PUBLIC_IMAGES_PATH + file_name


def stored_image(image: ProductImage, public_base_url: str | None) -> canonical.Image:
    """A photo as it is stored, at its public address when the catalogue has one."""
    return canonical.Image(name=image.file_name, width=image.width, height=image.height,
                           bytes=image.byte_size,
                           url=public_image_url(public_base_url, image.file_name))


def stored_images(product: Product, public_base_url: str | None) -> tuple[canonical.Image, ...]:
    """The product's photos as stored, the cover first."""
    return tuple(stored_image(row, public_base_url) for row in product.images)


def category_extra_key(platform: str) -> str:
    """The key of product.extra the platform's exporter reads its own category ID from
    (shopee.SHOPEE_CATEGORY_KEY and the others spell it this way)."""
    return f"{platform}_category_id"


def platform_category_ids(google_category_id: int | None) -> dict[str, str]:
    """product.extra's "<platform>_category_id" values: each mapped platform's category for the
    product's Google category, where staff have filled its ID in the category map."""
    if google_category_id is None:
        return {}
    ids = {}
    for platform in taxonomy.MAPPED_PLATFORMS:
        found = taxonomy.platform_category(platform, google_category_id)
        if found is not None and found.id:
            ids[category_extra_key(platform)] = found.id
    return ids


def public_product_url(public_base_url: str | None, product: Product) -> str | None:
    if not public_base_url:
        return None
    return f"{public_base_url.rstrip('/')}{PUBLIC_PRODUCTS_PATH}{product.id}"


def canonical_product(product: Product, images: tuple[canonical.Image, ...],
                      public_base_url: str | None = None) -> canonical.Product:
    category = (taxonomy.category(product.google_category_id)
                if product.google_category_id is not None else None)
    value = to_canonical(product, images=images,
                         category_path=category.english_path if category else None,
                         link=public_product_url(public_base_url, product))
    value.extra.update(platform_category_ids(product.google_category_id))
    return value


def export_products(session: Session, vendor_ids: Iterable[int],
                    public_base_url: str | None) -> list[canonical.Product]:
    """The vendors' ACTIVE products as exporters read them, with their stored photos."""
    return [canonical_product(product, stored_images(product, public_base_url), public_base_url)
            for product in active_products(session, vendor_ids)]
