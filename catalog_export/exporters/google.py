"""Google Merchant Center product feeds: a tab-separated file ("google") and an RSS 2.0 file
("google_xml"), one item per sellable variant, variants tied by item_group_id.

Source: Google's product data specification (support.google.com/merchants/answer/7052112)
and its help on feed files; /work/shared/reference/ecommerce-formats.md.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO
from urllib.parse import urlsplit
from xml.sax.saxutils import XMLGenerator

from catalog_export.canonical import Product
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    exportable,
)
from catalog_export.exporters.feeds import (
    feed_findings,
    feed_item,
    feed_row,
    write_rows,
    xml_text,
)

# id <= 50, title <= 150, description <= 5,000 characters; image_link plus up to 10
# additional_image_link; images at least 100x100 px (250x250 for apparel), at most 16 MB.
LIMITS = Limits("Google Merchant Center", name_max=150, description_max=5000, sku_max=50,
                images_max=11, image_min_side=100, image_max_bytes=16 * 1024 * 1024)
ADDITIONAL_IMAGES_MAX = 10
AVAILABILITY = ("in_stock", "out_of_stock")
COLUMNS = ("id", "item_group_id", "title", "description", "link", "image_link",
           "additional_image_link", "availability", "condition", "price", "brand", "gtin",
           "identifier_exists", "google_product_category", "size", "color", "material",
           "pattern", "custom_label_0", "custom_label_1")
GOOGLE_NAMESPACE = "http://base.google.com/ns/1.0"


def google_items(product: Product) -> list[dict[str, str | list[str]]]:
    items = []
    for variant in product.sellable():
        item = feed_item(product, variant, availability=AVAILABILITY,
                         additional_images_max=ADDITIONAL_IMAGES_MAX)
        # Without a brand and a GTIN Google asks to be told there is none to give.
        if not item["brand"] and not item["gtin"]:
            item["identifier_exists"] = "no"
        items.append(item)
    return items


def _tsv_rows(product: Product) -> list[list[str]]:
    return [[_one_line(value) for value in feed_row(item, COLUMNS)]
            for item in google_items(product)]


# A tab or a line break inside a value would end the cell or the row of a TSV file.
_BREAKS = re.compile("[\t\r\n\v\f]")


def _one_line(text: str) -> str:
    return " ".join(text.split()) if _BREAKS.search(text) else text


class GoogleMerchantTSV:
    name = "google"
    label = "Google Merchant Center (TSV)"
    file_extension = "tsv"
    media_type = "text/tab-separated-values"

    def check(self, product: Product) -> list[Finding]:
        return feed_findings(product, LIMITS)

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        # Through base.write_csv, as every text file a seller may open in Excel: UTF-8 with a
        # byte-order mark (Google reads UTF-8 with or without one; Excel shows Vietnamese right
        # only with it), text that looks like a formula kept as text.
        return write_rows(out, products, self.check, COLUMNS, _tsv_rows, delimiter="\t")


class GoogleMerchantXML(GoogleMerchantTSV):
    name = "google_xml"
    label = "Google Merchant Center (XML)"
    file_extension = "xml"
    media_type = "application/rss+xml"

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        result = ExportResult()
        ready = list(exportable(products, self.check, result))
        # XMLGenerator escapes &, < and > in text and quotes in attributes as it streams.
        xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
        xml.startDocument()
        xml.startElement("rss", {"version": "2.0", "xmlns:g": GOOGLE_NAMESPACE})
        xml.ignorableWhitespace("\n  ")
        xml.startElement("channel", {})
        # RSS 2.0 asks the channel for a title, a link and a description; Google reads none.
        first = ready[0] if ready else None
        site = urlsplit(first.link or "") if first else None
        _element(xml, "title", (first.seller if first else "") or "cho40", depth=2)
        _element(xml, "link", f"{site.scheme}://{site.netloc}" if site and site.netloc else "",
                 depth=2)
        _element(xml, "description", "cho40", depth=2)
        for product in ready:
            for item in google_items(product):
                xml.ignorableWhitespace("\n    ")
                xml.startElement("item", {})
                for column in COLUMNS:
                    values = item.get(column, "")
                    for value in values if isinstance(values, list) else [values]:
                        if value:
                            _element(xml, f"g:{column}", value, depth=3)
                xml.ignorableWhitespace("\n    ")
                xml.endElement("item")
                result.rows += 1
        xml.ignorableWhitespace("\n  ")
        xml.endElement("channel")
        xml.ignorableWhitespace("\n")
        xml.endElement("rss")
        xml.ignorableWhitespace("\n")
        xml.endDocument()
        return result


def _element(xml: XMLGenerator, tag: str, text: str, *, depth: int) -> None:
    xml.ignorableWhitespace("\n" + "  " * depth)
    xml.startElement(tag, {})
    xml.characters(xml_text(text))
    xml.endElement(tag)


EXPORTER = GoogleMerchantTSV()
XML_EXPORTER = GoogleMerchantXML()
