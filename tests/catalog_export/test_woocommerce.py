"""WooCommerce's importer CSV, read back, and WooCommerce's rules."""
from __future__ import annotations

import re

import pytest

from catalog_export.canonical import Variant
from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.base import Severity
from catalog_export.exporters.woocommerce import COLUMNS, EXPORTER
from tests.catalog_export.feed_products import (
    SITE,
    TONE_MARKS_NAME,
    export_csv,
    filled,
    image,
    records,
    simple_product,
    two_axis_product,
    variant_product,
)

HEADER = ["Type", "SKU", "Name", "Parent", "Published", "Description", "Regular price", "Stock",
          "Weight (kg)", "Length (cm)", "Width (cm)", "Height (cm)", "Images", "Categories",
          "Attribute 1 name", "Attribute 1 value(s)", "Attribute 1 visible", "Attribute 1 global",
          "Attribute 2 name", "Attribute 2 value(s)", "Attribute 2 visible", "Attribute 2 global"]


def read(*products):
    result, data, rows = export_csv(EXPORTER, *products)
    return result, data, records(rows)


def exploded(cell):
    """A list cell as WooCommerce's importer reads it (WC_Product_Importer::explode_values):
    split on commas a backslash does not escape, then unescaped and trimmed."""
    return [value.replace("\\,", ",").strip() for value in re.split(r"(?<!\\),", cell)]


def test_header_and_bom():
    assert EXPORTERS["woocommerce"] is EXPORTER and list(COLUMNS) == HEADER
    _, data, _ = read(simple_product())
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].split(b"\r\n")[0].decode() == ",".join(HEADER)


def test_a_product_without_options_is_one_simple_row():
    result, _, rows = read(simple_product())
    assert result.rows == 1 == len(rows)
    assert filled(rows[0]) == {
        "Type": "simple", "SKU": "CHE-01", "Name": "Chè búp Tân Cương", "Published": "1",
        "Description": "Chè búp hái tay.\n\nSao bằng chảo gang.", "Regular price": "125000",
        "Stock": "12", "Weight (kg)": "0.25", "Length (cm)": "10.5", "Width (cm)": "8",
        "Height (cm)": "20", "Images": f"{SITE}/anh/che.jpg, {SITE}/anh/che-2.jpg",
        "Categories": "Food\\, Beverages & Tobacco > Beverages > Tea & Infusions"}
    # The comma inside Google's category name stays one category for the importer.
    assert exploded(rows[0]["Categories"]) == [
        "Food, Beverages & Tobacco > Beverages > Tea & Infusions"]


def test_a_product_with_options_is_a_variable_row_then_its_variations():
    result, _, rows = read(variant_product())
    assert result.rows == 3 and [r["Type"] for r in rows] == ["variable", "variation", "variation"]
    parent, small, big = rows
    assert filled(parent) == {
        "Type": "variable", "SKU": "CHE-02", "Name": "Chè búp Tân Cương", "Published": "1",
        "Description": "Chè búp hái tay.\n\nSao bằng chảo gang.",
        "Length (cm)": "10.5", "Width (cm)": "8", "Height (cm)": "20",
        "Images": f"{SITE}/anh/che.jpg, {SITE}/anh/che-2.jpg",
        "Categories": "Food\\, Beverages & Tobacco > Beverages > Tea & Infusions",
        "Attribute 1 name": "Khối lượng", "Attribute 1 value(s)": "500 g, 1 kg",
        "Attribute 1 visible": "1", "Attribute 1 global": "0"}
    assert filled(small) == {
        "Type": "variation", "SKU": "CHE-02-500", "Name": "Chè búp Tân Cương - 500 g",
        "Parent": "CHE-02", "Published": "1", "Regular price": "125000", "Stock": "7",
        "Weight (kg)": "0.52", "Attribute 1 name": "Khối lượng", "Attribute 1 value(s)": "500 g",
        "Attribute 1 global": "0"}
    assert (big["Parent"], big["Regular price"], big["Stock"], big["Weight (kg)"]) == (
        "CHE-02", "240000", "0", "1.03")


def test_two_attributes_list_each_value_once_with_commas_escaped():
    _, _, rows = read(two_axis_product())
    parent, *variations = rows
    assert exploded(parent["Attribute 1 value(s)"]) == ["Nâu", "Trắng"]
    assert exploded(parent["Attribute 2 value(s)"]) == ["Nhỏ", "Lớn, có nắp"]
    assert parent["Attribute 2 name"] == "Loại" and parent["Attribute 2 visible"] == "1"
    assert [(v["Parent"], v["Attribute 1 value(s)"], exploded(v["Attribute 2 value(s)"]))
            for v in variations] == [("GIO-03", "Nâu", ["Nhỏ"]),
                                     ("GIO-03", "Nâu", ["Lớn, có nắp"]),
                                     ("GIO-03", "Trắng", ["Nhỏ"])]
    # A variant's own image goes on its row.
    assert [v["Images"] for v in variations] == ["", "", f"{SITE}/anh/gio-trang.jpg"]


def test_every_tone_mark_survives_byte_exact_and_a_formula_stays_text():
    _, data, rows = read(simple_product(name=TONE_MARKS_NAME),
                         simple_product(id=2, sku="F", name="=1+1", description="-5 độ"))
    assert TONE_MARKS_NAME.encode("utf-8") in data
    assert rows[0]["Name"] == TONE_MARKS_NAME
    assert (rows[1]["Name"], rows[1]["Description"]) == ("'=1+1", "'-5 độ")


def test_an_image_without_address_is_a_warning_and_stays_out_of_the_file():
    product = simple_product(images=(image("local.jpg", url=None), image("che.jpg")))
    assert [(f.rule, f.severity) for f in EXPORTER.check(product)] == [
        ("image_address_missing", Severity.WARNING)]
    result, data, rows = read(product)
    assert result.written == [1] and b"local.jpg" not in data
    assert rows[0]["Images"] == f"{SITE}/anh/che.jpg"


@pytest.mark.parametrize("product, rule", [
    (variant_product(option_names=("A", "B", "C"),
                     variants=(Variant("V", ("1", "2", "3"), 1000, 1),)), "too_many_option_axes"),
    # The parent is a row of its own: a variant may not reuse its SKU.
    (variant_product(variants=(Variant("CHE-02", ("500 g",), 1000, 1),)), "sku_repeated"),
    (variant_product(variants=(Variant("A", ("500 g",), 1, 1), Variant("B", ("500 g",), 1, 1))),
     "options_repeated"),
    (simple_product(price=0), "price_out_of_range"),
    (simple_product(description=" "), "description_missing"),
])
def test_each_woocommerce_rule_fires_on_a_product_that_breaks_it(product, rule):
    assert (rule, Severity.ERROR) in {(f.rule, f.severity) for f in EXPORTER.check(product)}


def test_products_with_errors_are_left_out_with_their_findings():
    broken = variant_product(id=5, variants=(Variant("CHE-02", ("500 g",), 1000, 1),))
    result, data, rows = read(broken, simple_product())
    assert result.written == [1] and list(result.left_out) == [5]
    assert [f.rule for f in result.left_out[5]] == ["sku_repeated"]
    assert [r["SKU"] for r in rows] == ["CHE-01"] and b"CHE-02" not in data
