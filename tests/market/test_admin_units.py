"""Administrative units after the 1 July 2025 reform, loaded from their maintained source."""
from __future__ import annotations

import unicodedata

from sqlalchemy import func, select

from market.models import Province, Ward, WardKind
from market.service import load_admin_units, read_admin_units


def test_all_34_provinces_and_3321_communes_are_loaded(session):
    assert session.scalar(select(func.count()).select_from(Province)) == 34
    assert session.scalar(select(func.count()).select_from(Ward)) == 3321


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


def test_reloading_updates_in_place_without_duplicates(session):
    session.get(Ward, "05830").name = "Tên cũ"
    session.flush()
    provinces, wards = load_admin_units(session, read_admin_units())
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
