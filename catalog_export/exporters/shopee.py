"""Shopee mass upload ("Tải lên hàng loạt"): the seller's own template from Seller Centre filled
in, or, without one, a workbook of the same column keys to copy from.

Columns are found by the machine key in a header row of the template (the text before the first
"|": "ps_product_name|1|0" is ps_product_name), never by position: templates differ by shop,
category and month. Source: /work/shared/reference/ecommerce-formats.md (keys seen in 2025-2026
templates, 6 header rows, one row per variant).
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from catalog_export.canonical import Product, Variant
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    Severity,
)
from catalog_export.exporters.table import (
    FIELDS,
    Column,
    TableExporter,
    extra_value,
    kilograms_to_hundredths,
    parcel_grams,
    sort_out,
    whole_centimetres,
    with_unit,
)
from domain_errors import N_, Invalid
from spreadsheets import put_xlsx_value
from uploads import check_zip

# A template from Seller Centre is a few MB (its category and brand lists included); these bound
# what a wrong or hostile upload can make the server unpack.
TEMPLATE_MAX_BYTES = 20 * 1024 * 1024
TEMPLATE_MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all members together
TEMPLATE_MAX_MEMBERS = 2_000
# Sheet XML compresses well (20-50x is usual, repetitive styled rows more); zip bombs go to 1000x.
TEMPLATE_MAX_RATIO = 250
# The key row and the other header rows are at the top: 6 rows in current templates.
TEMPLATE_HEADER_ROWS_MAX = 20

SHOPEE_CATEGORY_KEY = "shopee_category_id"  # product.extra: the Shopee category ID, when known
DESCRIPTION_ADVISED_MIN = 100

LIMITS = Limits(
    "Shopee",
    # Shopee VN Seller Education Hub: names of 10 to 120 characters for most shops (some shops
    # are allowed 255); assumed, not in ecommerce-formats.md: check a template's row of rules.
    name_min=10, name_max=120,
    # Seller Education Hub: descriptions of 100 to 3,000 characters. ecommerce-formats.md states
    # neither bound, so only the maximum leaves a product out; under 100 is a warning.
    description_max=3000,
    images_max=9,  # the cover and ps_item_image_1..8
    weight_required=True, weight_min_grams=10, weight_max_grams=500_000,  # 0.01-500 kg
    option_axes_max=2,
)


def _integration_code(product: Product, variant: Variant) -> str | None:
    # One code shared by the rows of a product with variants; a product without variants has
    # no variation to integrate, and Shopee asks for the code only with variations.
    return f"V{product.id}" if product.has_variants else None


def _parcel_kilograms(product: Product, variant: Variant) -> int | float | None:
    # Shopee takes one weight per product: kilograms with a decimal point, 0.01 kg its step.
    return kilograms_to_hundredths(parcel_grams(product))


# key, the template's Vietnamese label (for the workbook written without a template), value,
# and whether it is the product's own field (on its first row only).
_COLUMNS = (
    ("ps_category", "Ngành hàng", extra_value(SHOPEE_CATEGORY_KEY), True),
    *((key, label, FIELDS[field], True) for key, label, field in (
        ("ps_product_name", "Tên sản phẩm", "name"),
        ("ps_product_description", "Mô tả sản phẩm", "description"),
        ("ps_sku_parent_short", "SKU sản phẩm", "parent_sku"))),
    ("et_title_variation_integration_no", "Mã phân loại", _integration_code, False),
    *((key, label, FIELDS[field], False) for key, label, field in (
        ("et_title_variation_1", "Tên nhóm phân loại hàng 1", "option_name_1"),
        ("et_title_option_for_variation_1", "Tên phân loại hàng cho nhóm phân loại hàng 1",
         "option_1"),
        ("et_title_image_per_variation", "Hình ảnh mỗi phân loại", "variant_image"),
        ("et_title_variation_2", "Tên nhóm phân loại hàng 2", "option_name_2"),
        ("et_title_option_for_variation_2", "Tên phân loại hàng cho nhóm phân loại hàng 2",
         "option_2"),
        ("ps_price", "Giá", "price"),
        ("ps_stock", "Kho hàng", "stock"),
        ("ps_sku_short", "SKU phân loại", "sku"),
        ("ps_gtin_code", "GTIN", "gtin"))),
    ("ps_item_cover_image", "Ảnh bìa", FIELDS["image_1"], True),
    *((f"ps_item_image_{n}", f"Hình ảnh sản phẩm {n}", FIELDS[f"image_{n + 1}"], True)
      for n in range(1, 9)),
    ("ps_weight", "Cân nặng (kg)", _parcel_kilograms, True),
    *((key, label, with_unit(key, field, whole_centimetres).value, True)
      for key, label, field in (("ps_length", "Chiều dài (cm)", "length_mm"),
                                ("ps_width", "Chiều rộng (cm)", "width_mm"),
                                ("ps_height", "Chiều cao (cm)", "height_mm"))),
)
KNOWN_KEYS = tuple(key for key, *_ in _COLUMNS)
# A row holding these is the key row, whatever else the template adds.
KEYS_THE_KEY_ROW_MUST_HOLD = ("ps_product_name", "ps_price")


class TemplateError(Invalid, code="template_invalid"):
    """The template given is not a Shopee mass-upload workbook this exporter can fill."""


class TemplateTooLarge(TemplateError, status=413, code="template_too_large"):
    """The template is larger, or unpacks larger, than a Seller Centre template ever is."""


class ShopeeExporter(TableExporter):
    name = "shopee"
    label = "Shopee"
    sheet_title = "Template"
    limits = LIMITS
    category_key = SHOPEE_CATEGORY_KEY
    columns = tuple(Column(key, value, product_level) for key, _, value, product_level in _COLUMNS)
    product_fields_on_first_row_only = True

    def platform_findings(self, product: Product) -> list[Finding]:
        findings = []
        length = len(product.description)
        if product.description.strip() and length < DESCRIPTION_ADVISED_MIN:
            findings.append(Finding(product.id, "description", "description_short",
                                    Severity.WARNING, N_(
                "Mô tả ngắn: %(platform)s cần tối thiểu %(min)s ký tự (hiện có %(length)s).",
                platform=self.limits.platform, min=DESCRIPTION_ADVISED_MIN, length=length)))
        return findings

    def header_rows(self) -> list[list[str]]:
        # As a template: the labels a person reads, then the key row this exporter finds again.
        return [[label for _, label, *_ in _COLUMNS], list(KNOWN_KEYS)]

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        if template is None:
            return super().write(products, out)
        workbook = _open_template(template)
        sheet, key_row, keys = _key_row(workbook)
        data_row = _first_free_row(sheet, key_row)
        ready, result = sort_out(self, products)
        for product in ready:
            for values in self.rows(product):
                for key, value in zip(KNOWN_KEYS, values):
                    if key in keys and value is not None:
                        put_xlsx_value(sheet.cell(row=data_row, column=keys[key]), value)
                data_row += 1
                result.rows += 1
        workbook.save(out)
        return result


def _open_template(template: bytes):
    """The workbook, once its size and its members' unpacked sizes are known to be sane (the
    sizes a ZIP declares bound what zipfile will unpack of each member)."""
    if len(template) > TEMPLATE_MAX_BYTES:
        raise TemplateTooLarge(N_(
            "Tệp mẫu quá lớn: %(size)s MB, tối đa %(max)s MB.",
            size=round(len(template) / 1024 / 1024, 1), max=TEMPLATE_MAX_BYTES // 1024 // 1024))
    try:
        check_zip(template, max_members=TEMPLATE_MAX_MEMBERS,
                  max_member_bytes=TEMPLATE_MAX_UNPACKED_BYTES,
                  max_unpacked_bytes=TEMPLATE_MAX_UNPACKED_BYTES, max_ratio=TEMPLATE_MAX_RATIO,
                  too_large=TemplateTooLarge)
    except zipfile.BadZipFile:
        raise TemplateError(_NOT_A_WORKBOOK) from None
    try:
        return load_workbook(io.BytesIO(template))
    # What openpyxl raises on a ZIP that is no workbook or holds broken XML (SyntaxError covers
    # ElementTree's and lxml's parse errors).
    except (InvalidFileException, KeyError, ValueError, TypeError, OSError, SyntaxError,
            zipfile.BadZipFile):
        raise TemplateError(_NOT_A_WORKBOOK) from None


_NOT_A_WORKBOOK = N_("Tệp mẫu không đọc được như một bảng tính Excel (.xlsx) của Shopee.")


def _key_of(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    key = value.split("|", 1)[0].strip()
    return key if key in KNOWN_KEYS else None


def _key_row(workbook) -> tuple[Worksheet, int, dict[str, int]]:
    """The data sheet, its key row and the column of each known key: the row among the top
    rows of any sheet holding the most known keys, with at least the ones every product needs."""
    best: tuple[int, Worksheet, int, dict[str, int]] | None = None
    for sheet in workbook.worksheets:
        # Bounded by the sheet's own rows: iter_rows() would add empty cells past them.
        for row in sheet.iter_rows(max_row=min(sheet.max_row, TEMPLATE_HEADER_ROWS_MAX)):
            keys: dict[str, int] = {}
            for cell in row:
                key = _key_of(cell.value)
                if key is not None:
                    keys.setdefault(key, cell.column)
            if all(key in keys for key in KEYS_THE_KEY_ROW_MUST_HOLD) and (
                    best is None or len(keys) > best[0]):
                best = (len(keys), sheet, row[0].row, keys)
    if best is None:
        raise TemplateError(N_(
            "Không tìm thấy hàng mã cột của mẫu Shopee: cần một hàng có các mã như %(keys)s "
            "trong %(rows)s hàng đầu của một trang tính. Hãy tải lại mẫu từ Kênh Người Bán.",
            keys=", ".join(KEYS_THE_KEY_ROW_MUST_HOLD), rows=TEMPLATE_HEADER_ROWS_MAX))
    _, sheet, key_row, keys = best
    return sheet, key_row, keys


def _first_free_row(sheet: Worksheet, key_row: int) -> int:
    """The row after the header rows (labels, required or optional, rules: 6 rows in current
    templates, so row 7) in a blank template: after the last row holding any value, so that rows
    a template already holds are kept and the new ones follow them."""
    last = key_row
    for row in sheet.iter_rows(min_row=key_row):
        if any(cell.value not in (None, "") for cell in row):
            last = row[0].row
    return last + 1


EXPORTER = ShopeeExporter()
