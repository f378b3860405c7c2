"""What every platform exporter is and shares: the findings of a readiness check, the result of
an export, the rules several platforms share (written once here, with each platform's limits as
its own data). Writing the files themselves is spreadsheets.py's.

No Flask, no database: an exporter takes canonical Products and writes bytes.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar, Protocol

from catalog_export.canonical import Image, Product
from domain_errors import N_, Message, Money


class Severity(str, enum.Enum):
    ERROR = "error"  # the platform refuses the product: it is left out of the file
    WARNING = "warning"  # accepted, but worth fixing (fewer sales, a manual step at upload)


@dataclass(frozen=True)
class Finding:
    """One problem of one product for one platform. `field` names the canonical field at fault
    ("name", "images", "variants"); `rule` is a stable code for programs; `message` says the
    field, the rule and the limit to a person, in the catalogue's languages."""

    product_id: int
    field: str
    rule: str
    severity: Severity
    message: Message


@dataclass
class ExportResult:
    """What an export wrote: the products in the file, and those left out with their errors."""

    written: list[int] = field(default_factory=list)
    left_out: dict[int, list[Finding]] = field(default_factory=dict)
    rows: int = 0


class Exporter(Protocol):
    """A platform's exporter: one module in catalog_export/exporters/, listed in the registry."""

    name: ClassVar[str]  # the registry's key and the CLI's --platform value: "shopee"
    label: ClassVar[str]  # the platform's name as people write it: "Shopee"
    file_extension: ClassVar[str]  # "xlsx", "csv", "tsv", "xml"
    media_type: ClassVar[str]

    def check(self, product: Product) -> list[Finding]:
        """Every problem of the product for this platform, errors and warnings."""

    def write(self, products: Iterable[Product], out: BinaryIO, *,
              template: bytes | None = None) -> ExportResult:
        """Write the file of the products without errors into `out`; `template` is a file the
        seller downloaded from the platform, for the exporters that fill one in."""


# --- Rules several platforms share, each with the platform's own limits ------------------------


@dataclass(frozen=True)
class Limits:
    """A platform's limits; None where it sets none. Money in đồng, sizes in pixels and bytes."""

    platform: str  # the platform's name, as the messages say it
    name_min: int | None = None
    name_max: int | None = None
    description_max: int | None = None
    price_min: int = 1
    price_max: int | None = None
    images_min: int = 1
    images_max: int | None = None
    image_min_side: int | None = None
    image_max_side: int | None = None
    image_max_bytes: int | None = None
    weight_required: bool = False
    weight_min_grams: int | None = None
    weight_max_grams: int | None = None
    size_required: bool = False
    option_axes_max: int = 2
    variants_max: int | None = None
    sku_max: int | None = None
    category_required: bool = False
    brand_required: bool = False


def shared_findings(product: Product, limits: Limits) -> list[Finding]:
    """The findings of the rules every platform states the same way, each with `limits`."""
    findings: list[Finding] = []

    def add(field_name: str, rule: str, message: Message,
            severity: Severity = Severity.ERROR) -> None:
        findings.append(Finding(product.id, field_name, rule, severity, message))

    platform = limits.platform
    length = len(product.name)
    if limits.name_min is not None and length < limits.name_min:
        add("name", "name_too_short", N_(
            "Tên sản phẩm quá ngắn: tối thiểu %(min)s ký tự cho %(platform)s (hiện có "
            "%(length)s).", min=limits.name_min, platform=platform, length=length))
    if limits.name_max is not None and length > limits.name_max:
        add("name", "name_too_long", N_(
            "Tên sản phẩm quá dài: tối đa %(max)s ký tự cho %(platform)s (hiện có %(length)s).",
            max=limits.name_max, platform=platform, length=length))
    if limits.description_max is not None and len(product.description) > limits.description_max:
        add("description", "description_too_long", N_(
            "Mô tả quá dài: tối đa %(max)s ký tự cho %(platform)s (hiện có %(length)s).",
            max=limits.description_max, platform=platform, length=len(product.description)))
    if not product.description.strip():
        add("description", "description_missing", N_(
            "Chưa có mô tả sản phẩm; %(platform)s cần mô tả.", platform=platform))
    for variant in product.sellable():
        if variant.price < limits.price_min or (
                limits.price_max is not None and variant.price > limits.price_max):
            add("price", "price_out_of_range", N_(
                "Giá %(price)s (%(sku)s) ngoài khoảng %(platform)s nhận: %(min)s đến %(max)s.",
                price=Money(variant.price), sku=variant.sku, platform=platform,
                min=Money(limits.price_min),
                max=Money(limits.price_max) if limits.price_max is not None else "∞"))
        if limits.sku_max is not None and len(variant.sku) > limits.sku_max:
            add("sku", "sku_too_long", N_(
                "Mã SKU «%(sku)s» quá dài: tối đa %(max)s ký tự cho %(platform)s.",
                sku=variant.sku, max=limits.sku_max, platform=platform))
        weight = product.weight_of(variant)
        if weight is None:
            if limits.weight_required:
                add("weight_grams", "weight_missing", N_(
                    "Chưa có khối lượng (%(sku)s); %(platform)s cần khối lượng để tính phí "
                    "vận chuyển.", sku=variant.sku, platform=platform))
        elif (limits.weight_min_grams is not None and weight < limits.weight_min_grams) or (
                limits.weight_max_grams is not None and weight > limits.weight_max_grams):
            add("weight_grams", "weight_out_of_range", N_(
                "Khối lượng %(weight)s g (%(sku)s) ngoài khoảng %(platform)s nhận: %(min)s đến "
                "%(max)s g.", weight=weight, sku=variant.sku, platform=platform,
                min=limits.weight_min_grams or 0, max=limits.weight_max_grams or "∞"))
    if limits.size_required and None in (product.length_mm, product.width_mm, product.height_mm):
        add("package_size", "size_missing", N_(
            "Chưa có kích thước đóng gói (dài, rộng, cao); %(platform)s cần để tính phí vận "
            "chuyển.", platform=platform))
    if len(product.images) < limits.images_min:
        add("images", "images_missing", N_(
            "Cần ít nhất %(min)s ảnh sản phẩm cho %(platform)s.", min=limits.images_min,
            platform=platform))
    if limits.images_max is not None and len(product.images) > limits.images_max:
        add("images", "too_many_images", N_(
            "%(platform)s nhận tối đa %(max)s ảnh; %(extra)s ảnh cuối sẽ không được đưa lên.",
            platform=platform, max=limits.images_max,
            extra=len(product.images) - limits.images_max), Severity.WARNING)
    for image in product.images:
        findings += _image_findings(product.id, image, limits)
    if len(product.option_names) > limits.option_axes_max:
        add("variants", "too_many_option_axes", N_(
            "%(platform)s nhận tối đa %(max)s nhóm phân loại (sản phẩm có %(count)s).",
            platform=platform, max=limits.option_axes_max, count=len(product.option_names)))
    if limits.variants_max is not None and len(product.variants) > limits.variants_max:
        add("variants", "too_many_variants", N_(
            "%(platform)s nhận tối đa %(max)s phân loại (sản phẩm có %(count)s).",
            platform=platform, max=limits.variants_max, count=len(product.variants)))
    if limits.category_required and product.google_category_id is None:
        add("category", "category_missing", N_(
            "Chưa chọn ngành hàng; %(platform)s cần ngành hàng.", platform=platform))
    if limits.brand_required and not product.brand:
        add("brand", "brand_missing", N_(
            "Chưa có thương hiệu; %(platform)s cần thương hiệu (hoặc «Không thương hiệu»).",
            platform=platform), Severity.WARNING)
    if product.gtin is not None and not gtin_is_valid(product.gtin):
        add("gtin", "gtin_invalid", N_(
            "Mã vạch GTIN «%(gtin)s» sai (cần 8, 12, 13 hoặc 14 chữ số với chữ số kiểm tra "
            "đúng).", gtin=product.gtin))
    return findings


def _image_findings(product_id: int, image: Image, limits: Limits) -> list[Finding]:
    findings = []
    side = min(image.width, image.height)
    if limits.image_min_side is not None and side < limits.image_min_side:
        findings.append(Finding(product_id, "images", "image_too_small", Severity.ERROR, N_(
            "Ảnh %(name)s nhỏ quá (%(width)s×%(height)s px): %(platform)s cần tối thiểu "
            "%(min)s×%(min)s px.", name=image.name, width=image.width, height=image.height,
            platform=limits.platform, min=limits.image_min_side)))
    if limits.image_max_side is not None and max(image.width, image.height) > limits.image_max_side:
        findings.append(Finding(product_id, "images", "image_too_wide", Severity.ERROR, N_(
            "Ảnh %(name)s lớn quá (%(width)s×%(height)s px): %(platform)s nhận tối đa %(max)s px "
            "mỗi cạnh.", name=image.name, width=image.width, height=image.height,
            platform=limits.platform, max=limits.image_max_side)))
    if limits.image_max_bytes is not None and image.bytes > limits.image_max_bytes:
        findings.append(Finding(product_id, "images", "image_too_large", Severity.ERROR, N_(
            "Ảnh %(name)s nặng %(size)s KB: %(platform)s nhận tối đa %(max)s KB.",
            name=image.name, size=image.bytes // 1024, platform=limits.platform,
            max=limits.image_max_bytes // 1024)))
    return findings


def gtin_is_valid(code: str) -> bool:
    """GS1's check digit over a GTIN-8, -12, -13 or -14."""
    if len(code) not in (8, 12, 13, 14) or not code.isascii() or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def errors_of(findings: Sequence[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity is Severity.ERROR]


def exportable(products: Iterable[Product], check: Callable[[Product], list[Finding]],
               result: ExportResult) -> Iterator[Product]:
    """The products without errors, in order, each noted in result.written as it is handed on
    (a file is written as the products come, never holding them all); the others go into
    result.left_out with their errors."""
    for product in products:
        errors = errors_of(check(product))
        if errors:
            result.left_out[product.id] = errors
        else:
            result.written.append(product.id)
            yield product


def kilograms(grams: int | None) -> str:
    """Grams as kilograms with a decimal point and no trailing zeros: 250 -> "0.25"."""
    if grams is None:
        return ""
    whole, rest = divmod(grams, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") if rest else str(whole)


def centimetres(millimetres: int | None, *, whole: bool = False) -> str:
    """Millimetres as centimetres with a decimal point: 105 -> "10.5", or rounded up to a whole
    centimetre (a parcel never measures less than it is)."""
    if millimetres is None:
        return ""
    if whole:
        return str(-(-millimetres // 10))
    cm, mm = divmod(millimetres, 10)
    return f"{cm}.{mm}" if mm else str(cm)
