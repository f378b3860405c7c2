"""Administrative units after the 1 July 2025 reform: the shipped snapshot, checked against its
source, and loading it (or another file) by official code."""
from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import re
import sys
import unicodedata

import pytest
from sqlalchemy import func, select

from market.admin_units import (
    ADMIN_UNITS_CSV,
    COLUMNS,
    AdminUnitListError,
    load_admin_units,
    read_admin_unit_list,
    shipped_admin_units,
)
from market.models import Province, Ward, WardKind
from tests.reference_lists import refusal

HEADER = ",".join(COLUMNS)
DAI_TU = "19,Tỉnh Thái Nguyên,Thái Nguyên,22.0239,105.824,05830,Xã Đại Từ,Đại Từ,Xã,21.6069,105.615"


def units_file(tmp_path, *rows: str, name: str = "units.csv"):
    path = tmp_path / name
    path.write_text("# Test list\n# Source: test list, 2026-12-02\n" + "\n".join((HEADER,) + rows)
                    + "\n", encoding="utf-8")
    return path


def snapshot(session) -> list[tuple]:
    session.expire_all()
    provinces = [(p.code, p.name, p.short_name, p.latitude, p.longitude)
                 for p in session.scalars(select(Province).order_by(Province.code))]
    wards = [(w.code, w.province_code, w.name, w.short_name, w.kind, w.latitude, w.longitude,
              w.search_key) for w in session.scalars(select(Ward).order_by(Ward.code))]
    return provinces + wards


# --- The shipped snapshot


def test_the_shipped_list_names_its_source_and_date():
    _, source = shipped_admin_units()
    assert source.startswith("Source: PyPI vietnamadminunits 1.0.4 (MIT licence")
    assert "34-province dataset" in source
    assert re.search(r"taken \d{4}-\d{2}-\d{2}$", source)
    header = ADMIN_UNITS_CSV.read_text(encoding="utf-8").split("\nprovince_code,", 1)[0]
    assert "in force since 2025-07-01" in header


def test_the_shipped_list_has_34_provinces_and_3321_communes_each_code_once():
    # Read with the csv module directly, so a duplicate cannot hide behind the loader's own check.
    lines = [line for line in ADMIN_UNITS_CSV.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    records = list(csv.DictReader(lines))
    ward_codes = [record["ward_code"] for record in records]
    assert len(ward_codes) == len(set(ward_codes)) == 3321
    assert all(re.fullmatch(r"[0-9]{5}", code) for code in ward_codes)
    provinces = {(r["province_code"], r["province_name"], r["province_short_name"],
                  r["province_latitude"], r["province_longitude"]) for r in records}
    # Every ward names its province the same way as the others of that province.
    assert len(provinces) == len({p[0] for p in provinces}) == 34
    assert all(re.fullmatch(r"[0-9]{2}", p[0]) for p in provinces)
    assert {r["ward_type"] for r in records} == {"Xã", "Phường", "Đặc khu"}


def test_the_shipped_names_keep_their_diacritics_in_nfc():
    text = ADMIN_UNITS_CSV.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert DAI_TU in text.splitlines()
    rows, _ = shipped_admin_units()
    assert {row.province_short_name for row in rows} >= {"Hà Nội", "Thái Nguyên", "Hồ Chí Minh"}


def test_the_snapshot_equals_what_the_package_gives_today():
    pytest.importorskip(
        "vietnamadminunits",
        reason="vietnamadminunits is a dev-only dependency (requirements-dev.txt); without it the "
               "snapshot cannot be compared with its source",
    )
    from scripts.refresh_admin_units import PACKAGE, package_rows, render_csv

    rows, source = shipped_admin_units()
    assert rows == package_rows()
    # The refresh script, run on the day the snapshot was taken, writes this very file.
    taken_on = dt.date.fromisoformat(source.rpartition("taken ")[2])
    assert render_csv(package_rows(), importlib.metadata.version(PACKAGE), taken_on) == (
        ADMIN_UNITS_CSV.read_text(encoding="utf-8")
    )


def test_the_app_loads_its_units_without_the_package(monkeypatch, runner):
    # None in sys.modules makes `import vietnamadminunits` fail, as on a production install.
    monkeypatch.setitem(sys.modules, "vietnamadminunits", None)
    result = runner.invoke(args=["units", "load"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp 34 tỉnh/thành và 3321 xã/phường/đặc khu (Source: PyPI vietnamadminunits" in (
        result.output
    )


# --- In the database


def test_all_34_provinces_and_3321_communes_are_loaded(session):
    assert session.scalar(select(func.count()).select_from(Province)) == 34
    assert session.scalar(select(func.count()).select_from(Ward)) == 3321


def test_every_ward_belongs_to_a_loaded_province(session):
    orphans = select(Ward.code).where(Ward.province_code.not_in(select(Province.code)))
    assert session.scalars(orphans).all() == []


def test_units_are_keyed_by_official_codes_with_diacritics(session):
    thai_nguyen = session.get(Province, "19")
    assert thai_nguyen.name == "Tỉnh Thái Nguyên"
    dai_tu = session.get(Ward, "05830")
    assert (dai_tu.name, dai_tu.kind, dai_tu.province_code) == ("Xã Đại Từ", WardKind.COMMUNE, "19")
    assert dai_tu.search_key == "xa dai tu"
    assert unicodedata.is_normalized("NFC", dai_tu.name)


def test_special_zones_are_their_own_kind(session):
    zones = session.scalars(select(Ward).where(Ward.kind == WardKind.SPECIAL_ZONE)).all()
    assert zones and all(z.name.startswith("Đặc khu") for z in zones)


def test_loading_twice_changes_nothing(session):
    before = snapshot(session)
    rows, _ = shipped_admin_units()
    assert load_admin_units(session, rows) == (34, 3321)
    session.flush()
    assert snapshot(session) == before


def test_reloading_updates_in_place_without_duplicates(session):
    session.get(Ward, "05830").name = "Tên cũ"
    session.flush()
    provinces, wards = load_admin_units(session, shipped_admin_units()[0])
    assert (provinces, wards) == (34, 3321)
    session.expire_all()
    assert session.get(Ward, "05830").name == "Xã Đại Từ"
    assert session.scalar(select(func.count()).select_from(Ward)) == 3321


def test_market_search_ignores_diacritics_and_word_order(session):
    from sqlalchemy import true

    from market.service import search_markets
    from tests.factories import make_market

    make_market(session, name="Chợ Đại Từ")
    make_market(session, name="Chợ Thái")
    assert [m.name for m in search_markets(session, true(), "dai tu")] == ["Chợ Đại Từ"]
    assert [m.name for m in search_markets(session, true(), "TỪ ĐẠI")] == ["Chợ Đại Từ"]
    assert search_markets(session, true(), "100%_") == []


# --- Another file: read whole or refused whole


def test_a_file_is_read_with_its_names_in_nfc_and_empty_coordinates_as_none():
    nfd = unicodedata.normalize("NFD", "Xã Đại Từ")
    rows, source = read_admin_unit_list(
        "# Source: test\n" + HEADER + f"\n19,Tỉnh Thái Nguyên,Thái Nguyên,,,05830,{nfd},Đại Từ,Xã,,\n"
    )
    [row] = rows
    assert source == "Source: test"
    assert row.ward_name == "Xã Đại Từ" and unicodedata.is_normalized("NFC", row.ward_name)
    assert (row.province_latitude, row.ward_longitude) == (None, None)


@pytest.mark.parametrize(("rows", "message"), [
    ([DAI_TU.replace(",05830,", ",5830,")], "Dòng 4: cột ward_code «5830» phải gồm đúng 5 chữ số."),
    ([DAI_TU.replace("19,", "T9,", 1)], "Dòng 4: cột province_code «T9» phải gồm đúng 2 chữ số."),
    ([DAI_TU, "", DAI_TU], "Dòng 6: mã xã/phường 05830 đã có ở dòng 4; mỗi mã chỉ một dòng."),
    ([DAI_TU, DAI_TU.replace(",05830,", ",05831,").replace("Tỉnh Thái Nguyên", "Tỉnh Thái")],
     "Dòng 5 (mã xã/phường 05831): tỉnh/thành mã 19 có tên hoặc toạ độ khác với dòng 4"),
    ([DAI_TU.replace(",Xã,", ",Thị trấn,")],
     "Dòng 4 (mã xã/phường 05830): cột ward_type «Thị trấn» phải là một trong Phường, Xã, Đặc khu."),
    ([DAI_TU.replace(",Xã Đại Từ,", ",,")], "Dòng 4 (mã xã/phường 05830): cột ward_name để trống."),
    ([DAI_TU.replace(",Xã Đại Từ,", "," + "X" * 101 + ",")],
     "Dòng 4 (mã xã/phường 05830): cột ward_name dài 101 ký tự, tối đa 100."),
    ([DAI_TU.replace(",21.6069,", ",216.069,")],
     ("Dòng 4 (mã xã/phường 05830): cột ward_latitude «216.069» phải là số độ thập phân từ -90 "
      "đến 90.")),
    ([DAI_TU.replace(",105.615", ",nan")],
     "Dòng 4 (mã xã/phường 05830): cột ward_longitude «nan» phải là số độ thập phân"),
    ([DAI_TU.replace(",22.0239,", ",22°,")], "Dòng 4 (mã xã/phường 05830): cột province_latitude"),
    ([DAI_TU.replace("Xã Đại Từ", "Xã Đại, Từ")], "Dòng 4: có 12 cột, dòng tiêu đề có 11."),
    ([DAI_TU, '"' + "x" * 200_000 + '"'], "Dòng 5: không đọc được theo dạng CSV"),
    ([], "Tệp không có đơn vị hành chính nào"),
])
def test_a_bad_row_refuses_the_file_naming_its_line(rows, message):
    assert refusal(read_admin_unit_list, AdminUnitListError, HEADER, rows).startswith(message)


def test_a_file_without_the_needed_columns_is_refused_naming_them():
    with pytest.raises(AdminUnitListError, match="^Dòng 1: dòng tiêu đề thiếu cột ward_type"):
        read_admin_unit_list(HEADER.replace(",ward_type,", ",kind,") + "\n" + DAI_TU + "\n")


# --- `flask units load`


def test_the_cli_loads_another_file_by_official_code(session, runner, tmp_path):
    path = units_file(tmp_path, DAI_TU.replace("Xã Đại Từ,Đại Từ", "Xã Đại Từ Mới,Đại Từ Mới"))
    result = runner.invoke(args=["units", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert ("Đã nạp 1 tỉnh/thành và 1 xã/phường/đặc khu (Source: test list, 2026-12-02)."
            in result.output)
    session.expire_all()
    assert session.get(Ward, "05830").search_key == "xa dai tu moi"
    assert session.scalar(select(func.count()).select_from(Ward)) == 3321


def test_the_cli_refuses_a_bad_file_with_exit_code_2_and_loads_nothing(session, runner, tmp_path):
    before = snapshot(session)
    path = units_file(tmp_path, DAI_TU.replace("Xã Đại Từ,Đại Từ", "Xã Mới,Mới"),
                      DAI_TU.replace(",05830,", ",99999,").replace(",Xã,", ",Thôn,"))
    result = runner.invoke(args=["units", "load", str(path)])
    assert result.exit_code == 2
    assert (f"{path}: Dòng 5 (mã xã/phường 99999): cột ward_type «Thôn» phải là một trong"
            in result.output)
    assert snapshot(session) == before


def test_the_cli_refuses_a_file_that_is_not_utf8(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes((HEADER + "\n" + DAI_TU + "\n").encode("utf-16"))
    result = runner.invoke(args=["units", "load", str(path)])
    assert result.exit_code == 2
    assert "Tệp không phải UTF-8" in result.output
