"""TikTok Shop Seller Center bulk upload: one row per SKU of a product, as an .xlsx.

Source: /work/shared/reference/ecommerce-formats.md (Open API 202309 product fields). Verified:
the limits and units there. Assumed: the headers, which are the Open API's field names
(category_id, title, description, main images, seller_sku, sales attributes, price, quantity,
package weight and dimensions); TikTok's downloadable template names them per category and
language, so compare with one before relying on the names.
"""
from __future__ import annotations

import html

from catalog_export.canonical import Product
from catalog_export.exporters.base import Finding, Limits, Severity
from catalog_export.exporters.table import (
    Column,
    TableExporter,
    brand_or,
    extra_value,
    field_column,
    image_columns,
    kilograms_to_hundredths,
    option_columns,
    parcel_columns,
    whole_centimetres,
)
from domain_errors import N_

TIKTOK_CATEGORY_KEY = "tiktok_category_id"  # product.extra: TikTok Shop's category ID, when known

LIMITS = Limits(
    "TikTok Shop",
    name_min=25, name_max=255, description_max=10_000,
    images_min=1, images_max=9, image_min_side=300, image_max_side=4000,
    image_max_bytes=5 * 1024 * 1024,
    price_min=1, price_max=180_000_000,  # VND, Vietnam's range
    sku_max=50, weight_required=True,
)


def description_html(text: str) -> str:
    """The description as the limited HTML TikTok Shop takes (p, br among the tags allowed):
    a paragraph per block of text, a line break per line, every other character escaped."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join("<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
                   for block in blocks if block)


class TikTokExporter(TableExporter):
    name = "tiktok"
    label = "TikTok Shop"
    sheet_title = "Template"
    limits = LIMITS
    category_key = TIKTOK_CATEGORY_KEY
    columns = (
        Column("category_id", extra_value(TIKTOK_CATEGORY_KEY), product_level=True),
        field_column("title", "name"),
        Column("description", lambda p, v: description_html(p.description), product_level=True),
        Column("brand", brand_or(""), product_level=True),  # empty: sold without a brand
        *image_columns("main_image_%d", 9),
        field_column("parent_sku", "parent_sku"),
        field_column("seller_sku", "sku"),
        *option_columns("sales_attribute_%d_name", "sales_attribute_%d_value"),
        field_column("sales_attribute_image", "variant_image"),
        field_column("price", "price"),
        field_column("quantity", "stock"),
        field_column("gtin", "gtin"),
        *parcel_columns(("package_weight_kg", "package_length_cm", "package_width_cm",
                         "package_height_cm"), kilograms_to_hundredths, whole_centimetres),
    )

    def platform_findings(self, product: Product) -> list[Finding]:
        findings = []
        # The 10,000 characters count the HTML: tags and escapes lengthen a text that fits.
        length = len(description_html(product.description))
        if len(product.description) <= LIMITS.description_max < length:
            findings.append(Finding(product.id, "description", "description_html_too_long",
                                    Severity.ERROR, N_(
                "Mô tả khi viết dạng HTML dài %(length)s ký tự: %(platform)s nhận tối đa %(max)s.",
                length=length, platform=self.limits.platform, max=LIMITS.description_max)))
        return findings


EXPORTER = TikTokExporter()
