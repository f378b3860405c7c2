"""Tiki bulk upload: the workbook's columns and Tiki's rules."""
from __future__ import annotations

import pytest

from catalog_export.exporters.base import Severity
from catalog_export.exporters.tiki import EXPORTER
from tests.catalog_export.market_products import (
    FORMULA_TEXT,
    TONE_MARKS,
    assert_rule_fires,
    export,
    image,
    rules_of,
    single,
    with_variants,
)


def test_a_row_per_sku_under_vietnamese_headers():
    result, (sheets, header, rows), _ = export(EXPORTER, [single(brand=None), with_variants()])
    assert sheets == ["Sản phẩm"] and result.rows == 5
    assert header[:8] == ["Danh mục", "Tên sản phẩm", "Mô tả sản phẩm", "Thương hiệu",
                          "Xuất xứ", "SKU sản phẩm cha", "SKU", "Thuộc tính 1"]
    assert header[-9:] == [f"Hình ảnh {n}" for n in range(1, 10)]
    tea = rows[0]
    assert (tea["Danh mục"], tea["Thương hiệu"], tea["Xuất xứ"], tea["Giá bán"],
            tea["Khối lượng (kg)"], tea["Dài (cm)"]) == (
        "8322", "OEM", "Xã Tân Cương, Thái Nguyên", 185_000, 0.25, 21)
    assert [(r["Thuộc tính 1"], r["Giá trị thuộc tính 1"], r["Thuộc tính 2"],
             r["Giá trị thuộc tính 2"], r["Giá bán"]) for r in rows[1:3]] == [
        ("Dung tích", "500 ml", "Loại hoa", "Hoa nhãn", 150_000),
        ("Dung tích", "500 ml", "Loại hoa", "Hoa rừng", 170_000)]
    assert rows[1]["Tên sản phẩm"].encode() == TONE_MARKS.encode()


def test_formula_looking_text_stays_text():
    _, (_, _, rows), _ = export(EXPORTER, [single(name=FORMULA_TEXT)])
    assert rows[0]["Tên sản phẩm"] == FORMULA_TEXT


@pytest.mark.parametrize("product, rule, severity", [
    (with_variants(option_names=("a", "b", "c")), "too_many_option_axes", Severity.ERROR),
    (single(images=(image(side=500),)), "image_too_small", Severity.ERROR),
    (single(images=(image(url=False),)), "image_url_missing", Severity.ERROR),
    (single(weight_grams=None), "weight_missing", Severity.ERROR),
    (single(extra={}), "platform_category_missing", Severity.WARNING),
])
def test_each_tiki_rule_fires_on_a_product_that_breaks_it(product, rule, severity):
    assert_rule_fires(EXPORTER, product, rule, severity)


def test_products_with_errors_are_left_out_and_reported():
    result, (_, _, rows), _ = export(EXPORTER, [single(id=4, images=(image(side=500),)),
                                                single()])
    assert result.written == [1] and rules_of(result.left_out[4]) == {"image_too_small"}
    assert [r["SKU"] for r in rows] == ["CHE-TC-01"]
