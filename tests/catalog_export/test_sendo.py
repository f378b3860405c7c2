"""Sendo Excel upload: the workbook's columns, weight in grams, and Sendo's rules."""
from __future__ import annotations

import pytest

from catalog_export.exporters.base import Severity
from catalog_export.exporters.sendo import EXPORTER
from tests.catalog_export.market_products import (
    TONE_MARKS,
    assert_rule_fires,
    export,
    image,
    rules_of,
    single,
    with_variants,
)

HEADER = ["Tên sản phẩm", "Mã danh mục", "Mô tả", "SKU cha", "SKU", "Thuộc tính 1", "Giá trị 1",
          "Thuộc tính 2", "Giá trị 2", "Giá", "Khối lượng (gram)", "Tồn kho",
          *(f"Hình ảnh {n}" for n in range(1, 10))]


def test_a_row_per_sku_with_whole_grams_and_prices():
    result, (sheets, header, rows), _ = export(EXPORTER, [single(), with_variants()])
    assert sheets == ["Sản phẩm"] and header == HEADER and result.rows == 5
    assert [(r["SKU"], r["Giá"], r["Khối lượng (gram)"], r["Tồn kho"]) for r in rows] == [
        ("CHE-TC-01", 185_000, 250, 40), ("MO-500-0", 150_000, 700, 5),
        ("MO-500-1", 170_000, 700, 6), ("MO-1000-2", 280_000, 1300, 7),
        ("MO-1000-3", 320_000, 1350, 8)]
    assert rows[0]["Mã danh mục"] == "2315" and rows[0]["Hình ảnh 1"].endswith("che-1.jpg")
    assert {r["Tên sản phẩm"].encode() for r in rows[1:]} == {TONE_MARKS.encode()}


@pytest.mark.parametrize("product, rule, severity", [
    (single(images=()), "images_missing", Severity.ERROR),
    (single(images=(image(url=False),)), "image_url_missing", Severity.ERROR),
    (single(weight_grams=None), "weight_missing", Severity.ERROR),
    (single(extra={}), "platform_category_missing", Severity.WARNING),
    (with_variants(option_names=("a", "b", "c")), "too_many_option_axes", Severity.ERROR),
])
def test_each_sendo_rule_fires_on_a_product_that_breaks_it(product, rule, severity):
    assert_rule_fires(EXPORTER, product, rule, severity)


def test_products_with_errors_are_left_out_and_reported():
    result, (_, _, rows), _ = export(EXPORTER, [single(), single(id=8, weight_grams=None)])
    assert result.written == [1] and rules_of(result.left_out[8]) == {"weight_missing"}
    assert len(rows) == 1
