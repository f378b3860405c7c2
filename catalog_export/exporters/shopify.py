"""Shopify's product CSV (Products > Import): one row per variant with the product's own fields
on its first row, then one row per further image carrying only the handle and the image.

Source: help.shopify.com/en/manual/products/import-export/using-csv;
/work/shared/reference/ecommerce-formats.md. Prices are written in đồng: the shop's currency
must be VND.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from catalog_export.canonical import Certification, Product
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    Severity,
    shared_findings,
)
from catalog_export.exporters.feeds import (
    image_address_findings,
    images_with_address,
    public_url,
    row_identity_findings,
    write_rows,
)
from textnorm import to_ascii

# 3 options, 100 variants a product (help.shopify.com/en/manual/products/variants); title up
# to 255 characters; images up to 20 MB. Images are optional.
LIMITS = Limits("Shopify", name_max=255, images_min=0, option_axes_max=3, variants_max=100,
                image_max_bytes=20 * 1024 * 1024)
OPTIONS_MAX = 3
COLUMNS = ("Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
           "Published", *(f"Option{n} {part}" for n in range(1, OPTIONS_MAX + 1)
                          for part in ("Name", "Value")),
           "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
           "Variant Price", "Image Src", "Image Position", "Status")
# A product without options is one variant whose one option Shopify itself names so.
NO_OPTION = ("Title", "Default Title")
# Without a tracker Shopify does not count stock and drops Variant Inventory Qty.
INVENTORY_TRACKER = "shopify"
CERTIFICATION_TAGS = {Certification.VIETGAP: "VietGAP", Certification.GLOBALGAP: "GlobalGAP",
                      Certification.ORGANIC: "Hữu cơ"}

_NOT_IN_HANDLE = re.compile(r"[^a-z0-9]+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def shopify_findings(product: Product) -> list[Finding]:
    return (shared_findings(product, LIMITS)
            # Shopify fetches images from their address; one without is left out, to be added
            # in the admin by hand.
            + image_address_findings(product, LIMITS.platform, Severity.WARNING)
            + row_identity_findings(product, LIMITS.platform))


def handle_of(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: "Chè Đặc biệt" ->
    "che-dac-biet"."""
    return _NOT_IN_HANDLE.sub("-", to_ascii(text).lower()).strip("-")


class Handles:
    """Handles unique within one file: a second "che-thai" becomes "che-thai-2", then "-3"."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def new(self, product: Product) -> str:
        base = handle_of(product.name) or handle_of(product.sku) or f"product-{product.id}"
        handle, number = base, 1
        while handle in self._taken:
            number += 1
            handle = f"{base}-{number}"
        self._taken.add(handle)
        return handle


def body_html(description: str) -> str:
    """The description as HTML: its text escaped, blank-line-separated paragraphs as <p>, single
    line breaks as <br>."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(description.replace("\r\n", "\n"))]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>"
                   for p in paragraphs if p)


def tags_of(product: Product) -> str:
    tags = [f"OCOP {product.ocop_stars} sao"] if product.ocop_stars else []
    tags += [CERTIFICATION_TAGS[c] for c in product.certifications]
    return ", ".join(tags)


def shopify_rows(product: Product, handle: str) -> Iterator[dict[str, object]]:
    images = images_with_address(product)
    option_names = product.option_names or NO_OPTION[:1]
    for position, variant in enumerate(product.sellable()):
        row: dict[str, object] = {
            "Handle": handle, "Variant SKU": variant.sku,
            "Variant Grams": product.weight_of(variant),
            "Variant Inventory Tracker": INVENTORY_TRACKER,
            "Variant Inventory Qty": variant.stock, "Variant Price": variant.price,
        }
        values = variant.options or NO_OPTION[1:]
        for n, value in enumerate(values, start=1):
            row[f"Option{n} Value"] = value
        if position == 0:
            row.update({
                "Title": product.name, "Body (HTML)": body_html(product.description),
                "Vendor": product.seller,
                # Shopify's taxonomy grew from Google's and still reads its paths.
                "Product Category": product.google_category_path or product.google_category_id,
                # The category's last step, as a shop's own grouping.
                "Type": (product.google_category_path or "").rpartition(">")[2].strip(),
                "Tags": tags_of(product), "Published": True, "Status": "active",
            })
            for n, option_name in enumerate(option_names, start=1):
                row[f"Option{n} Name"] = option_name
            if images:
                row.update({"Image Src": public_url(images[0].url), "Image Position": 1})
        yield row
    for position, image in enumerate(images[1:], start=2):
        yield {"Handle": handle, "Image Src": public_url(image.url), "Image Position": position}


class ShopifyCSV:
    name = "shopify"
    label = "Shopify"
    file_extension = "csv"
    media_type = "text/csv"

    def check(self, product: Product) -> list[Finding]:
        return shopify_findings(product)

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        handles = Handles()  # unique within this file
        return write_rows(out, products, self.check, COLUMNS, lambda product: (
            [row.get(column) for column in COLUMNS]
            for row in shopify_rows(product, handles.new(product))))


EXPORTER = ShopifyCSV()
