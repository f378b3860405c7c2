"""`flask catalog platforms` and `flask catalog check`: the registry one per line, the readiness
report as text and JSON in Vietnamese or English, every vendor seen, bad input exits 2."""
from __future__ import annotations

import json

import pytest

from catalog_export.exporters import EXPORTERS
from tests.catalog_export import readiness_products as shared
from tests.factories import THU_DAU_MOT


@pytest.fixture
def cooperative(session):
    # Far from everyone's area but the admin's: the command line sees every vendor.
    return shared.make_cooperative(session, "HTX Thủ Dầu Một", THU_DAU_MOT)


def test_platforms_one_per_line(runner):
    result = runner.invoke(args=["catalog", "platforms"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["shopee\tShopee\txlsx", "lazada\tLazada\txlsx"]
    assert [line.split("\t")[0] for line in lines] == list(EXPORTERS)


def test_check_as_json(runner, session, cooperative):
    catalogue = shared.make_catalogue(session, cooperative)
    result = runner.invoke(args=["catalog", "check", "--vendor", str(cooperative.id),
                                 "--platform", "tiktok", "--platform", "lazada",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [p["name"] for p in document["platforms"]] == ["lazada", "tiktok"]  # registry order
    assert [p["id"] for p in document["products"]] == [
        catalogue.complete.id, catalogue.small_photo.id, catalogue.broken.id]  # no draft
    broken = document["products"][2]
    assert broken["name"] == shared.SHORT_NAME
    assert broken["platforms"]["tiktok"]["problems"][0] == {
        "field": "name", "rule": "name_too_short", "severity": "error", "message": shared.SHORT_NAME_VI}


def test_check_as_json_in_english(runner, session, cooperative):
    shared.make_catalogue(session, cooperative)
    result = runner.invoke(args=["catalog", "check", "--vendor", str(cooperative.id),
                                 "--platform", "tiktok", "--format", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.output)["products"][2]["platforms"]["tiktok"]["problems"]
    assert problems[0]["message"] == shared.SHORT_NAME_EN


def test_check_as_text(runner, session, cooperative):
    catalogue = shared.make_catalogue(session, cooperative)
    result = runner.invoke(args=["catalog", "check", "--vendor", str(cooperative.id),
                                 "--platform", "tiktok"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["HTX Thủ Dầu Một: 3 sản phẩm đang bán.",
                         "TikTok Shop: 0 sẵn sàng, 0 có cảnh báo, 3 có lỗi."]
    assert f"#{catalogue.broken.id} {shared.SHORT_NAME} ({catalogue.broken.sku})" in lines
    assert "  TikTok Shop: có lỗi" in lines
    assert f"    ✗ name [name_too_short]: {shared.SHORT_NAME_VI}" in lines
    assert f"    ✗ images [image_too_small]: {shared.SMALL_PHOTO_VI}" in lines
    english = runner.invoke(args=["catalog", "check", "--vendor", str(cooperative.id),
                                  "--platform", "tiktok", "--lang", "en"])
    assert english.output.splitlines()[1] == (
        "TikTok Shop: 0 ready, 0 with warnings, 3 with errors.")
    assert f"    ✗ name [name_too_short]: {shared.SHORT_NAME_EN}" in english.output.splitlines()


def test_an_unknown_platform_exits_2_with_the_names_there_are(runner, cooperative, session):
    session.commit()
    result = runner.invoke(args=["catalog", "check", "--vendor", str(cooperative.id),
                                 "--platform", "amazon"])
    assert result.exit_code == 2
    assert "Không có sàn hoặc định dạng «amazon»; chọn một trong: shopee, lazada" in result.output
    english = runner.invoke(args=["catalog", "check", "--vendor", str(cooperative.id),
                                  "--platform", "amazon", "--lang", "en"])
    assert english.exit_code == 2
    assert "There is no platform or format “amazon”" in english.output


def test_an_unknown_vendor_exits_2(runner):
    result = runner.invoke(args=["catalog", "check", "--vendor", "999999"])
    assert result.exit_code == 2
    assert "Không tìm thấy tiểu thương hoặc hợp tác xã này" in result.output
