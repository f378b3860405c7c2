"""Products the marketplace exporters' tests share: one that every platform takes, one with two
option axes, and the text that must survive byte-exact."""
from __future__ import annotations

import codecs
import csv
import io
import unicodedata

from openpyxl import load_workbook

from catalog_export.canonical import Image, Product, Variant

# Every Vietnamese vowel with every tone mark, and đ: written NFC, read back byte-exact.
TONE_MARKS = unicodedata.normalize("NFC", (
    "Mật ong rừng Định Hóa àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ "
    "ừứửữự ỳýỷỹỵ Đđ"))
FORMULA_TEXT = "=HYPERLINK(\"http://x.invalid\",\"bấm\")"
DESCRIPTION = ("Chè búp Tân Cương hái tay một tôm hai lá, sao bằng chảo gang, nước xanh, vị chát "
               "dịu, hậu ngọt. Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.")


def image(n: int = 1, *, url: bool = True, side: int = 800, size: int = 150_000) -> Image:
    name = f"che-{n}.jpg"
    return Image(name, side, side, size,
                 f"https://cho40.example.vn/anh/{name}" if url else None)


def single(**kw) -> Product:
    """A product without variants that every platform takes."""
    values = {"id": 1, "sku": "CHE-TC-01", "name": "Chè búp Tân Cương đặc biệt hộp 200 g",
              "description": DESCRIPTION, "price": 185_000, "stock": 40, "brand": "HTX Chè Hảo Đạt",
              "origin": "Xã Tân Cương, Thái Nguyên", "weight_grams": 250, "length_mm": 205,
              "width_mm": 100, "height_mm": 60, "images": (image(1), image(2)),
              "google_category_id": 2073, "ocop_stars": 4, "seller": "HTX Chè Hảo Đạt",
              "extra": {"shopee_category_id": "100629", "tiktok_category_id": "601450",
                        "tiki_category_id": "8322", "sendo_category_id": "2315",
                        "ma_vung": "TN-19"}}
    values.update(kw)
    return Product(**values)


def with_variants(**kw) -> Product:
    """A product with two option axes and four variants, each variant with its own image."""
    variants = tuple(
        Variant(sku=f"MO-{w}-{i}", options=(f"{w} ml", kind),
                price=price, stock=5 + i, weight_grams=grams,
                image=Image(f"mo-{w}-{i}.jpg", 900, 900, 90_000,
                            f"https://cho40.example.vn/anh/mo-{w}-{i}.jpg"))
        for i, (w, kind, price, grams) in enumerate((
            (500, "Hoa nhãn", 150_000, 700), (500, "Hoa rừng", 170_000, 700),
            (1000, "Hoa nhãn", 280_000, 1300), (1000, "Hoa rừng", 320_000, 1350))))
    values = {"id": 2, "sku": "MO-DH", "name": TONE_MARKS, "description": DESCRIPTION * 2,
              "price": 150_000, "stock": 26, "weight_grams": 700, "length_mm": 80,
              "width_mm": 80, "height_mm": 181, "option_names": ("Dung tích", "Loại hoa"),
              "variants": variants, "images": tuple(image(n) for n in range(1, 10)),
              "brand": "Ong Định Hóa", "extra": single().extra}
    values.update(kw)
    return Product(**values)


def rules_of(findings) -> set[str]:
    return {finding.rule for finding in findings}


def export(exporter, products):
    """The exporter's result, and the file it wrote as (sheet titles, header, rows as dicts
    by header) read back with openpyxl, or with csv for a CSV."""
    out = io.BytesIO()
    result = exporter.write(products, out)
    data = out.getvalue()
    if exporter.file_extension == "csv":
        assert data.startswith(codecs.BOM_UTF8)
        header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
        return result, ([], header, [dict(zip(header, row)) for row in rows]), data
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header, *rows = ([cell.value for cell in row] for row in sheet.iter_rows())
    return result, (workbook.sheetnames, header, [dict(zip(header, row)) for row in rows]), data


def assert_rule_fires(exporter, product, rule, severity):
    """The findings of `rule` on `product`, all of `severity`; the product every platform
    takes has none."""
    assert rule not in rules_of(exporter.check(single()))
    findings = [finding for finding in exporter.check(product) if finding.rule == rule]
    assert findings and {finding.severity for finding in findings} == {severity}
    return findings
