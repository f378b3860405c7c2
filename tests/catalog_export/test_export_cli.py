"""`flask catalog export`: a file and an images ZIP written where asked, recorded in the
vendor's history; bad input exits 2 with the reason. The command is invoked on its own here:
the integrator adds it to the "catalog" group."""
from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from catalog_export.export_cli import export_command
from catalog_export.models import CatalogExport
from tests.catalog_export.export_world import TEA_NAME, build_export_world, shopee_template


@pytest.fixture
def world(app, session, tmp_path):
    app.config.update(PRODUCT_IMAGES_DIR=str(tmp_path / "images"), PUBLIC_BASE_URL=None)
    return build_export_world(session, tmp_path / "images")


def run(runner, *args):
    return runner.invoke(export_command, list(args))


def test_the_command_writes_the_file_and_the_images_and_records_the_export(
        runner, session, world, tmp_path):
    out, images = tmp_path / "shopee.xlsx", tmp_path / "anh.zip"
    template = tmp_path / "mau.xlsx"
    template.write_bytes(shopee_template())
    result = run(runner, "--vendor", str(world.cooperative.id), "--platform", "shopee",
                 "-o", str(out), "--template", str(template), "--images-zip", str(images))
    assert result.exit_code == 0, result.output
    assert f"{out}: 1 sản phẩm, 1 dòng." in result.output
    assert f"Để ra ngoài sản phẩm {world.honey.id}: Chưa có mô tả sản phẩm" in result.output
    row = [cell.value for cell in load_workbook(out)["Template"][7]]
    assert row[1] == TEA_NAME and row[7] == "TCH-001-1.jpg"
    assert sorted(zipfile.ZipFile(images).namelist()) == ["MO-002-1.jpg", "TCH-001-1.jpg"]
    record = session.scalars(select(CatalogExport)).one()
    assert (record.vendor_id, record.created_by, record.products_written) == (
        world.cooperative.id, None, 1)
    assert record.output_name is None and record.download_name == "shopee.xlsx"


@pytest.mark.parametrize(("args", "reason"), [
    (["--vendor", "999999", "--platform", "shopee"], "999999: Không tìm thấy"),
    (["--platform", "amazon"], "Không có nền tảng «amazon»"),
    (["--platform", "shopee", "--template", "{tmp}/khong-co.xlsx"], "không đọc được"),
    (["--platform", "shopee", "--template", "{tmp}/hong.xlsx"], "Tệp mẫu không đọc được"),
    (["--platform", "google", "--template", "{tmp}/mau.xlsx"], "Chỉ xuất cho Shopee"),
    (["--platform", "shopee", "-o", "{tmp}/khong-co/tep.xlsx"], "không có"),
])
def test_bad_input_exits_2_with_its_reason_and_writes_nothing(runner, session, world, tmp_path,
                                                              args, reason):
    (tmp_path / "hong.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "mau.xlsx").write_bytes(shopee_template())
    given = [arg.format(tmp=tmp_path) for arg in args]
    if "--vendor" not in given:
        given += ["--vendor", str(world.cooperative.id)]
    if "-o" not in given:
        given += ["-o", str(tmp_path / "ra.xlsx")]
    result = run(runner, *given)
    assert result.exit_code == 2, result.output
    assert reason in result.output
    assert not (tmp_path / "ra.xlsx").exists()
    assert session.scalars(select(CatalogExport)).all() == []
