"""A product's photos: added from the phone's camera (checked, turned upright, stripped of their
metadata and stored), put in order with the cover first, removed, and read back by those who may
see the product."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import EDIT_CATALOGUE
from catalog_export import image_store
from catalog_export.images import process_upload
from catalog_export.models import Product, ProductImage
from catalog_export.products import visible_products, writable_product
from catalog_export.schemas import MAX_IMAGES
from domain_errors import N_, Invalid, NotFound


def add_image(session: Session, user: User, product_id: int, data: bytes,
              folder: Path) -> ProductImage:
    """The photo, processed and stored, as the product's last image (its cover if it is the
    first). A file that is not a usable picture is refused before anything is written."""
    product = writable_product(session, user, product_id)
    processed = process_upload(data)  # before the lock below: decoding takes a while
    # Uploads sent at once are counted one after the other (a row lock on PostgreSQL; SQLite
    # writes one at a time anyway), so together they cannot pass the cap.
    session.execute(select(Product.id).where(Product.id == product.id).with_for_update())
    session.refresh(product, ["images"])
    if len(product.images) >= MAX_IMAGES:
        raise Invalid(fields={"photo": N_("Mỗi sản phẩm có tối đa %(max)s ảnh; hãy xoá bớt ảnh "
                                          "trước khi thêm.", max=MAX_IMAGES)})
    file_name, thumbnail_name = image_store.store(folder, processed)
    image = ProductImage(file_name=file_name, thumbnail_name=thumbnail_name,
                         position=len(product.images), width=processed.width,
                         height=processed.height, byte_size=len(processed.data))
    product.images.append(image)
    session.flush()
    return image


def move_image(session: Session, user: User, image_id: int, position: int) -> ProductImage:
    """Put the photo at `position` (0 is the cover) and renumber the others in their order."""
    image = _writable_image(session, user, image_id)
    others = [other for other in image.product.images if other.id != image.id]
    position = max(0, min(position, len(others)))
    for index, each in enumerate(others[:position] + [image] + others[position:]):
        each.position = index
    session.flush()
    return image


def remove_image(session: Session, user: User, image_id: int) -> tuple[int, tuple[str, ...]]:
    """Take the photo off its product; returns the product's id and the names of the files to
    delete once that is committed (image_store.remove), so a failed commit loses no photo."""
    image = _writable_image(session, user, image_id)
    product = image.product
    product.images.remove(image)
    for index, each in enumerate(product.images):
        each.position = index
    session.flush()
    return product.id, (image.file_name, image.thumbnail_name or "")


def image_path(session: Session, user: User, image_id: int, folder: Path, *,
               thumbnail: bool = False) -> Path:
    """The stored file of a photo of a product the user sees (drafts to editors only)."""
    image = session.scalar(select(ProductImage).join(ProductImage.product)
                           .where(ProductImage.id == image_id, visible_products(user)))
    name = image and (image.thumbnail_name if thumbnail else image.file_name)
    path = image_store.path_of(folder, name) if name else None
    if path is None:
        raise NotFound(N_("Không tìm thấy ảnh này."))
    return path


def _writable_image(session: Session, user: User, image_id: int) -> ProductImage:
    EDIT_CATALOGUE.check(user)  # by role first: a refusal says nothing of the record
    image = session.scalar(select(ProductImage).join(ProductImage.product)
                           .where(ProductImage.id == image_id, visible_products(user)))
    if image is None:
        raise NotFound(N_("Không tìm thấy ảnh này."))
    return image
