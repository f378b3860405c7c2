"""Shopify's product CSV, read back, and Shopify's rules."""
from __future__ import annotations

import pytest

from catalog_export.canonical import Certification, Variant
from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.base import Severity
from catalog_export.exporters.shopify import COLUMNS, EXPORTER, body_html, handle_of
from tests.catalog_export.feed_products import (
    SITE,
    TEA_PATH,
    TONE_MARKS_NAME,
    export_csv,
    filled,
    image,
    records,
    simple_product,
    two_axis_product,
    variant_product,
)

HEADER = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
          "Published", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
          "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
          "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Price", "Image Src",
          "Image Position", "Status"]


def read(*products):
    result, data, rows = export_csv(EXPORTER, *products)
    return result, data, records(rows)


def test_header_and_bom():
    assert EXPORTERS["shopify"] is EXPORTER and list(COLUMNS) == HEADER
    _, data, _ = read(simple_product())
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].split(b"\r\n")[0].decode() == ",".join(HEADER)


def test_a_product_without_options_is_one_default_variant_then_its_extra_images():
    product = simple_product(ocop_stars=4, certifications=(Certification.VIETGAP,))
    result, _, rows = read(product)
    assert result.rows == 2 == len(rows) and result.written == [1]
    assert filled(rows[0]) == {
        "Handle": "che-bup-tan-cuong", "Title": "Chè búp Tân Cương",
        "Body (HTML)": "<p>Chè búp hái tay.</p><p>Sao bằng chảo gang.</p>",
        "Vendor": "HTX Chè Tân Cương", "Product Category": TEA_PATH, "Type": "Tea & Infusions",
        "Tags": "OCOP 4 sao, VietGAP", "Published": "TRUE",
        "Option1 Name": "Title", "Option1 Value": "Default Title",
        "Variant SKU": "CHE-01", "Variant Grams": "250", "Variant Inventory Tracker": "shopify",
        "Variant Inventory Qty": "12", "Variant Price": "125000",
        "Image Src": f"{SITE}/anh/che.jpg", "Image Position": "1", "Status": "active"}
    assert filled(rows[1]) == {"Handle": "che-bup-tan-cuong", "Image Src": f"{SITE}/anh/che-2.jpg",
                               "Image Position": "2"}


def test_one_row_per_variant_with_the_product_fields_on_the_first_only():
    _, _, rows = read(two_axis_product(images=(image("a.jpg"), image("b.jpg"), image("c.jpg"))))
    assert [row["Variant SKU"] for row in rows] == [
        "GIO-03-NAU-NHO", "GIO-03-NAU-LON", "GIO-03-TRANG-NHO", "", ""]
    assert {row["Handle"] for row in rows} == {"gio-may-tre-dan"}
    first, second = rows[0], rows[1]
    assert (first["Option1 Name"], first["Option2 Name"], first["Option3 Name"]) == (
        "Màu", "Loại", "")
    assert (first["Option1 Value"], first["Option2 Value"]) == ("Nâu", "Nhỏ")
    assert filled(second) == {
        "Handle": "gio-may-tre-dan", "Option1 Value": "Nâu", "Option2 Value": "Lớn, có nắp",
        "Variant SKU": "GIO-03-NAU-LON", "Variant Grams": "250",
        "Variant Inventory Tracker": "shopify", "Variant Inventory Qty": "2",
        "Variant Price": "150000"}
    assert [(filled(r).keys(), r["Image Src"], r["Image Position"]) for r in rows[3:]] == [
        ({"Handle", "Image Src", "Image Position"}, f"{SITE}/anh/b.jpg", "2"),
        ({"Handle", "Image Src", "Image Position"}, f"{SITE}/anh/c.jpg", "3")]


def test_variant_weights_in_grams():
    _, _, rows = read(variant_product())
    assert [(r["Variant SKU"], r["Variant Grams"], r["Variant Price"]) for r in rows[:2]] == [
        ("CHE-02-500", "520", "125000"), ("CHE-02-1K", "1030", "240000")]


def test_handles_are_ascii_slugs_unique_within_the_file():
    assert handle_of(TONE_MARKS_NAME) == (
        "mat-ong-rung-dinh-hoa-a-a-a-a-a-a-a-a-a-a-a-a-e-e-e-e-e-o-o-o-o-o-o-o-o-o-o-u-u-u-u-u"
        "-y-y-y-y-d-d")
    assert handle_of("Đường phèn Quảng Ngãi (1kg)!!") == "duong-phen-quang-ngai-1kg"
    products = [simple_product(id=n, sku=f"S{n}", name=name) for n, name in enumerate(
        ["Chè Thái", "CHÈ THÁI", "chè  thái", "Chè Thái 2", "—"], start=1)]
    _, _, rows = read(*products)
    handles = [row["Handle"] for row in rows if row["Variant SKU"]]
    assert handles == ["che-thai", "che-thai-2", "che-thai-3", "che-thai-2-2", "s5"]


def test_the_description_is_escaped_html_paragraphs():
    assert body_html("Ngon <nhất> & rẻ\ndòng hai\n\n\n Đoạn hai ") == (
        "<p>Ngon &lt;nhất&gt; &amp; rẻ<br>dòng hai</p><p>Đoạn hai</p>")


def test_every_tone_mark_survives_byte_exact_and_a_formula_stays_text():
    _, data, rows = read(simple_product(name=TONE_MARKS_NAME), simple_product(
        id=2, sku="F", name="=1+1"))
    assert TONE_MARKS_NAME.encode("utf-8") in data
    assert rows[0]["Title"] == TONE_MARKS_NAME
    formula = next(row for row in rows if row["Variant SKU"] == "F")
    assert formula["Title"] == "'=1+1" and formula["Handle"] == "1-1"


def test_an_image_without_address_is_a_warning_and_stays_out_of_the_file():
    product = simple_product(images=(image("local.jpg", url=None), image("che.jpg")))
    assert [(f.rule, f.severity) for f in EXPORTER.check(product)] == [
        ("image_address_missing", Severity.WARNING)]
    result, data, rows = read(product)
    assert result.written == [1] and b"local.jpg" not in data
    assert [(r["Image Src"], r["Image Position"]) for r in rows] == [(f"{SITE}/anh/che.jpg", "1")]


def test_a_product_without_images_is_accepted():
    assert EXPORTER.check(simple_product(images=())) == []


def many_variants(count):
    return variant_product(variants=tuple(Variant(f"V{n}", (f"{n} g",), 1000, 1)
                                          for n in range(count)))


@pytest.mark.parametrize("product, rule", [
    (variant_product(option_names=("A", "B", "C", "D"),
                     variants=(Variant("V", ("1", "2", "3", "4"), 1000, 1),)),
     "too_many_option_axes"),
    (many_variants(101), "too_many_variants"),
    (simple_product(name="C" * 256), "name_too_long"),
    (simple_product(price=0), "price_out_of_range"),
    (variant_product(variants=(Variant("A", ("500 g",), 1, 1), Variant("A", ("1 kg",), 1, 1))),
     "sku_repeated"),
    (variant_product(variants=(Variant("A", ("500 g",), 1, 1), Variant("B", ("500 g",), 1, 1))),
     "options_repeated"),
])
def test_each_shopify_rule_fires_on_a_product_that_breaks_it(product, rule):
    assert (rule, Severity.ERROR) in {(f.rule, f.severity) for f in EXPORTER.check(product)}


def test_three_options_and_a_hundred_variants_are_accepted():
    assert EXPORTER.check(many_variants(100)) == []
    three = variant_product(option_names=("A", "B", "C"),
                            variants=(Variant("V", ("1", "2", "3"), 1000, 1),))
    assert EXPORTER.check(three) == []
    _, _, rows = read(three)
    assert [rows[0][f"Option{n} Name"] for n in (1, 2, 3)] == ["A", "B", "C"]
    assert [rows[0][f"Option{n} Value"] for n in (1, 2, 3)] == ["1", "2", "3"]


def test_products_with_errors_are_left_out_with_their_findings():
    result, data, rows = read(many_variants(101), simple_product())
    assert result.written == [1] and list(result.left_out) == [2]
    assert [f.rule for f in result.left_out[2]] == ["too_many_variants"]
    assert b"V100" not in data and rows[0]["Variant SKU"] == "CHE-01"
