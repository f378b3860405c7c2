"""What the exporters for online shops and product feeds (Google, Meta, Shopify, WooCommerce)
share: images and product pages by public address, option axes named as the feed attributes
Google and Meta define, and variants that each make one row of their own."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from catalog_export.canonical import Image, Product, Variant
from catalog_export.exporters.base import (
    ExportResult,
    Finding,
    Limits,
    Severity,
    exportable,
    shared_findings,
)
from domain_errors import N_
from spreadsheets import write_csv
from textnorm import search_key

# The variant attributes of Google's and Meta's feeds, and the option names sellers write for
# them (in search_key form: lower case, without diacritics). An axis whose name is not here is
# written as a custom label. Sources: Google's product data specification (the attributes
# variants of one item_group_id may differ by); Meta's catalogue field list.
VARIANT_ATTRIBUTES = ("size", "color", "material", "pattern")
ATTRIBUTE_OF_OPTION_NAME = {
    "khoi luong": "size", "trong luong": "size", "dung tich": "size", "the tich": "size",
    "kich co": "size", "kich thuoc": "size", "co": "size", "size": "size",
    "mau": "color", "mau sac": "color", "color": "color", "colour": "color",
    "chat lieu": "material", "material": "material",
    "hoa van": "pattern", "hoa tiet": "pattern", "pattern": "pattern",
}
CUSTOM_LABELS = ("custom_label_0", "custom_label_1")

# XML 1.0 allows no control characters but tab, line feed and carriage return.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Characters an address may carry as they are (RFC 3986 reserved and unreserved, and % for
# what is already escaped); spaces and Vietnamese letters are percent-encoded, as platforms
# fetch only such addresses.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


# The same few axes and image addresses come back on every variant's row: each worked out once.
@lru_cache(maxsize=1024)
def option_attributes(option_names: tuple[str, ...]) -> tuple[str, ...]:
    """The feed attribute each option axis is written as, in axis order: the attribute its name
    stands for (the first axis that claims it), else the next custom label."""
    taken: set[str] = set()
    labels = iter(CUSTOM_LABELS)
    attributes = []
    for option_name in option_names:
        attribute = ATTRIBUTE_OF_OPTION_NAME.get(search_key(option_name))
        if attribute is None or attribute in taken:
            attribute = next(labels)
        taken.add(attribute)
        attributes.append(attribute)
    return tuple(attributes)


def variant_title(product: Product, variant: Variant) -> str:
    """The product's name, with the variant's option values: "Chè búp Tân Cương - 500 g"."""
    if not variant.options:
        return product.name
    return f"{product.name} - {', '.join(variant.options)}"


def price_text(dong: int) -> str:
    """A price as Google and Meta read it: number, space, ISO 4217 code: "125000 VND"."""
    return f"{dong} VND"


@lru_cache(maxsize=4096)
def public_url(url: str) -> str:
    """The address with spaces and non-ASCII letters percent-encoded (UTF-8)."""
    return quote(url, safe=_URL_SAFE)


@lru_cache(maxsize=4096)
def is_public_address(url: str | None) -> bool:
    """An absolute http(s) address: what a platform can fetch an image or a page from."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def xml_text(text: str) -> str:
    """Text an XML file can carry: without the control characters XML 1.0 forbids."""
    return _NOT_IN_XML.sub("", text)


def images_with_address(product: Product, variant: Variant | None = None) -> list[Image]:
    """The images a platform can fetch, the variant's own first, each once."""
    images = [variant.image] if variant is not None and variant.image is not None else []
    images += [image for image in product.images if image not in images]
    return [image for image in images if is_public_address(image.url)]


def image_address_findings(product: Product, platform: str,
                           severity: Severity) -> list[Finding]:
    """An image without a public address: a feed cannot show it (ERROR); a shop leaves it out of
    the file, to be added by hand (WARNING)."""
    images = list(product.images)
    images += [v.image for v in product.variants if v.image is not None and v.image not in images]
    return [Finding(product.id, "images", "image_address_missing", severity, N_(
        "Ảnh %(name)s chưa có địa chỉ công khai (http:// hoặc https://); %(platform)s chỉ "
        "nhận ảnh qua địa chỉ công khai.", name=image.name, platform=platform))
        for image in images if not is_public_address(image.url)]


def link_findings(product: Product, platform: str) -> list[Finding]:
    """A feed's item leads to the product's page on the seller's own site."""
    if is_public_address(product.link):
        return []
    return [Finding(product.id, "link", "link_missing", Severity.ERROR, N_(
        "Chưa có địa chỉ trang sản phẩm (http:// hoặc https://); %(platform)s cần liên kết "
        "đến trang bán sản phẩm.", platform=platform))]


def row_identity_findings(product: Product, platform: str, *,
                          parent_has_own_row: bool = False) -> list[Finding]:
    """Each variant is one row and one item: its SKU and its combination of option values must
    be its own (the platforms merge or refuse repeats). Where the parent is a row of its own
    (WooCommerce), its SKU too."""
    findings = []
    skus = [variant.sku for variant in product.variants]
    if parent_has_own_row and product.variants:
        skus.append(product.sku)
    for sku, count in Counter(skus).items():
        if count > 1:
            findings.append(Finding(product.id, "sku", "sku_repeated", Severity.ERROR, N_(
                "Mã SKU «%(sku)s» dùng %(count)s lần trong một sản phẩm; %(platform)s cần mỗi "
                "phân loại một mã riêng.", sku=sku, count=count, platform=platform)))
    for options, count in Counter(v.options for v in product.variants).items():
        if count > 1:
            findings.append(Finding(product.id, "variants", "options_repeated", Severity.ERROR, N_(
                "Phân loại «%(options)s» lặp lại %(count)s lần; %(platform)s cần mỗi phân loại "
                "khác nhau.", options=", ".join(options), count=count, platform=platform)))
    return findings


def variant_title_findings(product: Product, limits: Limits) -> list[Finding]:
    """A variant's title is the name with its option values (variant_title); the shared rule
    measures the name alone, so a variant can still pass the platform's limit."""
    if limits.name_max is None or len(product.name) > limits.name_max:
        return []  # no limit, or the shared rule already says so
    return [Finding(product.id, "name", "variant_title_too_long", Severity.ERROR, N_(
        "Tên kèm phân loại «%(title)s» dài %(length)s ký tự: tối đa %(max)s cho %(platform)s.",
        title=title, length=len(title), max=limits.name_max, platform=limits.platform))
        for title in (variant_title(product, v) for v in product.variants)
        if len(title) > limits.name_max]


def group_id_findings(product: Product, limits: Limits) -> list[Finding]:
    """The product's SKU groups its variants (item_group_id): the platform's SKU limit holds for
    it too; the shared rule measures the variants' own SKUs."""
    if not product.has_variants or limits.sku_max is None or len(product.sku) <= limits.sku_max:
        return []
    return [Finding(product.id, "sku", "group_sku_too_long", Severity.ERROR, N_(
        "Mã SKU sản phẩm «%(sku)s» quá dài: tối đa %(max)s ký tự cho %(platform)s.",
        sku=product.sku, max=limits.sku_max, platform=limits.platform))]


def feed_findings(product: Product, limits: Limits) -> list[Finding]:
    """The findings of a product for a feed of one item per variant (Google, Meta)."""
    return (shared_findings(product, limits)
            + link_findings(product, limits.platform)
            # A feed shows images only from their address: without one the item has none.
            + image_address_findings(product, limits.platform, Severity.ERROR)
            + row_identity_findings(product, limits.platform)
            + variant_title_findings(product, limits)
            + group_id_findings(product, limits))


def feed_item(product: Product, variant: Variant, *, availability: tuple[str, str],
              additional_images_max: int) -> dict[str, str | list[str]]:
    """One item of a Google or Meta feed, by attribute name; `availability` is how the platform
    spells (in stock, out of stock). Attributes without a value are empty."""
    images = images_with_address(product, variant)
    item: dict[str, str | list[str]] = dict.fromkeys(
        ("item_group_id", "link", "image_link", "brand", "gtin", "google_product_category",
         *VARIANT_ATTRIBUTES, *CUSTOM_LABELS), "")
    item.update({
        "id": variant.sku,
        "title": variant_title(product, variant),
        "description": product.description,
        "availability": availability[0] if variant.stock > 0 else availability[1],
        "condition": "new",
        "price": price_text(variant.price),
        "additional_image_link": [public_url(image.url) for image in
                                  images[1:1 + additional_images_max]],
    })
    if product.has_variants:
        item["item_group_id"] = product.sku
    if product.link:
        item["link"] = public_url(product.link.strip())
    if images:
        item["image_link"] = public_url(images[0].url)
    if product.brand:
        item["brand"] = product.brand
    if variant.gtin:
        item["gtin"] = variant.gtin
    if product.google_category_id is not None:
        item["google_product_category"] = str(product.google_category_id)
    for attribute, value in zip(option_attributes(product.option_names), variant.options):
        item[attribute] = value
    return item


def write_rows(out: BinaryIO, products: Iterable[Product],
               check: Callable[[Product], list[Finding]], columns: Sequence[str],
               rows_of: Callable[[Product], Iterable[Sequence[object]]], *,
               delimiter: str = ",") -> ExportResult:
    """The rows of each product without errors, written by base.write_csv; the others noted in
    the result as left out."""
    result = ExportResult()
    rows = (row for product in exportable(products, check, result) for row in rows_of(product))
    result.rows = write_csv(out, columns, rows, delimiter=delimiter)
    return result


def feed_row(item: dict[str, str | list[str]], columns: Sequence[str]) -> list[str]:
    """An item as a row of a CSV or TSV feed: lists of addresses joined by commas, as Google and
    Meta read them; attributes the item lacks empty."""
    values = (item.get(column, "") for column in columns)
    return [",".join(value) if isinstance(value, list) else value for value in values]
