"""Meta (Facebook and Instagram shops) commerce catalogue as a CSV data feed: one item per
sellable variant, variants tied by item_group_id.

Source: Meta Business Help Centre, product data specifications for catalogues;
/work/shared/reference/ecommerce-formats.md.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from catalog_export.canonical import Product
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    Severity,
)
from catalog_export.exporters.feeds import (
    feed_findings,
    feed_item,
    feed_row,
    write_rows,
)
from domain_errors import N_

# id <= 100, title <= 200, description <= 9,999 characters; image_link plus up to 20
# additional_image_link; images at least 500x500 px, at most 8 MB.
LIMITS = Limits("Meta", name_max=200, description_max=9999, sku_max=100, images_max=21,
                image_min_side=500, image_max_bytes=8 * 1024 * 1024)
ADDITIONAL_IMAGES_MAX = 20
AVAILABILITY = ("in stock", "out of stock")  # Meta's spelling, with a space
COLUMNS = ("id", "title", "description", "availability", "condition", "price", "link",
           "image_link", "additional_image_link", "brand", "gtin", "google_product_category",
           "item_group_id", "size", "color", "material", "pattern", "custom_label_0",
           "custom_label_1")


def brand_of(product: Product) -> str:
    """Meta asks every item for a brand (or a GTIN): a cooperative's product without a brand of
    its own is sold under the cooperative's name."""
    return product.brand or product.seller


def meta_findings(product: Product) -> list[Finding]:
    findings = feed_findings(product, LIMITS)
    if not product.brand:
        if product.seller:
            findings.append(Finding(product.id, "brand", "brand_is_seller", Severity.WARNING, N_(
                "Chưa có thương hiệu; %(platform)s sẽ ghi tên đơn vị bán «%(seller)s» làm "
                "thương hiệu.", platform=LIMITS.platform, seller=product.seller)))
        elif not all(variant.gtin for variant in product.sellable()):
            findings.append(Finding(product.id, "brand", "brand_or_gtin_missing", Severity.ERROR,
                                    N_("Chưa có thương hiệu, tên đơn vị bán hay mã vạch GTIN; "
                                       "%(platform)s cần một trong số đó.",
                                       platform=LIMITS.platform)))
    return findings


class MetaCatalogCSV:
    name = "meta"
    label = "Meta (Facebook, Instagram)"
    file_extension = "csv"
    media_type = "text/csv"

    def check(self, product: Product) -> list[Finding]:
        return meta_findings(product)

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        return write_rows(out, products, self.check, COLUMNS, _meta_rows)


def _meta_rows(product: Product) -> list[list[str]]:
    rows = []
    for variant in product.sellable():
        item = feed_item(product, variant, availability=AVAILABILITY,
                         additional_images_max=ADDITIONAL_IMAGES_MAX)
        item["brand"] = brand_of(product)
        rows.append(feed_row(item, COLUMNS))
    return rows


EXPORTER = MetaCatalogCSV()
