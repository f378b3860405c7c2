"""Exporting a catalogue (catalog_export.exports): real files read back, the history row with
the reasons products were left out, and the ZIP of photos prepared for the platform."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from catalog_export.exporters.shopee import TemplateError
from catalog_export.exports import export_catalog, province_vendor_ids
from catalog_export.models import CatalogExport
from domain_errors import Forbidden, Invalid, NotFound
from tests.catalog_export.export_world import (
    DESCRIPTION,
    TEA_NAME,
    build_export_world,
    shopee_template,
)
from tests.factories import THAI_NGUYEN, THU_DAU_MOT, make_quick_user, make_vendor
from vendors.models import VendorKind

BASE_URL = "https://cho40.example.vn"
TODAY = dt.date.today().isoformat()


@pytest.fixture
def world(session, tmp_path):
    return build_export_world(session, tmp_path / "images")


def export(session, world, tmp_path, platform, **kw):
    options = {"template": None, "public_base_url": None, "with_images_zip": False,
               "images_folder": tmp_path / "images"} | kw
    record = export_catalog(session, world.manager, world.cooperative.id, platform,
                            tmp_path / "out", **options)
    session.commit()
    return record


def shopee_rows(path):
    sheet = load_workbook(path).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    keys = rows[1]
    return [dict(zip(keys, row)) for row in rows[2:]]


def test_a_shopee_export_writes_the_ready_products_and_records_why_others_were_left_out(
        session, world, tmp_path):
    record = export(session, world, tmp_path, "shopee", with_images_zip=True)
    assert record.download_name == f"shopee-htx-che-tan-cuong-{TODAY}.xlsx"
    assert record.output_name == f"export-{record.id}-{record.download_name}"
    rows = shopee_rows(tmp_path / "out" / record.output_name)
    assert [(row["ps_product_name"], row["ps_sku_parent_short"], row["ps_price"]) for row in rows
            ] == [(TEA_NAME, "TCH-001", 120_000)]
    # No public address: the file names the photo in the ZIP beside it.
    assert rows[0]["ps_item_cover_image"] == "TCH-001-1.jpg"
    stored = session.get(CatalogExport, record.id)
    assert (stored.vendor_id, stored.platform, stored.created_by) == (
        world.cooperative.id, "shopee", world.manager.id)
    assert (stored.products_written, stored.rows_written) == (1, 1)
    assert stored.left_out == {str(world.honey.id): [{
        "field": "description", "rule": "description_missing",
        "msgid": "Chưa có mô tả sản phẩm; %(platform)s cần mô tả.",
        "params": {"platform": "Shopee"}}]}
    # The draft is neither written nor counted as left out.
    assert str(world.draft.id) not in stored.left_out
    with zipfile.ZipFile(tmp_path / "out" / f"export-{record.id}-shopee-htx-che-tan-cuong-"
                                            f"{TODAY}-anh.zip") as archive:
        assert sorted(archive.namelist()) == ["MO-002-1.jpg", "TCH-001-1.jpg"]
        photo = Image.open(io.BytesIO(archive.read("TCH-001-1.jpg")))
    # Shopee shows square tiles: the 800x600 photo padded to 800x800 on white, never cropped.
    assert (photo.format, photo.size) == ("JPEG", (800, 800))
    assert photo.convert("RGB").getpixel((400, 10)) == pytest.approx((255, 255, 255), abs=3)
    red = photo.convert("RGB").getpixel((400, 400))
    assert red[0] > 150 and red[1] < 80


def test_the_sellers_shopee_template_is_filled_under_its_own_keys(session, world, tmp_path):
    record = export(session, world, tmp_path, "shopee", template=shopee_template(),
                    public_base_url=BASE_URL)
    workbook = load_workbook(tmp_path / "out" / record.output_name)
    assert workbook.sheetnames == ["Hướng dẫn", "Template"]
    sheet = workbook["Template"]
    assert sheet.cell(row=3, column=2).value == "ps_product_name|1|0"
    row = [cell.value for cell in sheet[7]]
    assert row[1:8] == [TEA_NAME, DESCRIPTION, "TCH-001", 120_000, 10, 0.5,
                        f"{BASE_URL}/catalog/public-images/{world.tea_photo}"]
    assert sheet.max_row == 7
    assert record.products_written == 1 and list(record.left_out) == [str(world.honey.id)]


def test_a_bad_template_is_refused_and_nothing_is_recorded_or_left_behind(session, world,
                                                                          tmp_path):
    with pytest.raises(TemplateError) as refused:
        export(session, world, tmp_path, "shopee", template=b"PK\x03\x04 not a workbook",
               with_images_zip=True)
    assert refused.value.status == 422
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CatalogExport)) == 0
    assert list((tmp_path / "out").iterdir()) == []


def test_a_template_is_refused_for_a_platform_that_takes_none(session, world, tmp_path):
    with pytest.raises(Invalid) as refused:
        export(session, world, tmp_path, "google", template=shopee_template())
    assert "template" in refused.value.fields


def test_a_google_feed_points_at_the_public_photos_and_says_what_it_lacks(session, world,
                                                                           tmp_path):
    record = export(session, world, tmp_path, "google", public_base_url=BASE_URL,
                    with_images_zip=True)
    assert record.download_name == f"google-htx-che-tan-cuong-{TODAY}.tsv"
    text = (tmp_path / "out" / record.output_name).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert rows[0][:6] == ["id", "item_group_id", "title", "description", "link", "image_link"]
    # Each item links to the product's public page and its photo's public address; the honey,
    # with no description, is left out and the history says why.
    link, image_link = rows[0].index("link"), rows[0].index("image_link")
    assert {row[link] for row in rows[1:]} == {f"{BASE_URL}/catalog/public/{world.tea.id}"}
    assert all(row[image_link].startswith(f"{BASE_URL}/catalog/public-images/")
               for row in rows[1:])
    assert record.products_written == 1
    rules = {product_id: {item["rule"] for item in items}
             for product_id, items in record.left_out.items()}
    assert rules == {str(world.honey.id): {"description_missing"}}
    with zipfile.ZipFile(tmp_path / "out" / (record.output_name[:-4] + "-anh.zip")) as archive:
        photo = Image.open(io.BytesIO(archive.read("TCH-001-1.jpg")))
    assert photo.size == (800, 600)  # a feed shows photos as they are: not squared


def test_an_unknown_platform_or_a_vendor_out_of_the_area_is_refused(session, world, tmp_path):
    with pytest.raises(Invalid) as refused:
        export(session, world, tmp_path, "amazon")
    assert "platform" in refused.value.fields
    far = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Xa",
                      ward_code=THU_DAU_MOT)
    session.commit()
    with pytest.raises(NotFound):
        export_catalog(session, world.manager, far.id, "shopee", tmp_path / "out", template=None,
                       public_base_url=None, with_images_zip=False)


def test_a_province_export_is_for_provincial_staff_and_admins_only(session, world, tmp_path):
    provincial = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN))
    session.commit()
    assert province_vendor_ids(session, provincial) == [world.cooperative.id]
    record = export_catalog(session, provincial, None, "shopee", tmp_path / "out",
                            template=None, public_base_url=BASE_URL, with_images_zip=False)
    assert record.vendor_id is None and record.products_written == 1
    assert record.download_name == f"shopee-tinh-thai-nguyen-{TODAY}.xlsx"
    with pytest.raises(Forbidden):
        province_vendor_ids(session, world.manager)
