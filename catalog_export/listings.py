"""Where a product is for sale online, recorded by its manager after uploading it, with the day
the listing began and, once it is taken down, the first day it was no longer there."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import EDIT_CATALOGUE
from audit.service import record, snapshot, vendor_province
from catalog_export.models import ProductListing
from catalog_export.products import visible_products, writable_product
from domain_errors import N_, Conflict, Invalid, NotFound

# What the audit log keeps of a listing.
LOGGED_FIELDS = ("product_id", "platform", "url", "listed_on", "ended_on")


def record_listing(session: Session, user: User, product_id: int, data: dict) -> ProductListing:
    product = writable_product(session, user, product_id)
    if any(listing.platform == data["platform"] and listing.url == data["url"]
           for listing in product.listings):
        raise Conflict(fields={"url": N_("Sản phẩm đã được ghi nhận ở địa chỉ này.")})
    listing = ProductListing(platform=data["platform"], url=data["url"],
                             listed_on=data.get("listed_on") or dt.date.today(),
                             created_by=user.id)
    product.listings.append(listing)
    session.flush()
    record(session, user.id, "listing.record", "listing", listing.id,
           province_code=vendor_province(session, product.vendor_id),
           after=snapshot(listing, LOGGED_FIELDS))
    return listing


def end_listing(session: Session, user: User, listing_id: int, ended_on: dt.date) -> ProductListing:
    EDIT_CATALOGUE.check(user)
    listing = session.scalar(select(ProductListing).join(ProductListing.product)
                             .where(ProductListing.id == listing_id, visible_products(user)))
    if listing is None:
        raise NotFound(N_("Không tìm thấy nơi bán này."))
    if ended_on <= listing.listed_on:
        raise Invalid(fields={"ended_on": N_(
            "Ngày ngừng bán phải sau ngày bắt đầu bán (%(day)s).", day=listing.listed_on.strftime("%d/%m/%Y"))})
    before = snapshot(listing, LOGGED_FIELDS)
    listing.ended_on = ended_on
    session.flush()
    record(session, user.id, "listing.end", "listing", listing.id,
           province_code=vendor_province(session, listing.product.vendor_id), before=before,
           after=snapshot(listing, LOGGED_FIELDS))
    return listing
