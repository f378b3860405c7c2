"""Google Merchant Center: the TSV and the RSS 2.0 feed, read back, and Google's rules."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from catalog_export.canonical import Variant
from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.base import Severity
from catalog_export.exporters.feeds import option_attributes
from catalog_export.exporters.google import COLUMNS, EXPORTER, XML_EXPORTER
from tests.catalog_export.feed_products import (
    SITE,
    TONE_MARKS_NAME,
    export_csv,
    image,
    simple_product,
    two_axis_product,
    variant_product,
)

G = "{http://base.google.com/ns/1.0}"
BOM = b"\xef\xbb\xbf"


def tsv(*products):
    return export_csv(EXPORTER, *products, delimiter="\t")


def xml_items(*products):
    out = io.BytesIO()
    result = XML_EXPORTER.write(products, out)
    data = out.getvalue()
    root = ET.fromstring(data)
    items = [{child.tag.removeprefix(G): child.text for child in item}
             for item in root.iter("item")]
    return result, data, root, items


def test_both_feeds_are_in_the_registry():
    assert EXPORTERS["google"] is EXPORTER and EXPORTERS["google_xml"] is XML_EXPORTER
    assert (EXPORTER.file_extension, XML_EXPORTER.file_extension) == ("tsv", "xml")


def test_tsv_has_a_bom_the_attribute_names_first_and_one_row_per_variant():
    result, data, rows = tsv(simple_product(), variant_product())
    assert data.startswith(BOM)
    assert rows[0] == list(COLUMNS)
    assert result.written == [1, 2] and result.left_out == {} and result.rows == 3
    by_id = {row[0]: dict(zip(COLUMNS, row)) for row in rows[1:]}
    assert list(by_id) == ["CHE-01", "CHE-02-500", "CHE-02-1K"]

    simple = by_id["CHE-01"]
    assert simple["item_group_id"] == ""  # only variants are grouped
    assert simple["title"] == "Chè búp Tân Cương"
    assert simple["price"] == "125000 VND"
    assert simple["availability"] == "in_stock" and simple["condition"] == "new"
    assert simple["google_product_category"] == "2073"
    assert simple["link"] == f"{SITE}/san-pham/che-bup"
    assert simple["image_link"] == f"{SITE}/anh/che.jpg"
    assert simple["additional_image_link"] == f"{SITE}/anh/che-2.jpg"
    assert simple["brand"] == "Tân Cương Xanh" and simple["identifier_exists"] == ""
    # Paragraphs of the description join with a space: a line break would end the row.
    assert simple["description"] == "Chè búp hái tay. Sao bằng chảo gang."

    small, big = by_id["CHE-02-500"], by_id["CHE-02-1K"]
    assert small["item_group_id"] == big["item_group_id"] == "CHE-02"
    assert (small["title"], big["title"]) == ("Chè búp Tân Cương - 500 g",
                                              "Chè búp Tân Cương - 1 kg")
    assert (small["size"], big["size"]) == ("500 g", "1 kg")
    assert (small["price"], big["price"]) == ("125000 VND", "240000 VND")
    assert (small["availability"], big["availability"]) == ("in_stock", "out_of_stock")
    assert (small["gtin"], big["gtin"]) == ("8934588012112", "")


def test_option_names_map_to_googles_variant_attributes_or_custom_labels():
    assert option_attributes(("Khối lượng", "Màu")) == ("size", "color")
    assert option_attributes(("Dung tích",)) == ("size",)
    assert option_attributes(("Kích cỡ", "Chất liệu")) == ("size", "material")
    assert option_attributes(("Cỡ", "Màu sắc")) == ("size", "color")
    # An axis no attribute stands for, or a second axis claiming a taken one: a custom label.
    assert option_attributes(("Loại", "Hương vị")) == ("custom_label_0", "custom_label_1")
    assert option_attributes(("Khối lượng", "Kích cỡ")) == ("size", "custom_label_0")

    _, _, rows = tsv(two_axis_product())
    items = [dict(zip(COLUMNS, row)) for row in rows[1:]]
    assert [(i["color"], i["custom_label_0"], i["size"]) for i in items] == [
        ("Nâu", "Nhỏ", ""), ("Nâu", "Lớn, có nắp", ""), ("Trắng", "Nhỏ", "")]
    assert items[1]["title"] == "Giỏ mây tre đan - Nâu, Lớn, có nắp"
    # The variant's own image leads; the product's follow as additional images.
    assert items[2]["image_link"] == f"{SITE}/anh/gio-trang.jpg"
    assert items[2]["additional_image_link"] == f"{SITE}/anh/che.jpg,{SITE}/anh/che-2.jpg"


def test_without_brand_and_gtin_google_is_told_no_identifier_exists():
    _, _, rows = tsv(simple_product(brand=None), simple_product(id=9, sku="X", brand=None,
                                                                gtin="8934588012112"))
    items = [dict(zip(COLUMNS, row)) for row in rows[1:]]
    assert [(i["brand"], i["gtin"], i["identifier_exists"]) for i in items] == [
        ("", "", "no"), ("", "8934588012112", "")]


def test_at_most_ten_additional_images_and_addresses_percent_encoded():
    images = tuple(image(f"ảnh {n}.jpg") for n in range(12))
    _, _, rows = tsv(simple_product(images=images))
    item = dict(zip(COLUMNS, rows[1]))
    assert item["image_link"] == f"{SITE}/anh/%E1%BA%A3nh%200.jpg"
    extra = item["additional_image_link"].split(",")
    assert len(extra) == 10 and extra[-1] == f"{SITE}/anh/%E1%BA%A3nh%2010.jpg"


def test_every_tone_mark_survives_byte_exact_into_both_files():
    product = simple_product(name=TONE_MARKS_NAME)
    _, data, rows = tsv(product)
    assert TONE_MARKS_NAME.encode("utf-8") in data
    assert rows[1][COLUMNS.index("title")] == TONE_MARKS_NAME
    _, data, _, items = xml_items(product)
    assert TONE_MARKS_NAME.encode("utf-8") in data
    assert items[0]["title"] == TONE_MARKS_NAME


def test_a_formula_looking_name_stays_text():
    _, _, rows = tsv(simple_product(name="=1+1"))
    assert rows[1][COLUMNS.index("title")] == "'=1+1"  # base.cell_text: Excel shows =1+1
    _, _, _, items = xml_items(simple_product(name="=1+1"))
    assert items[0]["title"] == "=1+1"  # XML is no spreadsheet: written as it is


def test_xml_is_rss_2_with_the_google_namespace_and_one_item_per_variant():
    description = "Chè <ngon> & \"thơm\"\x0b, 'đậm'"
    result, data, root, items = xml_items(simple_product(description=description),
                                          variant_product())
    assert data.startswith(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>")
    assert b'xmlns:g="http://base.google.com/ns/1.0"' in data
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "HTX Chè Tân Cương" and channel.findtext("link") == SITE
    assert result.rows == 3 and result.written == [1, 2]
    assert [i["id"] for i in items] == ["CHE-01", "CHE-02-500", "CHE-02-1K"]
    # Escaped on the way in, read back as written; the control character XML forbids is gone.
    assert items[0]["description"] == "Chè <ngon> & \"thơm\", 'đậm'"
    assert items[0]["price"] == "125000 VND" and items[0]["google_product_category"] == "2073"
    assert "item_group_id" not in items[0]  # empty attributes are left out
    assert items[1]["item_group_id"] == items[2]["item_group_id"] == "CHE-02"
    assert items[2] == {
        "id": "CHE-02-1K", "item_group_id": "CHE-02", "title": "Chè búp Tân Cương - 1 kg",
        "description": "Chè búp hái tay.\n\nSao bằng chảo gang.",
        "link": f"{SITE}/san-pham/che-bup", "image_link": f"{SITE}/anh/che.jpg",
        "additional_image_link": f"{SITE}/anh/che-2.jpg", "availability": "out_of_stock",
        "condition": "new", "price": "240000 VND", "brand": "Tân Cương Xanh",
        "google_product_category": "2073", "size": "1 kg"}
    # Each additional image is an element of its own.
    first = next(root.iter("item"))
    assert [e.text for e in first.findall(f"{G}additional_image_link")] == [
        f"{SITE}/anh/che-2.jpg"]


def test_an_empty_feed_is_still_a_valid_rss_file():
    result, data, root, items = xml_items()
    assert items == [] and result.rows == 0 and b"xmlns:g=" in data
    assert root.find("channel").findtext("title") == "cho40"


def rules(product):
    return {(f.rule, f.severity) for f in EXPORTER.check(product)}


@pytest.mark.parametrize("product, rule", [
    (simple_product(link=None), "link_missing"),
    (simple_product(link="/san-pham/che"), "link_missing"),
    (simple_product(images=(image("che.jpg", url=None),)), "image_address_missing"),
    (simple_product(images=(image("che.jpg", url="anh/che.jpg"),)), "image_address_missing"),
    (simple_product(images=(image("che.jpg", side=90),)), "image_too_small"),
    (simple_product(name="C" * 151), "name_too_long"),
    (variant_product(name="C" * 148), "variant_title_too_long"),
    (simple_product(description="M" * 5001), "description_too_long"),
    (simple_product(sku="S" * 51), "sku_too_long"),
    (variant_product(sku="S" * 51), "group_sku_too_long"),
    (variant_product(variants=(Variant("A", ("500 g",), 1, 1), Variant("A", ("1 kg",), 1, 1))),
     "sku_repeated"),
    (variant_product(variants=(Variant("A", ("500 g",), 1, 1), Variant("B", ("500 g",), 1, 1))),
     "options_repeated"),
])
def test_each_google_rule_fires_on_a_product_that_breaks_it(product, rule):
    assert (rule, Severity.ERROR) in rules(product)


def test_a_good_product_has_no_findings():
    assert EXPORTER.check(simple_product()) == []
    assert EXPORTER.check(variant_product()) == []
    assert EXPORTER.check(two_axis_product()) == []


def test_products_with_errors_are_left_out_of_both_files_with_their_findings():
    broken = simple_product(id=7, sku="BROKEN", link=None)
    for write in (tsv, xml_items):
        result, data, *_ = write(simple_product(), broken)
        assert result.written == [1] and list(result.left_out) == [7]
        assert [f.rule for f in result.left_out[7]] == ["link_missing"]
        assert b"BROKEN" not in data and b"CHE-01" in data
