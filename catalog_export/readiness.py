"""The readiness report: each of a vendor's products on sale, checked against each platform's
rules before anything is exported (ready, warnings, errors), on the same canonical products an
export writes (catalog_export.export_rows).

A service: takes the session and plain values, imports no Flask. Scope is a WHERE clause over
Vendor (accounts.permissions.vendor_scope for a person; true() for the command line).
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from catalog_export import canonical
from catalog_export.export_rows import export_products
from catalog_export.exporters import EXPORTERS
from catalog_export.exporters.base import Exporter, Finding, Severity
from catalog_export.products import visible_vendor
from domain_errors import N_, Invalid, Message
from vendors.models import Vendor


def canonical_products(session: Session, scope: ColumnElement[bool], vendor_id: int, *,
                       public_base_url: str | None = None) -> list[canonical.Product]:
    """The vendor's products on sale (drafts and archived ones are never exported), by name, as
    exporters read them. NotFound when `scope` does not cover the vendor."""
    vendor = visible_vendor(session, scope, vendor_id)
    return export_products(session, [vendor.id], public_base_url)


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
    products = export_products(session, [vendor.id], public_base_url)
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
