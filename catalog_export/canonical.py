"""The product as every exporter sees it: plain, frozen values built from the database rows, so
that the exporters and their tests need neither Flask nor the database.

Units are the catalogue's own, whole numbers throughout: money in đồng (VND has no minor unit),
weight in grams, package size in millimetres. Each exporter converts to what its platform asks
(kg, cm) where it writes the file. Text is Unicode NFC.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Certification(str, enum.Enum):
    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"


@dataclass(frozen=True)
class Image:
    """A prepared image of the product: `name` is its file name in an images ZIP beside the
    export; `url` its absolute address when the catalogue has a public base URL."""

    name: str
    width: int
    height: int
    bytes: int
    url: str | None = None


@dataclass(frozen=True)
class Variant:
    """One sellable combination: its values on the product's option axes, in axis order."""

    sku: str
    options: tuple[str, ...]
    price: int  # đồng
    stock: int
    weight_grams: int | None = None  # None: the product's weight
    gtin: str | None = None
    image: Image | None = None


@dataclass(frozen=True)
class Product:
    """A product with 0 option axes (one price, stock and SKU of its own) or 1 to 2 axes, with a
    variant for each combination offered; `price`, `stock` and `sku` are then the variants'
    lowest price, total stock and the parent SKU."""

    id: int
    sku: str
    name: str
    description: str
    price: int  # đồng
    stock: int
    brand: str | None = None  # None: sold without a brand ("No brand" where a platform asks)
    google_category_id: int | None = None
    # The Google category's path in English, "Food, Beverages & Tobacco > Beverages > Tea ...".
    google_category_path: str | None = None
    origin: str | None = None  # where it is made, e.g. "Xã Tân Cương, Thái Nguyên"
    weight_grams: int | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    gtin: str | None = None
    option_names: tuple[str, ...] = ()  # the axes, e.g. ("Khối lượng", "Loại")
    variants: tuple[Variant, ...] = ()
    images: tuple[Image, ...] = ()  # the cover first; at most 9
    ocop_stars: int | None = None  # 3, 4 or 5 stars of the OCOP programme
    ocop_year: int | None = None
    certifications: tuple[Certification, ...] = ()
    shelf_life_days: int | None = None
    storage: str | None = None  # "Nơi khô ráo, thoáng mát"
    link: str | None = None  # the product's public page, where a feed asks for one
    seller: str = ""  # the cooperative's name
    extra: dict[str, str] = field(default_factory=dict)  # values a custom profile may name

    @property
    def has_variants(self) -> bool:
        return bool(self.option_names)

    def sellable(self) -> tuple[Variant, ...]:
        """What a row-per-variant file writes: the variants, or the product as its one variant."""
        if self.variants:
            return self.variants
        return (Variant(sku=self.sku, options=(), price=self.price, stock=self.stock,
                        weight_grams=self.weight_grams, gtin=self.gtin),)

    def weight_of(self, variant: Variant) -> int | None:
        return variant.weight_grams if variant.weight_grams is not None else self.weight_grams
