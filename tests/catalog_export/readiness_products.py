"""A cooperative's catalogue the readiness tests share: a complete product, one that breaks
TikTok Shop's rules (an 8-character name, no weight, no photo), one with a photo too small, and a
draft, all stored through the factories."""
from __future__ import annotations

from dataclasses import dataclass

from catalog_export.models import Product, ProductImage, ProductStatus
from tests.factories import TAN_CUONG, make_product, make_vendor
from vendors.models import Vendor, VendorKind

SHORT_NAME = "Chè Xanh"  # 8 characters: TikTok Shop asks for 25
SHORT_NAME_VI = "Tên sản phẩm quá ngắn: tối thiểu 25 ký tự cho TikTok Shop (hiện có 8)."
SHORT_NAME_EN = ("Product name too short: at least 25 characters for TikTok Shop (it has 8).")
SMALL_PHOTO_VI = ("Ảnh nho.jpg nhỏ quá (200×200 px): TikTok Shop cần tối thiểu 300×300 px.")
DESCRIPTION = ("Chè búp Tân Cương hái tay một tôm hai lá, sao bằng chảo gang, nước xanh, vị chát "
               "dịu, hậu ngọt. Bảo quản nơi khô ráo, thoáng mát.")


def make_cooperative(session, name: str = "HTX Chè Tân Cương", ward_code: str = TAN_CUONG,
                     ) -> Vendor:
    return make_vendor(session, None, kind=VendorKind.COOPERATIVE, name=name,
                       ward_code=ward_code)


def add_photo(session, product: Product, name: str, side: int, byte_size: int = 150_000,
              ) -> ProductImage:
    image = ProductImage(product_id=product.id, file_name=name, width=side, height=side,
                         byte_size=byte_size, position=len(product.images))
    session.add(image)
    session.flush()
    return image


@dataclass
class Catalogue:
    complete: Product
    broken: Product  # name too short, no weight, no photo
    small_photo: Product
    draft: Product


def make_catalogue(session, cooperative: Vendor) -> Catalogue:
    common = {"description": DESCRIPTION, "brand": "HTX Chè Tân Cương",
              "google_category_id": 2073, "length_mm": 200, "width_mm": 100, "height_mm": 80}
    complete = make_product(session, cooperative, weight_grams=550, **common,
                            name="Chè búp Tân Cương đặc biệt hộp 500 g loại 1")
    add_photo(session, complete, "tra-1.jpg", 1000)
    broken = make_product(session, cooperative, name=SHORT_NAME, description=DESCRIPTION)
    small_photo = make_product(session, cooperative, weight_grams=300, **common,
                               name="Chè móc câu Tân Cương hộp giấy 250 g")
    add_photo(session, small_photo, "nho.jpg", 200)
    draft = make_product(session, cooperative, name="Chè nháp chưa bán",
                         status=ProductStatus.DRAFT)
    session.commit()
    return Catalogue(complete, broken, small_photo, draft)
