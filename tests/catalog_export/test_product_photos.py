"""Photos from the phone on the product page: turned upright and stripped of metadata, refused
with a reason when they are not usable pictures, put in order, removed, and shown only to those
who may see the product."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from accounts.models import Role
from accounts.service import Scope
from catalog_export.models import ProductImage, ProductStatus
from tests.api_area import refused
from tests.factories import (
    TAN_CUONG,
    login,
    make_product,
    make_product_image,
    make_quick_user,
    make_vendor,
)
from vendors.models import VendorKind


@pytest.fixture
def shop(app, client, session, tmp_path):
    app.config["PRODUCT_IMAGES_DIR"] = str(tmp_path / "images")
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè",
                              ward_code=TAN_CUONG)
    product = make_product(session, cooperative, name="Chè búp Tân Cương",
                           status=ProductStatus.DRAFT)
    manager = make_quick_user(session, Role.COOPERATIVE_MANAGER,
                              Scope(cooperative_id=cooperative.id))
    session.commit()
    assert login(client, manager.username).status_code == 302
    return product, tmp_path / "images"


def rotated_photo() -> bytes:
    """A 60x40 photo whose top-left is red, with EXIF saying "turn 90° clockwise" and a GPS tag."""
    image = Image.new("RGB", (60, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned
    exif[0x8825] = {2: (21.0, 35.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upload(client, product, data: bytes, name="anh.jpg"):
    return client.post(f"/catalog/products/{product.id}/images",
                       data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_turned_phone_photo_is_stored_upright_without_its_metadata(client, session, shop):
    product, folder = shop
    assert upload(client, product, rotated_photo()).status_code == 303
    (image,) = session.scalars(select(ProductImage)).all()
    assert (image.width, image.height) == (40, 60)
    served = client.get(f"/catalog/images/{image.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"].startswith("private")
    picture = Image.open(io.BytesIO(served.data))
    assert picture.size == (40, 60)
    assert picture.getpixel((35, 3))[0] > 200  # the red corner is now top-right
    assert not picture.getexif()
    assert client.get(f"/catalog/images/{image.id}/thumbnail").status_code == 200
    assert sorted(path.stat().st_mode & 0o777 for path in folder.iterdir()) == [0o600, 0o600]


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height pixels, with hardly any data."""
    def chunk(kind, payload):
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, status, message", [
    ("Bảng giá chè".encode(), 422, "không phải ảnh"),
    (bomb_png(30_000, 30_000), 422, "quá nhiều điểm ảnh"),
    (b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024), 413, None),
])
def test_an_unusable_file_is_refused_and_nothing_is_kept(client, session, shop, data, status,
                                                        message):
    product, folder = shop
    answer = upload(client, product, data)
    assert answer.status_code == status
    if message:
        assert message in answer.get_data(as_text=True)
    assert session.scalars(select(ProductImage)).all() == []
    assert not folder.exists() or not any(folder.iterdir())


def test_photos_are_put_in_order_and_removed_with_their_files(client, session, shop):
    product, folder = shop
    first, second, third = (make_product_image(session, product, folder, colour=(i, 0, 0))
                            for i in (10, 20, 30))
    session.commit()
    assert client.post(f"/catalog/images/{third.id}/move", data={"position": "0"}).status_code == 303
    session.expire_all()
    assert [i.id for i in sorted(session.get(type(product), product.id).images,
                                 key=lambda i: i.position)] == [third.id, first.id, second.id]
    assert client.post(f"/catalog/images/{first.id}/delete").status_code == 303
    session.expire_all()
    assert [i.id for i in session.get(type(product), product.id).images] == [third.id, second.id]
    assert len(list(folder.iterdir())) == 4  # two photos and their thumbnails


def test_a_drafts_photos_are_not_shown_to_read_only_staff(app, session, shop):
    product, folder = shop
    image = make_product_image(session, product, folder)
    staff = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    assert client.get(f"/catalog/images/{image.id}").status_code == 404


def test_photos_through_the_api(app, client, area, session, tmp_path):
    app.config["PRODUCT_IMAGES_DIR"] = str(tmp_path / "api-images")
    product = make_product(session, area.cooperative)
    session.commit()
    auth = area.auth(Role.COOPERATIVE_MANAGER)
    added = [client.post(f"/api/v1/products/{product.id}/images", headers=auth,
                         data={"photo": (io.BytesIO(rotated_photo()), "a.jpg")},
                         content_type="multipart/form-data") for _ in range(2)]
    assert [a.status_code for a in added] == [201, 201]
    first, second = (a.get_json() for a in added)
    assert (first["width"], first["height"], first["position"]) == (40, 60, 0)
    moved = client.post(f"/api/v1/images/{second['id']}/move", headers=auth, json={"position": 0})
    assert moved.get_json()["position"] == 0
    refused(client.post(f"/api/v1/products/{product.id}/images", headers=auth,
                        data={"photo": (io.BytesIO(b"not a picture"), "a.jpg")},
                        content_type="multipart/form-data"), 422, "không phải ảnh")
    assert client.delete(f"/api/v1/images/{first['id']}", headers=auth).status_code == 204
    assert len(list((tmp_path / "api-images").iterdir())) == 2
