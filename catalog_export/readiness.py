"""The readiness report: each of a vendor's products on sale, checked against each platform's
rules before anything is exported (ready, warnings, errors), and the canonical products every
export reads, built here once.

A service: takes the session and plain values, imports no Flask. Scope is a WHERE clause over
Vendor (accounts.permissions.vendor_scope for a person; true() for the command line).
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from catalog_export import canonical, taxonomy
from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.base import Exporter, Finding, Severity
from catalog_export.models import Product, ProductStatus
from catalog_export.products import to_canonical, visible_vendor
from domain_errors import N_, Invalid, Message
from vendors.models import Vendor

# Where a product's photos are served to the platforms, under the catalogue's public base URL.
PUBLIC_IMAGES_PATH = "/catalog/public-images/"


def category_extra_key(platform: str) -> str:
    """The key of product.extra the platform's exporter reads its own category ID from
    (shopee.SHOPEE_CATEGORY_KEY and the others spell it this way)."""
    return f"{platform}_category_id"


def canonical_images(product: Product, public_base_url: str | None) -> tuple[canonical.Image, ...]:
    """The product's stored photos as exporters read them, the cover first; each has a URL only
    when the catalogue has a public base URL (config PUBLIC_BASE_URL)."""
    base = public_base_url.rstrip("/") if public_base_url else None
    return tuple(
        canonical.Image(name=image.file_name, width=image.width, height=image.height,
                        bytes=image.byte_size,
                        url=f"{base}{PUBLIC_IMAGES_PATH}{image.file_name}" if base else None)
        for image in product.images)


def _category_values(google_id: int | None) -> tuple[str | None, dict[str, str]]:
    """The Google category's English path and, in `extra`, each platform's own category ID where
    the shipped category map has one. An unknown Google ID gives neither: the exporters that
    need a category say so."""
    if google_id is None:
        return None, {}
    found = taxonomy.category(google_id)
    if found is None:
        return None, {}
    extra = {}
    for platform in taxonomy.MAPPED_PLATFORMS:
        mapped = taxonomy.platform_category(platform, google_id)
        if mapped is not None and mapped.id:
            extra[category_extra_key(platform)] = mapped.id
    return found.english_path, extra


def canonical_products(session: Session, scope: ColumnElement[bool], vendor_id: int, *,
                       public_base_url: str | None = None) -> list[canonical.Product]:
    """The vendor's products on sale (drafts and archived ones are never exported), by name, as
    exporters read them. NotFound when `scope` does not cover the vendor."""
    vendor = visible_vendor(session, scope, vendor_id)
    return _products_on_sale(session, vendor.id, public_base_url)


def _products_on_sale(session: Session, vendor_id: int,
                      public_base_url: str | None) -> list[canonical.Product]:
    products = session.scalars(
        select(Product)
        .options(selectinload(Product.variants), selectinload(Product.images))
        .where(Product.vendor_id == vendor_id, Product.status == ProductStatus.ACTIVE)
        .order_by(Product.search_key, Product.id))
    found = []
    for product in products:
        category_path, extra = _category_values(product.google_category_id)
        value = to_canonical(product, images=canonical_images(product, public_base_url),
                             category_path=category_path)
        found.append(dataclasses.replace(value, extra=extra))
    return found


# --- The report -------------------------------------------------------------------------------


class Status(str, enum.Enum):
    READY = "ready"  # nothing to fix
    WARNINGS = "warnings"  # exported, but worth fixing first
    ERRORS = "errors"  # the platform would refuse it: left out of the file


@dataclass(frozen=True)
class Check:
    """One product on one platform: its findings, errors first."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(finding.severity is Severity.ERROR for finding in self.findings)

    @property
    def warnings(self) -> int:
        return sum(finding.severity is Severity.WARNING for finding in self.findings)

    @property
    def status(self) -> Status:
        if self.errors:
            return Status.ERRORS
        return Status.WARNINGS if self.warnings else Status.READY


@dataclass(frozen=True)
class ProductReadiness:
    product: canonical.Product
    checks: dict[str, Check]  # by platform name, in the order of Readiness.platforms

    @property
    def has_problems(self) -> bool:
        return any(check.findings for check in self.checks.values())


@dataclass(frozen=True)
class PlatformCounts:
    ready: int = 0
    warnings: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Readiness:
    vendor: Vendor
    platforms: tuple[Exporter, ...]  # in the registry's order
    products: tuple[ProductReadiness, ...]
    counts: dict[str, PlatformCounts]  # by platform name: products of each status


def exporters_named(names: Sequence[str] | None) -> tuple[Exporter, ...]:
    """The registry's exporters of these names, in the registry's order; every one when None.
    A name the registry does not have is refused with the names it has."""
    if names is None:
        return tuple(EXPORTERS.values())
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise Invalid(fields={"platform": N_(
            "Không có sàn hoặc định dạng «%(name)s»; chọn một trong: %(names)s.",
            name=unknown[0], names=", ".join(EXPORTERS))})
    return tuple(exporter for name, exporter in EXPORTERS.items() if name in names)


def check_products(products: Sequence[canonical.Product], platforms: Sequence[Exporter],
                   ) -> tuple[tuple[ProductReadiness, ...], dict[str, PlatformCounts]]:
    """Each product checked by each platform's exporter, and how many are in each status."""
    rows = []
    tally = {exporter.name: {status: 0 for status in Status} for exporter in platforms}
    for product in products:
        checks = {}
        for exporter in platforms:
            findings = exporter.check(product)
            check = Check(tuple(sorted(findings, key=lambda f: f.severity is not Severity.ERROR)))
            checks[exporter.name] = check
            tally[exporter.name][check.status] += 1
        rows.append(ProductReadiness(product, checks))
    counts = {name: PlatformCounts(ready=by_status[Status.READY],
                                   warnings=by_status[Status.WARNINGS],
                                   errors=by_status[Status.ERRORS])
              for name, by_status in tally.items()}
    return tuple(rows), counts


def readiness(session: Session, scope: ColumnElement[bool], vendor_id: int,
              platforms: Sequence[str] | None = None, *,
              public_base_url: str | None = None) -> Readiness:
    """The report of the vendor's products on sale for the named platforms (every platform when
    None). NotFound outside `scope`; Invalid for a platform the registry does not have."""
    exporters = exporters_named(platforms)
    vendor = visible_vendor(session, scope, vendor_id)
    products = _products_on_sale(session, vendor.id, public_base_url)
    rows, counts = check_products(products, exporters)
    return Readiness(vendor, exporters, rows, counts)


def readiness_document(report: Readiness, render: Callable[[Message], str]) -> dict:
    """The report as plain data (the API's body, the command line's JSON), every sentence put in
    the reader's language by `render` (errors.translate, or i18n.in_language for a locale)."""
    return {
        "vendor_id": report.vendor.id,
        "vendor_name": report.vendor.name,
        "platforms": [
            {"name": exporter.name, "label": exporter.label,
             "file_extension": exporter.file_extension,
             **dataclasses.asdict(report.counts[exporter.name])}
            for exporter in report.platforms],
        "products": [
            {"id": row.product.id, "name": row.product.name, "sku": row.product.sku,
             "platforms": {name: {
                 "status": check.status.value, "errors": check.errors,
                 "warnings": check.warnings,
                 "problems": [{"field": finding.field, "rule": finding.rule,
                               "severity": finding.severity.value,
                               "message": render(finding.message)}
                              for finding in check.findings]}
                 for name, check in row.checks.items()}}
            for row in report.products],
    }
