"""Lazada Seller Center bulk upload: one row per SKU of a product, as an .xlsx.

Source: /work/shared/reference/ecommerce-formats.md (Open Platform field rules). Verified: the
field names are Lazada Open Platform's product attributes (name, description, brand, SellerSku,
quantity, price, package_weight/length/width/height). Assumed: that the bulk-upload sheet's
headers are those names, and the variation and image headers: Lazada's templates are made per
category and differ; compare with a template downloaded for the shop's category.
"""
from __future__ import annotations

from catalog_export.exporters.base import Limits
from catalog_export.exporters.table import (
    Column,
    TableExporter,
    brand_or,
    exact_centimetres,
    field_column,
    image_columns,
    kilograms_to_hundredths,
    option_columns,
    parcel_columns,
)

LIMITS = Limits(
    "Lazada",
    name_max=255, description_max=25_000,
    images_max=8, image_min_side=330, image_max_side=5000, image_max_bytes=3 * 1024 * 1024,
    weight_required=True, size_required=True,  # the package's, for the shipping fee
)


class LazadaExporter(TableExporter):
    name = "lazada"
    label = "Lazada"
    sheet_title = "Upload Template"
    limits = LIMITS
    columns = (
        field_column("name", "name"),
        field_column("description", "description"),
        Column("brand", brand_or("No Brand"), product_level=True),
        field_column("parent_sku", "parent_sku"),  # groups a product's SKUs (assumed header)
        field_column("SellerSku", "sku"),
        *option_columns("variation_%d", "variation_%d_value"),
        field_column("price", "price"),
        field_column("quantity", "stock"),
        # Kilograms and centimetres with at most 2 decimals; kilograms rounded up to 10 g.
        *parcel_columns(("package_weight", "package_length", "package_width", "package_height"),
                        kilograms_to_hundredths, exact_centimetres),
        *image_columns("image_%d", 8),
    )


EXPORTER = LazadaExporter()
