"""Reading cooperatives' catalogues."""
from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from catalog_export.models import Product
from vendors.models import Vendor, VendorKind


def products_of(session: Session, vendor_id: int) -> list[Product]:
    stmt = (
        select(Product)
        .where(Product.vendor_id == vendor_id)
        .options(selectinload(Product.variants), selectinload(Product.images))
        .order_by(Product.name)
    )
    return list(session.scalars(stmt))


def cooperatives(session: Session, scope: ColumnElement[bool]) -> list[Vendor]:
    stmt = select(Vendor).where(Vendor.kind == VendorKind.COOPERATIVE, scope).order_by(Vendor.name)
    return list(session.scalars(stmt))
