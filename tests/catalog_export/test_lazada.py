"""Lazada bulk upload: the workbook's columns, units and Lazada's rules."""
from __future__ import annotations

import pytest

from catalog_export.canonical import Image
from catalog_export.exporters.base import Severity
from catalog_export.exporters.lazada import EXPORTER
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

HEADER = ["name", "description", "brand", "parent_sku", "SellerSku", "variation_1",
          "variation_1_value", "variation_2", "variation_2_value", "price", "quantity",
          "package_weight", "package_length", "package_width", "package_height",
          *(f"image_{n}" for n in range(1, 9))]


def test_a_row_per_sku_with_kilograms_and_centimetres_to_two_decimals():
    honey = with_variants(images=tuple(image(n) for n in range(1, 9)), brand=None,
                          name=FORMULA_TEXT)
    result, (sheets, header, rows), _ = export(EXPORTER, [single(weight_grams=1234), honey])
    assert sheets == ["Upload Template"] and header == HEADER
    assert result.written == [1, 2] and result.rows == 5 and len(rows) == 5
    tea = rows[0]
    assert (tea["name"], tea["SellerSku"], tea["price"], tea["quantity"]) == (
        single().name, "CHE-TC-01", 185_000, 40)
    assert tea["package_weight"] == 1.24  # 1234 g, rounded up to 10 g
    assert (tea["package_length"], tea["package_width"], tea["package_height"]) == (20.5, 10, 6)
    assert tea["image_2"] == "https://cho40.example.vn/anh/che-2.jpg" and tea["image_3"] is None
    # Every row of a product carries its fields; its SKUs are grouped by the parent SKU.
    assert {r["name"] for r in rows[1:]} == {FORMULA_TEXT}
    assert {r["brand"] for r in rows[1:]} == {"No Brand"}
    assert {r["parent_sku"] for r in rows[1:]} == {"MO-DH"}
    assert [(r["variation_1_value"], r["variation_2_value"], r["package_weight"])
            for r in rows[1:]] == [("500 ml", "Hoa nhãn", 0.7), ("500 ml", "Hoa rừng", 0.7),
                                   ("1000 ml", "Hoa nhãn", 1.3), ("1000 ml", "Hoa rừng", 1.35)]


def test_tone_marks_survive_byte_exact():
    _, (_, _, rows), _ = export(EXPORTER, [with_variants()])
    assert rows[0]["name"].encode() == TONE_MARKS.encode()


@pytest.mark.parametrize("product, rule, severity", [
    (single(name="x" * 256), "name_too_long", Severity.ERROR),
    (single(description="x" * 25_001), "description_too_long", Severity.ERROR),
    (single(images=tuple(image(n) for n in range(9))), "too_many_images", Severity.WARNING),
    (single(images=(image(side=329),)), "image_too_small", Severity.ERROR),
    (single(images=(Image("a.jpg", 5001, 800, 1, "https://x.vn/a.jpg"),)), "image_too_wide",
     Severity.ERROR),
    (single(images=(image(size=3 * 1024 * 1024 + 1),)), "image_too_large", Severity.ERROR),
    (single(images=(image(url=False),)), "image_url_missing", Severity.ERROR),
    (single(weight_grams=None), "weight_missing", Severity.ERROR),
    (single(height_mm=None), "size_missing", Severity.ERROR),
])
def test_each_lazada_rule_fires_on_a_product_that_breaks_it(product, rule, severity):
    assert_rule_fires(EXPORTER, product, rule, severity)


def test_products_with_errors_are_left_out_and_reported():
    result, (_, _, rows), _ = export(EXPORTER, [single(id=7, height_mm=None), single()])
    assert result.written == [1] and list(result.left_out) == [7]
    assert rules_of(result.left_out[7]) == {"size_missing"}
    assert [r["SellerSku"] for r in rows] == ["CHE-TC-01"]
