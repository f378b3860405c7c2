"""Meta's commerce catalogue CSV, read back, and Meta's rules."""
from __future__ import annotations

import pytest

from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.base import Severity
from catalog_export.exporters.meta import COLUMNS, EXPORTER
from tests.catalog_export.feed_products import (
    SITE,
    TONE_MARKS_NAME,
    export_csv,
    image,
    simple_product,
    two_axis_product,
    variant_product,
)


def read(*products):
    return export_csv(EXPORTER, *products)


def test_header_bom_and_one_row_per_variant_grouped_by_item_group_id():
    assert EXPORTERS["meta"] is EXPORTER
    result, data, rows = read(simple_product(), variant_product(), two_axis_product())
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ["id", "title", "description", "availability", "condition", "price", "link",
                       "image_link", "additional_image_link", "brand", "gtin",
                       "google_product_category", "item_group_id", "size", "color", "material",
                       "pattern", "custom_label_0", "custom_label_1"]
    assert result.written == [1, 2, 3] and result.rows == 6 == len(rows) - 1
    items = {row[0]: dict(zip(COLUMNS, row)) for row in rows[1:]}
    simple = items["CHE-01"]
    assert simple == {
        "id": "CHE-01", "title": "Chè búp Tân Cương",
        # A quoted CSV cell keeps the description's paragraphs.
        "description": "Chè búp hái tay.\n\nSao bằng chảo gang.",
        "availability": "in stock", "condition": "new", "price": "125000 VND",
        "link": f"{SITE}/san-pham/che-bup", "image_link": f"{SITE}/anh/che.jpg",
        "additional_image_link": f"{SITE}/anh/che-2.jpg", "brand": "Tân Cương Xanh", "gtin": "",
        "google_product_category": "2073", "item_group_id": "", "size": "", "color": "",
        "material": "", "pattern": "", "custom_label_0": "", "custom_label_1": ""}
    assert items["CHE-02-500"]["availability"] == "in stock"
    assert items["CHE-02-1K"]["availability"] == "out of stock"
    assert items["CHE-02-1K"]["price"] == "240000 VND" and items["CHE-02-1K"]["size"] == "1 kg"
    assert {items[sku]["item_group_id"] for sku in ("CHE-02-500", "CHE-02-1K")} == {"CHE-02"}
    assert {items[sku]["item_group_id"] for sku in
            ("GIO-03-NAU-NHO", "GIO-03-NAU-LON", "GIO-03-TRANG-NHO")} == {"GIO-03"}
    assert (items["GIO-03-NAU-LON"]["color"], items["GIO-03-NAU-LON"]["custom_label_0"]) == (
        "Nâu", "Lớn, có nắp")


def test_without_a_brand_the_cooperative_is_written_as_brand_with_a_warning():
    product = simple_product(brand=None)
    assert [(f.rule, f.severity) for f in EXPORTER.check(product)] == [
        ("brand_is_seller", Severity.WARNING)]
    result, _, rows = read(product)
    assert result.written == [1]
    assert dict(zip(COLUMNS, rows[1]))["brand"] == "HTX Chè Tân Cương"


def test_without_brand_seller_or_gtin_the_product_is_refused():
    findings = EXPORTER.check(simple_product(brand=None, seller=""))
    assert [(f.rule, f.severity) for f in findings] == [("brand_or_gtin_missing", Severity.ERROR)]
    assert EXPORTER.check(simple_product(brand=None, seller="", gtin="8934588012112")) == []


def test_every_tone_mark_survives_byte_exact():
    _, data, rows = read(simple_product(name=TONE_MARKS_NAME))
    assert TONE_MARKS_NAME.encode("utf-8") in data
    assert rows[1][COLUMNS.index("title")] == TONE_MARKS_NAME


def test_a_formula_looking_name_stays_text():
    _, data, rows = read(simple_product(name="=1+1"))
    assert rows[1][COLUMNS.index("title")] == "'=1+1"
    assert b",=1+1" not in data


def test_up_to_twenty_additional_images():
    _, _, rows = read(simple_product(images=tuple(image(f"a{n}.jpg") for n in range(23))))
    extra = rows[1][COLUMNS.index("additional_image_link")].split(",")
    assert extra == [f"{SITE}/anh/a{n}.jpg" for n in range(1, 21)]


@pytest.mark.parametrize("product, rule", [
    (simple_product(link=None), "link_missing"),
    (simple_product(images=(image("che.jpg", url=None),)), "image_address_missing"),
    (simple_product(images=(image("che.jpg", side=400),)), "image_too_small"),
    (simple_product(images=(image("che.jpg", size=9 * 1024 * 1024),)), "image_too_large"),
    (simple_product(name="C" * 201), "name_too_long"),
    (variant_product(name="C" * 198), "variant_title_too_long"),
    (simple_product(description="M" * 10_000), "description_too_long"),
    (simple_product(sku="S" * 101), "sku_too_long"),
    (simple_product(images=()), "images_missing"),
])
def test_each_meta_rule_fires_on_a_product_that_breaks_it(product, rule):
    assert (rule, Severity.ERROR) in {(f.rule, f.severity) for f in EXPORTER.check(product)}


def test_products_with_errors_are_left_out_with_their_findings():
    broken = simple_product(id=8, sku="BROKEN", images=(image("x.jpg", url=None),))
    result, data, rows = read(broken, variant_product())
    assert result.written == [2] and list(result.left_out) == [8]
    assert [f.rule for f in result.left_out[8]] == ["image_address_missing"]
    assert b"BROKEN" not in data and [row[0] for row in rows[1:]] == ["CHE-02-500", "CHE-02-1K"]
