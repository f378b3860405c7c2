"""A cooperative with products on sale, a draft and stored photos, for the export tests."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from PIL import Image

from accounts.models import Role, User
from accounts.service import Scope
from catalog_export import image_store
from catalog_export.images import process_upload
from catalog_export.models import Product, ProductImage, ProductStatus
from catalog_export.products import create_product
from catalog_export.schemas import ProductInput
from tests.factories import TAN_CUONG, make_product, make_quick_user, make_vendor
from vendors.models import Vendor, VendorKind

TEA_NAME = "Chè búp Tân Cương đặc biệt — ả ã ạ ằ ẳ ẵ ặ Đ"
HONEY_NAME = "Mật ong rừng Định Hóa nguyên chất"
DESCRIPTION = "Chè một tôm hai lá, hái tay, sao chảo gang. " * 3


@dataclass
class ExportWorld:
    cooperative: Vendor
    manager: User
    tea: Product  # on sale, a wide photo (800x600): ready for Shopee
    honey: Product  # on sale, no description: left out
    draft: Product  # a draft with a photo: never exported, its photo never public
    tea_photo: str
    draft_photo: str


def store_photo(folder: Path, size: tuple[int, int], colour=(180, 40, 40)) -> tuple[str, int, int,
                                                                                    int]:
    """A photo stored as an upload is: (file name, width, height, bytes)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    processed = process_upload(out.getvalue())
    name, _thumbnail = image_store.store(folder, processed)
    return name, processed.width, processed.height, len(processed.data)


def add_photo(session, product: Product, folder: Path, size=(800, 600)) -> str:
    name, width, height, size_bytes = store_photo(folder, size)
    session.add(ProductImage(product_id=product.id, file_name=name, position=0, width=width,
                             height=height, byte_size=size_bytes))
    session.flush()
    return name


def build_export_world(session, images_folder: Path) -> ExportWorld:
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE,
                              name="HTX Chè Tân Cương", ward_code=TAN_CUONG)
    manager = make_quick_user(session, Role.COOPERATIVE_MANAGER,
                              Scope(cooperative_id=cooperative.id))
    session.flush()
    tea = make_product(session, cooperative, name=TEA_NAME, sku="TCH-001",
                       description=DESCRIPTION, weight_grams=500)
    # The second product as a manager writes it, through the service.
    honey = create_product(session, manager, cooperative.id, ProductInput().load({
        "name": HONEY_NAME, "sku": "MO-002", "status": "active", "price": "250.000",
        "stock": 5, "weight_grams": 700}))
    draft = make_product(session, cooperative, name="Chè xanh đang soạn thảo", sku="NHAP-1",
                         description=DESCRIPTION, weight_grams=500,
                         status=ProductStatus.DRAFT)
    tea_photo = add_photo(session, tea, images_folder)
    add_photo(session, honey, images_folder, size=(640, 640))
    draft_photo = add_photo(session, draft, images_folder)
    session.commit()
    return ExportWorld(cooperative, manager, tea, honey, draft, tea_photo, draft_photo)


def shopee_template() -> bytes:
    """A Seller Centre template's shape: a guide sheet, then the data sheet with 6 header rows,
    the keys (with their suffixes) on row 3."""
    workbook = Workbook()
    workbook.active.title = "Hướng dẫn"
    sheet = workbook.create_sheet("Template")
    keys = ["ps_category|0|0", "ps_product_name|1|0", "ps_product_description|1|0",
            "ps_sku_parent_short|0|0", "ps_price|1|0", "ps_stock|1|0", "ps_weight|1|0",
            "ps_item_cover_image|1|0"]
    sheet.append(["Mẫu tải lên hàng loạt"])
    sheet.append(["Tên cột"] * len(keys))
    sheet.append(keys)
    for label in ("Bắt buộc", "Quy tắc", "Ví dụ"):
        sheet.append([label] * len(keys))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
