"""WooCommerce's built-in product CSV importer (Products > Import): a product without options is
one "simple" row; one with options is a "variable" row listing every value of each attribute,
followed by one "variation" row per variant naming its parent by SKU.

Source: github.com/woocommerce/woocommerce/wiki/Product-CSV-Import-Schema and the importer's
code (WC_Product_CSV_Importer); /work/shared/reference/ecommerce-formats.md. Prices are written
in đồng: the shop's currency must be VND.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from catalog_export.canonical import Product, Variant
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    Severity,
    centimetres,
    kilograms,
    shared_findings,
)
from catalog_export.exporters.feeds import (
    image_address_findings,
    images_with_address,
    is_public_address,
    public_url,
    row_identity_findings,
    variant_title,
    write_rows,
)

# The importer sets no limits of its own; images are optional. Two attribute column groups are
# written, as the catalogue has at most two option axes.
LIMITS = Limits("WooCommerce", images_min=0, option_axes_max=2)
ATTRIBUTES_MAX = 2
COLUMNS = ("Type", "SKU", "Name", "Parent", "Published", "Description", "Regular price", "Stock",
           "Weight (kg)", "Length (cm)", "Width (cm)", "Height (cm)", "Images", "Categories",
           *(f"Attribute {n} {part}" for n in range(1, ATTRIBUTES_MAX + 1)
             for part in ("name", "value(s)", "visible", "global")))


def woocommerce_findings(product: Product) -> list[Finding]:
    return (shared_findings(product, LIMITS)
            # The importer downloads images from their address; one without is left out.
            + image_address_findings(product, LIMITS.platform, Severity.WARNING)
            # The parent is a row of its own, and WooCommerce refuses a SKU used twice.
            + row_identity_findings(product, LIMITS.platform, parent_has_own_row=True))


def listed(values: Iterable[str]) -> str:
    """Values of a list cell (Images, Categories, attribute values): the importer splits on
    commas not escaped by a backslash, so a comma inside a value is written "\\,"."""
    return ", ".join(value.replace(",", "\\,") for value in values)


def woocommerce_rows(product: Product) -> Iterator[dict[str, object]]:
    row: dict[str, object] = {
        "SKU": product.sku, "Name": product.name, "Published": 1,
        "Description": product.description,
        "Weight (kg)": kilograms(product.weight_grams),
        "Length (cm)": centimetres(product.length_mm),
        "Width (cm)": centimetres(product.width_mm),
        "Height (cm)": centimetres(product.height_mm),
        "Images": listed(public_url(image.url) for image in images_with_address(product)),
        "Categories": listed([product.google_category_path or ""]),
    }
    if not product.has_variants:
        variant = product.sellable()[0]
        yield row | {"Type": "simple", **_stock_and_price(product, variant)}
        return
    for n, option_name in enumerate(product.option_names, start=1):
        values = dict.fromkeys(variant.options[n - 1] for variant in product.variants)
        row |= {f"Attribute {n} name": option_name, f"Attribute {n} value(s)": listed(values),
                f"Attribute {n} visible": 1, f"Attribute {n} global": 0}
    yield row | {"Type": "variable"}
    for variant in product.variants:
        variation: dict[str, object] = {
            "Type": "variation", "SKU": variant.sku, "Name": variant_title(product, variant),
            "Parent": product.sku, "Published": 1, **_stock_and_price(product, variant)}
        if variant.image is not None and is_public_address(variant.image.url):
            variation["Images"] = public_url(variant.image.url)
        for n, (option_name, value) in enumerate(zip(product.option_names, variant.options),
                                                 start=1):
            variation |= {f"Attribute {n} name": option_name,
                          f"Attribute {n} value(s)": listed([value]),
                          f"Attribute {n} global": 0}
        yield variation


def _stock_and_price(product: Product, variant: Variant) -> dict[str, object]:
    # Whole đồng with no separator: the importer reads a comma as the decimal mark.
    return {"Regular price": variant.price, "Stock": variant.stock,
            "Weight (kg)": kilograms(product.weight_of(variant))}


class WooCommerceCSV:
    name = "woocommerce"
    label = "WooCommerce"
    file_extension = "csv"
    media_type = "text/csv"

    def check(self, product: Product) -> list[Finding]:
        return woocommerce_findings(product)

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        return write_rows(out, products, self.check, COLUMNS, lambda product: (
            [row.get(column) for column in COLUMNS] for row in woocommerce_rows(product)))


EXPORTER = WooCommerceCSV()
