"""Platforms described by a column-mapping profile: the shipped examples, a profile written by
staff, and the refusal of a malformed one."""
from __future__ import annotations

import io
import json

import pytest

from catalog_export.exporters import EXPORTERS, custom
from catalog_export.exporters.base import Severity
from catalog_export.exporters.custom import ProfileError, load_profile, shipped_profile
from tests.catalog_export.market_products import (
    FORMULA_TEXT,
    TONE_MARKS,
    assert_rule_fires,
    export,
    image,
    rules_of,
    single,
    with_variants,
)


def profile(**kw) -> str:
    values = {"name": "cho-phien", "label": "Chợ phiên số", "format": "csv",
              "columns": [{"header": "Tên", "field": "name", "required": True, "max_length": 40},
                          {"header": "Giá", "field": "price"},
                          {"header": "Nặng (kg)", "field": "weight_grams", "unit": "kg"}]}
    values.update(kw)
    return json.dumps(values, ensure_ascii=False)


def test_the_shipped_profiles_are_registered_by_name():
    assert list(EXPORTERS) == ["shopee", "lazada", "tiktok", "tiki", "sendo", "google",
                               "google_xml", "meta", "shopify", "woocommerce",
                               "san-tmdt-thai-nguyen", "postmart"]
    floor = EXPORTERS["san-tmdt-thai-nguyen"]
    assert (floor.label, floor.file_extension) == ("Sàn TMĐT Thái Nguyên", "xlsx")
    assert EXPORTERS["postmart"].media_type == "text/csv; charset=utf-8"
    for name in ("san-tmdt-thai-nguyen.json", "postmart.json"):
        text = (custom.PROFILES / name).read_text(encoding="utf-8")
        assert "VÍ DỤ" in json.loads(text)["about"]  # says it is an example to adapt


def test_the_postmart_example_writes_a_csv_in_its_columns_and_units():
    postmart = shipped_profile("postmart.json")
    tea = single(description=FORMULA_TEXT)
    result, (_, header, rows), data = export(postmart, [tea, with_variants(
        images=tuple(image(n) for n in range(1, 7)))])
    assert result.written == [1, 2] and result.rows == 5
    assert header == [c["header"] for c in json.loads(
        (custom.PROFILES / "postmart.json").read_text(encoding="utf-8"))["columns"]]
    first = rows[0]
    assert (first["SKU"], first["Giá (VNĐ)"], first["Khối lượng (g)"], first["Dài (cm)"],
            first["Rộng (cm)"], first["Sản phẩm OCOP"]) == ("CHE-TC-01", "185000", "250",
                                                           "20.5", "10", "4")
    assert first["Mô tả"] == "'" + FORMULA_TEXT  # kept as text by the spreadsheet
    assert [(r["Thuộc tính"], r["Giá trị thuộc tính"], r["Khối lượng (g)"]) for r in rows[1:3]] \
        == [("Dung tích", "500 ml", "700"), ("Dung tích", "500 ml", "700")]
    assert TONE_MARKS.encode() in data and {r["Tên sản phẩm"] for r in rows[1:]} == {TONE_MARKS}


def test_the_trade_floor_example_writes_a_workbook_with_constants_and_extras():
    floor = shipped_profile("san-tmdt-thai-nguyen.json")
    result, (sheets, header, rows), _ = export(floor, [single()])
    assert sheets == ["Sản phẩm"] and result.rows == 1 and header[0] == "Mã sản phẩm"
    row = rows[0]
    assert (row["Khối lượng (kg)"], row["Tỉnh"], row["Mã vùng trồng"], row["Hạng sao OCOP"],
            row["Đơn vị bán"], row["Ảnh 3"]) == (0.25, "Thái Nguyên", "TN-19", 4,
                                                  "HTX Chè Hảo Đạt", None)


def test_a_profile_written_by_staff_gives_an_exporter_with_its_rules():
    exporter = load_profile(profile(limits={"name_min": 12, "weight_required": True}))
    assert (exporter.name, exporter.label, exporter.file_extension) == (
        "cho-phien", "Chợ phiên số", "csv")
    result, (_, header, rows), _ = export(exporter, [
        single(), single(id=2, name="x" * 41), single(id=3, name="Chè ngon"),
        single(id=4, weight_grams=None)])
    assert header == ["Tên", "Giá", "Nặng (kg)"] and rows == [
        {"Tên": single().name, "Giá": "185000", "Nặng (kg)": "0.25"}]
    assert result.written == [1]
    assert rules_of(result.left_out[2]) == {"value_too_long"}
    assert str(result.left_out[2][0].message) == ("«Tên» dài 41 ký tự: Chợ phiên số nhận tối "
                                                  "đa 40.")
    assert rules_of(result.left_out[3]) == {"name_too_short"}
    assert rules_of(result.left_out[4]) == {"weight_missing"}


@pytest.mark.parametrize("product, rule", [
    (single(origin=None), "required_value_missing"),
    (single(images=(image(url=False),)), "image_url_missing"),
    (single(images=(image(side=400),)), "image_too_small"),
    (single(name="x" * 201), "name_too_long"),
])
def test_each_rule_of_the_trade_floor_profile_fires(product, rule):
    assert_rule_fires(EXPORTERS["san-tmdt-thai-nguyen"], product, rule, Severity.ERROR)


@pytest.mark.parametrize("text, problem", [
    ("{not json", "không phải JSON hợp lệ (dòng 1, cột 2)"),
    ("[1, 2]", "cần một đối tượng JSON {…}"),
    (profile(format="xls"), "định dạng «xls» không có (dùng csv hoặc xlsx)"),
    (profile(name="Chợ Phiên"), "tên «Chợ Phiên» chỉ được gồm chữ thường"),
    (profile(label=None), "thiếu mục «label»"),
    (profile(columns=[]), "mục «columns» phải là danh sách cột"),
    (profile(columns=[{"field": "name"}]), "cột 1 thiếu tiêu đề («header»)"),
    (profile(columns=[{"header": "Giá", "field": "gia"}]), "cột «Giá»: không có trường «gia»"),
    (profile(columns=[{"header": "Nặng", "field": "weight_grams", "unit": "lb"}]),
     "cột «Nặng»: đơn vị «lb» không dùng được cho «weight_grams» (dùng g, kg)"),
    (profile(columns=[{"header": "Tên", "field": "name", "unit": "kg"}]),
     "đơn vị «kg» không dùng được cho «name» (dùng —)"),
    (profile(columns=[{"header": "Tên", "field": "name", "value": "x"}]),
     "cần đúng một trong «field» hoặc «value»"),
    (profile(columns=[{"header": "Tên", "field": "name", "max_length": "40"}]),
     "mục «max_length» phải là số nguyên không âm"),
    (profile(columns=[{"header": "Tên", "field": "name", "width": 20}]),
     "cột «Tên»: mục «width» không có"),
    (profile(limits={"name_maximum": 100}), "giới hạn «name_maximum» không có"),
    (profile(limits={"weight_required": "yes"}), "mục «weight_required» phải là true hoặc false"),
    (profile(limits={"name_max": -1}), "mục «name_max» phải là số nguyên không âm"),
    (profile(platform="x"), "mục «platform» không có"),
])
def test_a_malformed_profile_is_refused_naming_the_problem(text, problem):
    with pytest.raises(ProfileError) as refused:
        load_profile(text)
    assert str(refused.value).startswith("Hồ sơ nền tảng không dùng được: ")
    assert problem in str(refused.value)
    assert refused.value.status == 422


def test_every_problem_of_a_profile_is_named_at_once():
    with pytest.raises(ProfileError) as refused:
        load_profile(profile(format="pdf", columns=[{"header": "A", "field": "nope"},
                                                    {"field": "name"}]))
    assert str(refused.value) == (
        "Hồ sơ nền tảng không dùng được: định dạng «pdf» không có (dùng csv hoặc xlsx), "
        "cột «A»: không có trường «nope», cột 2 thiếu tiêu đề («header»).")


def test_the_profile_written_has_every_tone_mark_byte_exact():
    exporter = load_profile(profile(columns=[{"header": "Tên", "field": "name"}]))
    out = io.BytesIO()
    assert exporter.write([with_variants()], out).rows == 4
    assert out.getvalue().count(TONE_MARKS.encode()) == 4
