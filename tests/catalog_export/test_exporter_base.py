"""The rules and writing helpers every exporter shares."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from catalog_export.canonical import Image, Product, Variant
from catalog_export.exporters.base import (
    Limits,
    Severity,
    centimetres,
    gtin_is_valid,
    kilograms,
    shared_findings,
)
from spreadsheets import cell_text, write_csv, write_xlsx


def product(**kw) -> Product:
    return Product(**{"id": 1, "sku": "CHE-01", "name": "Chè búp Tân Cương đặc biệt loại một",
                      "description": "Chè.", "price": 85_000, "stock": 10, "weight_grams": 100,
                      "images": (Image("che.jpg", 800, 800, 120_000),), **kw})


@pytest.mark.parametrize("code, valid", [
    ("8934588012112", True), ("8934588012113", False), ("96385074", True), ("036000291452", True),
    ("0036000291452", True), ("10012345678902", True), ("893458801211", False), ("89345880121１2", False),
])
def test_gtin_check_digit(code, valid):
    assert gtin_is_valid(code) is valid


@pytest.mark.parametrize("value, text", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+84912345678", "'+84912345678"),
    ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("Chè Thái", "Chè Thái"), (125000, "125000"),
    (0.25, "0.25"), (None, ""),
])
def test_cells_never_become_formulas_and_numbers_use_a_decimal_point(value, text):
    assert cell_text(value) == text


def test_units_convert_with_a_decimal_point():
    assert [kilograms(g) for g in (250, 1000, 1500, 5, None)] == ["0.25", "1", "1.5", "0.005", ""]
    assert centimetres(105) == "10.5" and centimetres(100) == "10"
    assert centimetres(101, whole=True) == "11" and centimetres(100, whole=True) == "10"


def test_csv_has_a_bom_and_keeps_every_tone_mark():
    name = "Mật ong rừng Định Hóa: ả ã ạ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự ỳ ỷ ỹ ỵ"
    out = io.BytesIO()
    assert write_csv(out, ["name", "price"], [[name, 125000]]) == 1
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert name.encode() in data
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["name", "price"],
                                                                     [name, "125000"]]


def test_shared_rules_fire_with_the_platforms_limits():
    limits = Limits("TikTok Shop", name_min=25, name_max=255, price_max=180_000_000,
                    image_min_side=300, weight_required=True, option_axes_max=2)
    assert shared_findings(product(), limits) == []
    short = shared_findings(product(name="Chè Thái"), limits)
    assert [(f.rule, f.severity) for f in short] == [("name_too_short", Severity.ERROR)]
    assert str(short[0].message) == ("Tên sản phẩm quá ngắn: tối thiểu 25 ký tự cho TikTok Shop "
                                     "(hiện có 8).")
    rules = {f.rule for f in shared_findings(product(
        price=200_000_000, weight_grams=None, images=(Image("a.jpg", 200, 900, 1),),
        option_names=("a", "b", "c"),
        variants=(Variant("V1", ("1", "2", "3"), 0, 1),)), limits)}
    assert rules == {"price_out_of_range", "weight_missing", "image_too_small",
                     "too_many_option_axes"}


def test_an_image_wider_than_the_platform_takes_is_an_error():
    limits = Limits("Lazada", image_min_side=330, image_max_side=5000)
    wide = product(images=(Image("rong.jpg", 5001, 800, 1),))
    findings = shared_findings(wide, limits)
    assert [(f.rule, f.severity) for f in findings] == [("image_too_wide", Severity.ERROR)]
    assert str(findings[0].message) == ("Ảnh rong.jpg lớn quá (5001×800 px): Lazada nhận tối đa "
                                        "5000 px mỗi cạnh.")
    assert shared_findings(product(images=(Image("a.jpg", 5000, 330, 1),)), limits) == []


def test_xlsx_keeps_numbers_as_numbers_and_every_text_as_text():
    out = io.BytesIO()
    rows = [["=SUM(A1:A2)", 125000, 0.25, "+84912345678", "Chè\x01 Thái", None]]
    assert write_xlsx(out, "Sản phẩm", [["Tên", "Giá"]], rows) == 1
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Sản phẩm"]
    assert [c.value for c in sheet[1]][:3] == ["Tên", "Giá", None]
    cells = sheet[2]
    assert [c.value for c in cells[:5]] == ["=SUM(A1:A2)", 125000, 0.25, "+84912345678",
                                            "Chè Thái"]
    assert [c.data_type for c in cells[:5]] == ["s", "n", "n", "s", "s"]
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(out.getvalue())).read(
        "xl/worksheets/sheet1.xml")


def test_xlsx_keeps_markup_spaces_and_far_columns_as_written():
    from xml.etree import ElementTree

    out = io.BytesIO()
    row = ["<b>Chè</b> & \"Gạo\"", "  hai  đầu  ", True, 1.5, -3, *[None] * 22, "cột AB", ""]
    assert write_xlsx(out, "Chè & Gạo", [["Tên"], ["ps_name"]], [row, ["x"]]) == 2
    data = out.getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Chè & Gạo"]
    assert sheet.max_row == 4 and sheet["A2"].value == "ps_name"
    assert [sheet.cell(3, c).value for c in range(1, 6)] == [
        "<b>Chè</b> & \"Gạo\"", "  hai  đầu  ", True, 1.5, -3]
    assert sheet["AB3"].value == "cột AB" and sheet["AC3"].value is None
    assert sheet["A4"].value == "x"
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():  # every part is well-formed XML
        ElementTree.fromstring(archive.read(name))
