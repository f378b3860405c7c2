"""Sendo Seller Center Excel upload: one row per SKU of a product, as an .xlsx.

Source: /work/shared/reference/ecommerce-formats.md (name, category, whole price, weight in
grams, stock, SKU, images; from seller guides). Assumed: every header below (Vietnamese, as in
the guides' screenshots) and the option columns; verify against a real template.
"""
from __future__ import annotations

from catalog_export.exporters.base import Limits
from catalog_export.exporters.table import (
    Column,
    TableExporter,
    extra_value,
    field_column,
    image_columns,
    option_columns,
)

SENDO_CATEGORY_KEY = "sendo_category_id"  # product.extra: Sendo's category ID, when known

LIMITS = Limits("Sendo", images_max=9, weight_required=True, option_axes_max=2)


class SendoExporter(TableExporter):
    name = "sendo"
    label = "Sendo"
    sheet_title = "Sản phẩm"
    limits = LIMITS
    category_key = SENDO_CATEGORY_KEY
    columns = (
        field_column("Tên sản phẩm", "name"),
        Column("Mã danh mục", extra_value(SENDO_CATEGORY_KEY), product_level=True),
        field_column("Mô tả", "description"),
        field_column("SKU cha", "parent_sku"),
        field_column("SKU", "sku"),
        *option_columns("Thuộc tính %d", "Giá trị %d"),
        field_column("Giá", "price"),
        field_column("Khối lượng (gram)", "weight_grams"),  # whole grams, as the catalogue
        field_column("Tồn kho", "stock"),
        *image_columns("Hình ảnh %d", 9),
    )

EXPORTER = SendoExporter()
