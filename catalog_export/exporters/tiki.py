"""Tiki Seller Center bulk upload: one row per SKU of a product, as an .xlsx.

Source: /work/shared/reference/ecommerce-formats.md (at most 2 option attributes, whole prices,
gallery images larger than 500x500). Assumed: every header below and the weight in kilograms
(Tiki's template is made per category; its headers are Vietnamese): compare with a template
downloaded for the shop's category.
"""
from __future__ import annotations

from catalog_export.exporters.base import Limits
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

TIKI_CATEGORY_KEY = "tiki_category_id"  # product.extra: Tiki's category ID, when known

LIMITS = Limits(
    "Tiki",
    option_axes_max=2,
    # "Larger than 500x500": read strictly, 501 px on the shorter side.
    image_min_side=501,
    images_max=9,
    weight_required=True,
)


class TikiExporter(TableExporter):
    name = "tiki"
    label = "Tiki"
    sheet_title = "Sản phẩm"
    limits = LIMITS
    category_key = TIKI_CATEGORY_KEY
    columns = (
        Column("Danh mục", extra_value(TIKI_CATEGORY_KEY), product_level=True),
        field_column("Tên sản phẩm", "name"),
        field_column("Mô tả sản phẩm", "description"),
        # Assumed: Tiki lists goods sold without a brand under the brand "OEM".
        Column("Thương hiệu", brand_or("OEM"), product_level=True),
        field_column("Xuất xứ", "origin"),
        field_column("SKU sản phẩm cha", "parent_sku"),
        field_column("SKU", "sku"),
        *option_columns("Thuộc tính %d", "Giá trị thuộc tính %d"),
        field_column("Giá bán", "price"),
        field_column("Số lượng tồn kho", "stock"),
        field_column("Mã vạch", "gtin"),
        *parcel_columns(("Khối lượng (kg)", "Dài (cm)", "Rộng (cm)", "Cao (cm)"),
                        kilograms_to_hundredths, whole_centimetres),
        *image_columns("Hình ảnh %d", 9),
    )

EXPORTER = TikiExporter()
