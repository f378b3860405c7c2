"""A vendor's catalogue (usually a cooperative's): products, their variants and images, where
each is listed for sale, and the files exported for the platforms."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import UTCDateTime, db, enum_column, utcnow
from vendors.models import Vendor


class ProductStatus(str, enum.Enum):
    DRAFT = "draft"  # being written: seen only by those who edit the catalogue
    ACTIVE = "active"  # for sale: exported
    ARCHIVED = "archived"  # no longer sold; kept, never deleted, for the history of listings


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("vendor_id", "sku"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("ocop_stars BETWEEN 3 AND 5", name="ocop_stars_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    status: Mapped[ProductStatus] = mapped_column(enum_column(ProductStatus),
                                                  default=ProductStatus.DRAFT)
    sku: Mapped[str] = mapped_column(String(64))  # the parent SKU, unique within the vendor
    name: Mapped[str] = mapped_column(String(255))
    search_key: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str | None] = mapped_column(String(100))  # None: sold without a brand
    # Google product taxonomy ID, the category every platform's category is mapped from.
    google_category_id: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(200))
    # A product without option axes has its own price, stock and weight; one with axes has them
    # per variant (price and stock here are then unused).
    price: Mapped[int] = mapped_column(BigInteger, default=0)  # đồng
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    length_mm: Mapped[int | None] = mapped_column(Integer)
    width_mm: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    gtin: Mapped[str | None] = mapped_column(String(14))
    option_names: Mapped[list] = mapped_column(JSON, default=list)  # 0 to 2 axes, in order
    ocop_stars: Mapped[int | None] = mapped_column(SmallInteger)
    ocop_year: Mapped[int | None] = mapped_column(SmallInteger)
    certifications: Mapped[list] = mapped_column(JSON, default=list)  # canonical.Certification
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    storage: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    vendor: Mapped[Vendor] = relationship()
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product", order_by="ProductVariant.position, ProductVariant.id",
        cascade="all, delete-orphan",
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position, ProductImage.id",
        cascade="all, delete-orphan",
    )
    listings: Mapped[list[ProductListing]] = relationship(
        back_populates="product", order_by="ProductListing.listed_on"
    )


class ProductVariant(db.Model):
    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("product_id", "sku"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str] = mapped_column(String(64))
    # Option name -> value, e.g. {"Khối lượng": "500 g", "Loại": "Loại 1"}.
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    price: Mapped[int] = mapped_column(BigInteger)  # đồng
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    gtin: Mapped[str | None] = mapped_column(String(14))

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(db.Model):
    """A photo, processed on upload and stored outside the static folder under a random name."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    thumbnail_name: Mapped[str | None] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)  # 0 is the cover
    alt_text: Mapped[str | None] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    byte_size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")


class ProductListing(db.Model):
    """Where a product is for sale online, as its manager recorded after uploading it."""

    __tablename__ = "product_listings"
    __table_args__ = (UniqueConstraint("product_id", "platform", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    platform: Mapped[str] = mapped_column(String(50))
    url: Mapped[str] = mapped_column(String(500))
    listed_on: Mapped[dt.date] = mapped_column(Date)
    # The first day it was no longer listed; None while it is.
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="listings")


class CatalogExport(db.Model):
    """A file exported for a platform: who, when, for which vendor, what was left out and why."""

    __tablename__ = "catalog_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"), index=True)
    platform: Mapped[str] = mapped_column(String(50))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    products_written: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    # {product id: [{"field", "rule", "msgid", "params"}]}: the errors that kept each out.
    left_out: Mapped[dict] = mapped_column(JSON, default=dict)
    output_name: Mapped[str | None] = mapped_column(String(255))
    download_name: Mapped[str | None] = mapped_column(String(255))
