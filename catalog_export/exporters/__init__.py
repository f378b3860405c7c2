"""The registry of platform exporters: one import line and one entry per platform. The CLI,
the pages and the API find exporters here, by name."""
from __future__ import annotations

from catalog_export.exporters import (
    custom,
    google,
    lazada,
    meta,
    sendo,
    shopee,
    shopify,
    tiki,
    tiktok,
    woocommerce,
)
from catalog_export.exporters.base import Exporter

# One line per platform, in the order pages list them.
EXPORTERS: dict[str, Exporter] = {exporter.name: exporter for exporter in (
    shopee.EXPORTER,
    lazada.EXPORTER,
    tiktok.EXPORTER,
    tiki.EXPORTER,
    sendo.EXPORTER,
    google.EXPORTER,  # TSV
    google.XML_EXPORTER,
    meta.EXPORTER,
    shopify.EXPORTER,
    woocommerce.EXPORTER,
    # Column-mapping profiles shipped as data in catalog_export/profiles/ (custom.py).
    custom.shipped_profile("san-tmdt-thai-nguyen.json"),
    custom.shipped_profile("postmart.json"),
)}


def exporter_named(name: str) -> Exporter | None:
    return EXPORTERS.get(name)
