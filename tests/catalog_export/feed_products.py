"""Products for the tests of the feed and web-shop exporters (Google, Meta, Shopify,
WooCommerce): small factories, each test changing only what it is about."""
from __future__ import annotations

import csv
import io
import unicodedata

from catalog_export.canonical import Image, Product, Variant

# Every tone mark on every vowel that carries one, and đ/Đ, in NFC.
TONE_MARKS_NAME = ("Mật ong rừng Định Hóa — ả ã ạ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ "
                   "ứ ừ ử ữ ự ỳ ỷ ỹ ỵ Đ đ")
assert unicodedata.is_normalized("NFC", TONE_MARKS_NAME)

SITE = "https://htx-tancuong.vn"
TEA_PATH = "Food, Beverages & Tobacco > Beverages > Tea & Infusions"
TEA_ID = 2073


def image(name: str = "che.jpg", *, url: str | None = "", side: int = 800,
          size: int = 120_000) -> Image:
    """An image with a public address (`url=""` makes one from the name; None: no address)."""
    return Image(name, side, side, size, f"{SITE}/anh/{name}" if url == "" else url)


def simple_product(**changes) -> Product:
    """A product without options: one price, stock and SKU."""
    values = {
        "id": 1, "sku": "CHE-01", "name": "Chè búp Tân Cương",
        "description": "Chè búp hái tay.\n\nSao bằng chảo gang.", "price": 125_000, "stock": 12,
        "brand": "Tân Cương Xanh", "google_category_id": TEA_ID, "google_category_path": TEA_PATH,
        "weight_grams": 250, "length_mm": 105, "width_mm": 80, "height_mm": 200,
        "images": (image("che.jpg"), image("che-2.jpg")), "link": f"{SITE}/san-pham/che-bup",
        "seller": "HTX Chè Tân Cương",
    }
    return Product(**(values | changes))


def variant_product(**changes) -> Product:
    """A product with one option axis, "Khối lượng": 500 g (in stock) and 1 kg (sold out)."""
    values = {
        "id": 2, "sku": "CHE-02", "price": 125_000, "stock": 7, "weight_grams": None,
        "option_names": ("Khối lượng",),
        "variants": (Variant("CHE-02-500", ("500 g",), 125_000, 7, weight_grams=520,
                             gtin="8934588012112"),
                     Variant("CHE-02-1K", ("1 kg",), 240_000, 0, weight_grams=1_030)),
    }
    return simple_product(**(values | changes))


def two_axis_product(**changes) -> Product:
    """Two axes: "Màu" (a colour) and "Loại" (no feed attribute stands for it)."""
    values = {
        "id": 3, "sku": "GIO-03", "name": "Giỏ mây tre đan",
        "option_names": ("Màu", "Loại"),
        "variants": (Variant("GIO-03-NAU-NHO", ("Nâu", "Nhỏ"), 90_000, 3),
                     Variant("GIO-03-NAU-LON", ("Nâu", "Lớn, có nắp"), 150_000, 2),
                     Variant("GIO-03-TRANG-NHO", ("Trắng", "Nhỏ"), 95_000, 4,
                             image=image("gio-trang.jpg"))),
    }
    return simple_product(**(values | changes))


def export_csv(exporter, *products, delimiter: str = ","):
    """Write the products; read the file back as Python's csv module reads it (after the BOM):
    (result, the file's bytes, its rows with the header first)."""
    out = io.BytesIO()
    result = exporter.write(products, out)
    data = out.getvalue()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=delimiter))
    return result, data, rows


def records(rows) -> list[dict[str, str]]:
    """The rows after the header, each by column name."""
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def filled(record: dict[str, str]) -> dict[str, str]:
    """The cells of a row that hold something."""
    return {column: value for column, value in record.items() if value != ""}
