"""TikTok Shop bulk upload: the workbook's columns, units, the description as HTML, and TikTok
Shop's rules."""
from __future__ import annotations

import pytest

from catalog_export.canonical import Image
from catalog_export.exporters.base import Severity
from catalog_export.exporters.tiktok import EXPORTER, description_html
from tests.catalog_export.market_products import (
    TONE_MARKS,
    assert_rule_fires,
    export,
    image,
    rules_of,
    single,
    with_variants,
)

HEADER = ["category_id", "title", "description", "brand",
          *(f"main_image_{n}" for n in range(1, 10)), "parent_sku", "seller_sku",
          "sales_attribute_1_name", "sales_attribute_1_value", "sales_attribute_2_name",
          "sales_attribute_2_value", "sales_attribute_image", "price", "quantity", "gtin",
          "package_weight_kg", "package_length_cm", "package_width_cm", "package_height_cm"]


def test_a_row_per_sku_with_kilograms_whole_centimetres_and_html():
    tea = single(description="Chè <ngon> & thơm.\nHái tay.\n\n=Bảo quản khô ráo.", brand=None)
    result, (sheets, header, rows), _ = export(EXPORTER, [tea, with_variants()])
    assert sheets == ["Template"] and header == HEADER and result.rows == 5
    first = rows[0]
    assert first["description"] == ("<p>Chè &lt;ngon&gt; &amp; thơm.<br>Hái tay.</p>"
                                    "<p>=Bảo quản khô ráo.</p>")
    assert (first["category_id"], first["brand"], first["price"]) == ("601450", None, 185_000)
    assert (first["package_weight_kg"], first["package_length_cm"], first["package_width_cm"],
            first["package_height_cm"]) == (0.25, 21, 10, 6)
    honey = rows[1:]
    assert {r["title"] for r in honey} == {TONE_MARKS}
    assert [r["sales_attribute_image"] for r in honey] == [
        v.image.url for v in with_variants().variants]
    assert [r["seller_sku"] for r in honey] == ["MO-500-0", "MO-500-1", "MO-1000-2", "MO-1000-3"]
    assert honey[0]["main_image_9"] == "https://cho40.example.vn/anh/che-9.jpg"


def test_the_html_limit_counts_the_tags():
    text = "a\n" * 4000  # 8,000 characters, 11,999 as HTML
    assert len(description_html(text)) > 10_000
    findings = assert_rule_fires(EXPORTER, single(description=text), "description_html_too_long",
                                 Severity.ERROR)
    assert len(findings) == 1


@pytest.mark.parametrize("product, rule, severity", [
    (single(name="Chè Tân Cương hộp 200 g"), "name_too_short", Severity.ERROR),  # 24
    (single(name="x" * 256), "name_too_long", Severity.ERROR),
    (single(description="x" * 10_001), "description_too_long", Severity.ERROR),
    (single(images=()), "images_missing", Severity.ERROR),
    (single(images=tuple(image(n) for n in range(10))), "too_many_images", Severity.WARNING),
    (single(images=(image(side=299),)), "image_too_small", Severity.ERROR),
    (single(images=(Image("a.jpg", 800, 4001, 1, "https://x.vn/a.jpg"),)), "image_too_wide",
     Severity.ERROR),
    (single(images=(image(size=5 * 1024 * 1024 + 1),)), "image_too_large", Severity.ERROR),
    (single(images=(image(url=False),)), "image_url_missing", Severity.ERROR),
    (single(price=180_000_001), "price_out_of_range", Severity.ERROR),
    (single(price=0), "price_out_of_range", Severity.ERROR),
    (single(sku="S" * 51), "sku_too_long", Severity.ERROR),
    (single(weight_grams=None), "weight_missing", Severity.ERROR),
    (single(extra={}), "platform_category_missing", Severity.WARNING),
])
def test_each_tiktok_rule_fires_on_a_product_that_breaks_it(product, rule, severity):
    assert_rule_fires(EXPORTER, product, rule, severity)


def test_the_bounds_themselves_are_accepted():
    assert EXPORTER.check(single(name="x" * 25, price=180_000_000, sku="S" * 50)) == []


def test_products_with_errors_are_left_out_and_reported():
    result, (_, _, rows), _ = export(EXPORTER, [single(id=3, name="Chè"), with_variants()])
    assert result.written == [2] and rules_of(result.left_out[3]) == {"name_too_short"}
    assert {r["title"] for r in rows} == {TONE_MARKS}
