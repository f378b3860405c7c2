"""What the spreadsheet uploads of the marketplaces share: a file of one row per variant under a
header, its columns as data (header, value), the products with errors left out, and the rules of
files that can only point at images by URL.

Not a platform: shopee, lazada, tiktok, tiki, sendo and custom build on it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from catalog_export.canonical import Product, Variant
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    Severity,
    centimetres,
    exportable,
    kilograms,
    shared_findings,
)
from domain_errors import N_
from spreadsheets import write_csv, write_xlsx

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

CellValue = Callable[[Product, Variant], object]


@dataclass(frozen=True)
class Column:
    """One column of an upload file: its header and the value it takes from a product and one of
    its variants. `product_level` marks the product's own fields, which files that group a
    product's variant rows write on its first row only."""

    header: str
    value: CellValue
    product_level: bool = False


class TableExporter:
    """An exporter writing one row per variant: the platform's limits and columns are data, its
    own rules in platform_findings()."""

    name: str
    label: str
    file_extension: str = "xlsx"
    media_type: str = XLSX_MEDIA_TYPE
    sheet_title: str = "Sheet1"
    limits: Limits
    columns: tuple[Column, ...] = ()
    # True where the platform groups a product's rows and reads its own fields from the first.
    product_fields_on_first_row_only: bool = False
    images_by_url: bool = True  # the file points at images by URL (see image_url_findings)
    category_key: str | None = None  # product.extra's key of the platform's category ID

    def check(self, product: Product) -> list[Finding]:
        findings = shared_findings(product, self.limits)
        if self.images_by_url:
            findings += image_url_findings(product, self.limits.platform)
        if self.category_key is not None:
            findings += platform_category_findings(product, self.limits.platform,
                                                   self.category_key)
        return findings + self.platform_findings(product)

    def platform_findings(self, product: Product) -> list[Finding]:
        return []

    def header_rows(self) -> list[list[str]]:
        return [[column.header for column in self.columns]]

    def rows(self, product: Product) -> Iterator[list[object]]:
        for index, variant in enumerate(product.sellable()):
            skip_product_fields = index > 0 and self.product_fields_on_first_row_only
            yield [None if column.product_level and skip_product_fields
                   else column.value(product, variant) for column in self.columns]

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        """The file of the products without errors. `template` is not used: these platforms'
        uploads are written whole."""
        result = ExportResult()
        rows = (row for product in exportable(products, self.check, result)
                for row in self.rows(product))
        if self.file_extension == "csv":
            header, *more_headers = self.header_rows()
            result.rows = write_csv(out, header, [*more_headers, *rows]) - len(more_headers)
        else:
            result.rows = write_xlsx(out, self.sheet_title, self.header_rows(), rows)
        return result


def sort_out(exporter, products: Iterable[Product]) -> tuple[list[Product], ExportResult]:
    """The products the platform takes, and a result naming them and those left out with their
    errors."""
    result = ExportResult()
    return list(exportable(products, exporter.check, result)), result


# --- Values columns take ---------------------------------------------------------------------


def image_url(index: int) -> CellValue:
    """The URL of the product's image at `index` (0 is the cover), or nothing."""
    def value(product: Product, variant: Variant) -> str | None:
        return product.images[index].url if index < len(product.images) else None
    return value


def option_name(axis: int) -> CellValue:
    def value(product: Product, variant: Variant) -> str | None:
        return product.option_names[axis] if axis < len(product.option_names) else None
    return value


def option_value(axis: int) -> CellValue:
    def value(product: Product, variant: Variant) -> str | None:
        return variant.options[axis] if axis < len(variant.options) else None
    return value


def extra_value(key: str) -> CellValue:
    def value(product: Product, variant: Variant) -> str | None:
        return product.extra.get(key)
    return value


def variant_image_url(product: Product, variant: Variant) -> str | None:
    return variant.image.url if variant.image is not None else None


# The canonical fields a column may take, by the name column-mapping profiles use. A variant's
# own value where it has one (sku, price, stock, gtin, weight), else the product's.
FIELDS: dict[str, CellValue] = {
    "name": lambda p, v: p.name,
    "description": lambda p, v: p.description,
    "sku": lambda p, v: v.sku,
    "parent_sku": lambda p, v: p.sku,
    "price": lambda p, v: v.price,
    "stock": lambda p, v: v.stock,
    "gtin": lambda p, v: v.gtin,
    "brand": lambda p, v: p.brand,
    "origin": lambda p, v: p.origin,
    "google_category_id": lambda p, v: p.google_category_id,
    "google_category_path": lambda p, v: p.google_category_path,
    "weight_grams": lambda p, v: p.weight_of(v),
    "length_mm": lambda p, v: p.length_mm,
    "width_mm": lambda p, v: p.width_mm,
    "height_mm": lambda p, v: p.height_mm,
    **{f"image_{n}": image_url(n - 1) for n in range(1, 10)},
    "variant_image": variant_image_url,
    **{f"option_name_{n}": option_name(n - 1) for n in (1, 2)},
    **{f"option_{n}": option_value(n - 1) for n in (1, 2)},
    "ocop_stars": lambda p, v: p.ocop_stars,
    "ocop_year": lambda p, v: p.ocop_year,
    "certifications": lambda p, v: ", ".join(c.value for c in p.certifications) or None,
    "shelf_life_days": lambda p, v: p.shelf_life_days,
    "storage": lambda p, v: p.storage,
    "link": lambda p, v: p.link,
    "seller": lambda p, v: p.seller or None,
}
# Fields that are the product's own rather than its variant's (see Column.product_level).
PRODUCT_LEVEL_FIELDS = frozenset(FIELDS) - {"sku", "price", "stock", "gtin", "weight_grams",
                                            "variant_image", "option_1", "option_2"}


def field_column(header: str, field_name: str) -> Column:
    return Column(header, FIELDS[field_name], field_name in PRODUCT_LEVEL_FIELDS)


def image_columns(header: str, count: int) -> tuple[Column, ...]:
    """`count` image columns, their header numbered from 1: "Hình ảnh %d"."""
    return tuple(field_column(header % n, f"image_{n}") for n in range(1, count + 1))


def option_columns(name_header: str, value_header: str) -> tuple[Column, ...]:
    """The two option axes: each its name and the variant's value ("Thuộc tính %d")."""
    return tuple(column for n in (1, 2) for column in (
        field_column(name_header % n, f"option_name_{n}"),
        field_column(value_header % n, f"option_{n}")))


def with_unit(header: str, field_name: str, convert: Callable[[int | None], object]) -> Column:
    """A column of a field in the catalogue's unit (grams, millimetres) converted."""
    take = FIELDS[field_name]
    return Column(header, lambda p, v: convert(take(p, v)), field_name in PRODUCT_LEVEL_FIELDS)


def parcel_columns(headers: tuple[str, str, str, str],
                   weight: Callable[[int | None], object] = lambda grams: grams,
                   size: Callable[[int | None], object] = lambda mm: mm) -> tuple[Column, ...]:
    """The parcel's weight, length, width and height under `headers`, each converted from the
    catalogue's grams and millimetres."""
    return tuple(with_unit(header, field_name, convert) for header, field_name, convert in zip(
        headers, ("weight_grams", "length_mm", "width_mm", "height_mm"),
        (weight, size, size, size)))


def brand_or(default: str) -> CellValue:
    """The brand, or what the platform calls a product sold without one ("No Brand")."""
    return lambda p, v: p.brand or default


def whole_centimetres(millimetres: int | None) -> int | None:
    return decimal_number(centimetres(millimetres, whole=True))


def exact_centimetres(millimetres: int | None) -> int | float | None:
    return decimal_number(centimetres(millimetres))


def parcel_grams(product: Product) -> int | None:
    """The product's parcel weight where a platform takes one per product: its heaviest
    variant's (a parcel declared lighter than it is costs the seller a surcharge)."""
    weights = [w for w in (product.weight_of(v) for v in product.sellable()) if w is not None]
    return max(weights) if weights else None


def decimal_number(text: str) -> int | float | None:
    """A unit helper's text ("0.25", "10") as the number a workbook cell holds."""
    if not text:
        return None
    return float(text) if "." in text else int(text)


def kilograms_to_hundredths(grams: int | None) -> int | float | None:
    """Grams as kilograms with at most 2 decimals, rounded up to the next 10 g (a parcel never
    weighs less than declared): 1234 -> 1.24."""
    if grams is None:
        return None
    return decimal_number(kilograms(-(-grams // 10) * 10))


# --- Rules of files that point at images by URL ----------------------------------------------


def image_url_findings(product: Product, platform: str) -> list[Finding]:
    """An upload spreadsheet can only point at an image by its URL: an image without one (the
    catalogue has no public base URL yet) cannot go into the file."""
    images = [*product.images, *(v.image for v in product.variants if v.image is not None)]
    return [Finding(product.id, "images", "image_url_missing", Severity.ERROR, N_(
        "Ảnh %(name)s chưa có địa chỉ công khai (URL); tệp %(platform)s chỉ nhận ảnh qua URL.",
        name=image.name, platform=platform)) for image in images if not image.url]


def platform_category_findings(product: Product, platform: str, extra_key: str) -> list[Finding]:
    """The platform's own category ID, where the catalogue has one in product.extra[extra_key];
    without it the seller picks the category in the file or at upload."""
    if product.extra.get(extra_key):
        return []
    return [Finding(product.id, "category", "platform_category_missing", Severity.WARNING, N_(
        "Chưa có mã ngành hàng của %(platform)s; cần điền cột ngành hàng trước khi tải lên.",
        platform=platform))]
