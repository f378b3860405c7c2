"""Shopee mass upload: the seller's template filled in place, the workbook written without one,
and Shopee's rules."""
from __future__ import annotations

import io
import random
import unicodedata
import zipfile
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from catalog_export.canonical import Image, Variant
from catalog_export.exporters import shopee
from catalog_export.exporters.base import Severity
from catalog_export.exporters.shopee import EXPORTER, TemplateError, TemplateTooLarge
from tests.catalog_export.market_products import (
    DESCRIPTION,
    FORMULA_TEXT,
    TONE_MARKS,
    assert_rule_fires,
    image,
    rules_of,
    single,
    with_variants,
)

UNKNOWN_KEYS = ("channel_id.50011", "et_title_reason", "ps_product_pre_order_dts|0|0")
KEY_ROW = 2  # not the first: the exporter must find it
DATA_ROW = 7


def seller_template(seed: int = 7) -> bytes:
    """A workbook shaped like one from Seller Centre: an instructions sheet first, then the data
    sheet with 6 header rows (a merged and styled group title, the keys in a shuffled order,
    some as "key|1|0", labels, required or optional, rules, an example of values), then a list
    sheet."""
    workbook = Workbook()
    guide = workbook.active
    guide.title = "Hướng dẫn"
    guide["A1"] = "Hướng dẫn đăng sản phẩm hàng loạt"
    guide["A1"].font = Font(bold=True, size=14)
    guide.merge_cells("A1:F1")
    guide["A3"] = "Bước 1: điền thông tin từ hàng 7 trở đi."
    guide["B5"] = 42

    sheet = workbook.create_sheet("Template")
    keys = [*shopee.KNOWN_KEYS, *UNKNOWN_KEYS]
    random.Random(seed).shuffle(keys)
    keys = [f"{key}|1|0" if i % 3 == 0 and "|" not in key else key for i, key in enumerate(keys)]
    sheet["A1"] = "Thông tin cơ bản"
    sheet["A1"].fill = PatternFill("solid", fgColor="FFEE4D2D")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    for column, key in enumerate(keys, start=1):
        sheet.cell(KEY_ROW, column, key)
        label = sheet.cell(3, column, f"Nhãn của {key.split('|')[0]}")
        label.font = Font(bold=True, color="FF0000FF")
        sheet.cell(4, column, "Bắt buộc" if column % 2 else "Tùy chọn")
        sheet.cell(5, column, "Quy tắc: xem trang Hướng dẫn")
    sheet.cell(6, 1, "Ví dụ giá trị")
    sheet.row_dimensions[KEY_ROW].hidden = True

    categories = workbook.create_sheet("Danh mục ngành hàng")
    categories.append(["Mã", "Tên ngành hàng"])
    categories.append([100629, "Thực phẩm và đồ uống > Trà"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell_values(data: bytes) -> dict[str, dict[tuple[int, int], object]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: {(cell.row, cell.column): cell.value for row in sheet.iter_rows()
                          for cell in row if cell.value is not None}
            for sheet in workbook.worksheets}


def rows_by_key(data: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(data))["Template"]
    keys = {cell.column: cell.value.split("|")[0] for cell in sheet[KEY_ROW]}
    return [{keys[cell.column]: cell.value for cell in row}
            for row in sheet.iter_rows(min_row=DATA_ROW)]


def fill(products, template: bytes | None = None):
    out = io.BytesIO()
    result = EXPORTER.write(products, out, template=template)
    return result, out.getvalue()


def test_the_sellers_template_is_filled_under_its_keys_and_nothing_else_changes():
    template = seller_template()
    honey, honey_too = with_variants(), with_variants(id=3, sku="MO-DH-2")
    result, data = fill([single(), honey, honey_too], template)

    assert result.written == [1, 2, 3] and result.left_out == {} and result.rows == 9
    rows = rows_by_key(data)
    assert len(rows) == 9
    tea, honey_rows = rows[0], rows[1:5]
    assert tea == {**{key.split("|")[0]: None for key in (*shopee.KNOWN_KEYS, *UNKNOWN_KEYS)},
                   "ps_category": "100629", "ps_product_name": single().name,
                   "ps_product_description": DESCRIPTION, "ps_sku_parent_short": "CHE-TC-01",
                   "ps_price": 185_000, "ps_stock": 40, "ps_sku_short": "CHE-TC-01",
                   "ps_item_cover_image": "https://cho40.example.vn/anh/che-1.jpg",
                   "ps_item_image_1": "https://cho40.example.vn/anh/che-2.jpg",
                   "ps_weight": 0.25, "ps_length": 21, "ps_width": 10, "ps_height": 6}
    first = honey_rows[0]
    assert first["ps_product_name"] == TONE_MARKS
    assert first["ps_item_image_8"] == "https://cho40.example.vn/anh/che-9.jpg"
    assert first["ps_weight"] == 1.35  # the heaviest variant's parcel
    assert (first["ps_length"], first["ps_width"], first["ps_height"]) == (8, 8, 19)
    product_keys = ("ps_category", "ps_product_name", "ps_product_description",
                    "ps_sku_parent_short", "ps_item_cover_image", "ps_weight", "ps_length",
                    *(f"ps_item_image_{n}" for n in range(1, 9)))
    for row in honey_rows[1:]:
        assert all(row[key] is None for key in product_keys)
    assert [(r["et_title_option_for_variation_1"], r["et_title_option_for_variation_2"],
             r["ps_price"], r["ps_sku_short"]) for r in honey_rows] == [
        (v.options[0], v.options[1], v.price, v.sku) for v in honey.variants]
    assert {r["et_title_variation_1"] for r in honey_rows} == {"Dung tích"}
    assert {r["et_title_variation_2"] for r in honey_rows} == {"Loại hoa"}
    assert [r["et_title_image_per_variation"] for r in honey_rows] == [
        v.image.url for v in honey.variants]
    codes = [{r["et_title_variation_integration_no"] for r in rows[i:i + 4]} for i in (1, 5)]
    assert codes == [{"V2"}, {"V3"}]
    for row in rows:
        assert all(row[key.split("|")[0]] is None for key in UNKNOWN_KEYS)

    before, after = cell_values(template), cell_values(data)
    assert list(after) == ["Hướng dẫn", "Template", "Danh mục ngành hàng"]
    for title, cells in before.items():
        kept = {at: value for at, value in after[title].items()
                if title != "Template" or at[0] < DATA_ROW}
        assert kept == cells
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Template"]
    assert sheet.cell(3, 1).font.bold and sheet.cell(3, 1).font.color.rgb == "FF0000FF"
    assert sheet["A1"].fill.fgColor.rgb == "FFEE4D2D"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:E1"]
    assert [str(r) for r in workbook["Hướng dẫn"].merged_cells.ranges] == ["A1:F1"]
    assert sheet.row_dimensions[KEY_ROW].hidden


def test_tone_marks_are_byte_exact_and_formula_looking_text_stays_text():
    product = with_variants(description=FORMULA_TEXT + " " + DESCRIPTION)
    _, data = fill([product], seller_template())
    sheet = load_workbook(io.BytesIO(data))["Template"]
    keys = {cell.value.split("|")[0]: cell.column for cell in sheet[KEY_ROW]}
    name = sheet.cell(DATA_ROW, keys["ps_product_name"])
    description = sheet.cell(DATA_ROW, keys["ps_product_description"])
    assert name.value.encode() == TONE_MARKS.encode()
    assert unicodedata.is_normalized("NFC", name.value)
    assert description.data_type == "s" and description.value == product.description
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml")
    # The sheet's own XML, parsed (with lxml, openpyxl writes letters as character references).
    texts = [node.text for node in ElementTree.fromstring(sheet_xml).iter() if node.text]
    assert b"<f>" not in sheet_xml and TONE_MARKS in texts


def test_without_a_template_a_workbook_of_the_same_keys_is_written_and_can_be_filled_again():
    result, data = fill([single(), with_variants()])
    assert result.rows == 5
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Template"]
    sheet = workbook["Template"]
    labels, keys = ([cell.value for cell in sheet[n]] for n in (1, 2))
    assert keys == list(shopee.KNOWN_KEYS)
    assert labels[:2] == ["Ngành hàng", "Tên sản phẩm"]
    data_rows = [dict(zip(keys, (cell.value for cell in row)))
                 for row in sheet.iter_rows(min_row=3)]
    assert [r["ps_sku_short"] for r in data_rows] == ["CHE-TC-01", "MO-500-0", "MO-500-1",
                                                      "MO-1000-2", "MO-1000-3"]
    assert data_rows[1]["ps_product_name"] == TONE_MARKS and data_rows[2]["ps_product_name"] is None

    # The workbook is itself a template the exporter recognises: new rows follow those it holds.
    _, again = fill([single(id=9, sku="CHE-9")], data)
    sheet = load_workbook(io.BytesIO(again))["Template"]
    assert [row[0].value for row in sheet.iter_rows(
        min_row=3, min_col=keys.index("ps_sku_short") + 1, max_col=keys.index("ps_sku_short") + 1,
    )] == ["CHE-TC-01", "MO-500-0", "MO-500-1", "MO-1000-2", "MO-1000-3", "CHE-9"]


def test_a_template_without_a_key_row_is_refused_saying_what_was_expected():
    workbook = Workbook()
    workbook.active.append(["Tên sản phẩm", "Giá", "Kho hàng"])
    workbook.active.append(["ps_stock", "ps_sku_short"])  # keys, but not the ones a row needs
    template = io.BytesIO()
    workbook.save(template)
    out = io.BytesIO()
    with pytest.raises(TemplateError) as refused:
        EXPORTER.write([single()], out, template=template.getvalue())
    assert "ps_product_name" in str(refused.value) and "ps_price" in str(refused.value)
    assert out.getvalue() == b""
    with pytest.raises(TemplateError):
        EXPORTER.write([single()], out, template=b"PK\x03\x04 not really a workbook")
    with pytest.raises(TemplateError):
        EXPORTER.write([single()], out, template=b"Name,Price\n")
    assert out.getvalue() == b""


def test_an_oversized_template_is_refused_before_it_is_opened(monkeypatch):
    template = seller_template()
    monkeypatch.setattr(shopee, "TEMPLATE_MAX_BYTES", len(template) - 1)
    out = io.BytesIO()
    with pytest.raises(TemplateTooLarge) as refused:
        EXPORTER.write([single()], out, template=template)
    assert refused.value.status == 413 and "MB" in str(refused.value)
    assert out.getvalue() == b""


def test_a_zip_bomb_template_is_refused_and_nothing_is_written():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    assert len(bomb.getvalue()) < shopee.TEMPLATE_MAX_BYTES
    out = io.BytesIO()
    with pytest.raises(TemplateTooLarge):
        EXPORTER.write([single()], out, template=bomb.getvalue())
    assert out.getvalue() == b""


def test_products_with_errors_are_left_out_of_the_template_and_reported():
    no_url = single(id=5, images=(image(1, url=False),))
    result, data = fill([no_url, single()], seller_template())
    assert result.written == [1]
    assert rules_of(result.left_out[5]) == {"image_url_missing"}
    assert [row["ps_sku_short"] for row in rows_by_key(data)] == ["CHE-TC-01"]


def variant_image_without_url():
    honey = with_variants()
    first = honey.variants[0]
    return honey.__class__(**{**honey.__dict__, "variants": (
        Variant(first.sku, first.options, first.price, first.stock,
                image=Image("mo.jpg", 900, 900, 1000)), *honey.variants[1:])})


@pytest.mark.parametrize("product, rule, severity", [
    (single(name="Chè Thái"), "name_too_short", Severity.ERROR),
    (single(name="Chè " * 31), "name_too_long", Severity.ERROR),
    (single(description="Chè. " * 601), "description_too_long", Severity.ERROR),
    (single(description="Chè ngon."), "description_short", Severity.WARNING),
    (single(description=" "), "description_missing", Severity.ERROR),
    (with_variants(option_names=("a", "b", "c")), "too_many_option_axes", Severity.ERROR),
    (single(images=tuple(image(n) for n in range(10))), "too_many_images", Severity.WARNING),
    (single(images=()), "images_missing", Severity.ERROR),
    (single(weight_grams=5), "weight_out_of_range", Severity.ERROR),
    (single(weight_grams=500_001), "weight_out_of_range", Severity.ERROR),
    (single(weight_grams=None), "weight_missing", Severity.ERROR),
    (single(images=(image(1, url=False),)), "image_url_missing", Severity.ERROR),
    (variant_image_without_url(), "image_url_missing", Severity.ERROR),
    (single(extra={}), "platform_category_missing", Severity.WARNING),
])
def test_each_shopee_rule_fires_on_a_product_that_breaks_it(product, rule, severity):
    assert_rule_fires(EXPORTER, product, rule, severity)
    assert EXPORTER.check(single()) == [] and EXPORTER.check(with_variants()) == []


def test_name_length_bounds_are_inclusive():
    assert "name_too_short" not in rules_of(EXPORTER.check(single(name="Chè Thái 1")))
    assert "name_too_long" not in rules_of(EXPORTER.check(single(name="x" * 120)))


def test_data_starts_after_the_templates_own_header_rows_not_at_a_fixed_row():
    workbook = Workbook()
    workbook.active.title = "Hướng dẫn"
    workbook.active["A1"] = "Điền cột ps_product_name và ps_price."  # a sentence, not a key
    sheet = workbook.create_sheet("Template")
    sheet.append(["ps_price|1|1", "ps_product_name|1|0", "ps_sku_short"])
    sheet.append(["Giá", "Tên sản phẩm", "SKU phân loại"])
    sheet.append(["Bắt buộc", "Bắt buộc", None])
    template = io.BytesIO()
    workbook.save(template)
    _, data = fill([single()], template.getvalue())
    sheet = load_workbook(io.BytesIO(data))["Template"]
    assert [cell.value for cell in sheet[4]] == [185_000, single().name, "CHE-TC-01"]
    assert sheet.max_row == 4
