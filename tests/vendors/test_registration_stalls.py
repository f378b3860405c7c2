"""The stall of a registration, by the form, the API and the vendor import alike: a typed code
written as market/stall_codes.py says, the stall it means found, a near match or a code outside
the market's pattern questioned, junk refused; and a closed market refused."""
from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from domain_errors import Conflict, Invalid
from market.models import Stall
from tests.factories import DAI_TU, make_market, make_quick_user, make_stall
from tests.vendors.test_import_pages import HEADER
from vendors.bulk_import import plan_import
from vendors.import_file import read_sheet
from vendors.models import Vendor
from vendors.registration import register_vendor
from vendors.schemas import VendorRegistrationInput


@pytest.fixture
def market_and_agent(session):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    c07 = make_stall(session, market, "C-07")
    agent = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU))
    session.commit()
    return market, c07, agent


def _data(market, stall_code, **more):
    return VendorRegistrationInput().load({"kind": "trader", "name": "Nguyễn Thị Hoa",
                                           "market_id": market.id, "stall_code": stall_code,
                                           **more})


def _stalls(session) -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(Stall.code)))


def test_the_stall_typed_another_way_is_the_stall_the_market_has(session, market_and_agent):
    market, c07, agent = market_and_agent
    vendor = register_vendor(session, agent, _data(market, "c 07")).vendor
    session.commit()
    assert vendor.stall_id == c07.id
    assert _stalls(session) == ["C-07"]


def test_a_near_match_is_questioned_and_a_new_stall_made_only_when_confirmed(session,
                                                                            market_and_agent):
    market, c07, agent = market_and_agent
    with pytest.raises(Conflict) as asked:
        register_vendor(session, agent, _data(market, "c7"))
    assert asked.value.code == "stall_near_match"
    assert str(asked.value.fields["stall_code"][0]).startswith("Có phải quầy C-07?")
    assert asked.value.details["stall_choices"] == [
        {"code": "C-07", "stall_id": c07.id, "zone": None}]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Vendor)) == 0

    vendor = register_vendor(session, agent, _data(market, "c7", confirm_new_stall="1")).vendor
    session.commit()
    assert vendor.stall.code == "C7" and vendor.stall.match_key == "C.7"
    assert _stalls(session) == ["C-07", "C7"]


def test_junk_is_refused_by_the_form_and_by_the_service(session, market_and_agent):
    market, _, agent = market_and_agent
    with pytest.raises(ValidationError) as refused:
        _data(market, "zz 99 !!")
    assert "không nhận «!»" in str(refused.value.messages["stall_code"][0])
    raw = {"kind": "trader", "name": "Nguyễn Thị Hoa", "market_id": market.id,
           "stall_code": "zz 99 !!", "payment_methods": []}
    with pytest.raises(Invalid) as refused:
        register_vendor(session, agent, raw)
    assert "không nhận «!»" in str(refused.value.fields["stall_code"][0])
    session.rollback()
    assert _stalls(session) == ["C-07"]


def test_the_markets_pattern_is_checked_for_new_stalls_only(session, market_and_agent):
    market, _, agent = market_and_agent
    market.stall_code_pattern = "A-00"
    legacy = make_stall(session, market, "B7")
    session.commit()
    with pytest.raises(Invalid) as refused:
        register_vendor(session, agent, _data(market, "d 8", confirm_new_stall="1"))
    assert refused.value.code == "stall_code_pattern"
    assert refused.value.details["stall_choices"] == [
        {"code": "D-08", "stall_id": None, "zone": None}]
    session.rollback()
    # A stall recorded before the pattern is still found; a code fitting it makes a new stall.
    assert register_vendor(session, agent, _data(market, "b7")).vendor.stall_id == legacy.id
    assert register_vendor(session, agent, _data(market, "d-08", phone="0912000111")
                           ).vendor.stall.code == "D-08"
    session.commit()


def test_a_closed_market_takes_no_new_registration(session, market_and_agent):
    market, _, agent = market_and_agent
    market.closed_on = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    with pytest.raises(Invalid) as refused:
        register_vendor(session, agent, _data(market, "C-07"))
    assert "đã đóng cửa từ ngày" in str(refused.value.fields["market_id"][0])


def _import_row(market_name: str, stall: str, name: str, phone: str) -> list[str]:
    return [name, phone, "", market_name, stall, "", "", ""]


def _csv(*rows) -> bytes:
    lines = [",".join(f'"{cell}"' for cell in row) for row in (HEADER, *rows)]
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode()


def test_the_import_asks_for_the_stall_meant_and_refuses_junk(session, market_and_agent):
    staff = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU))
    closed = make_market(session, name="Chợ Cũ", ward_code=DAI_TU,
                         closed_on=dt.date.today() - dt.timedelta(days=1))
    session.commit()
    sheet = read_sheet(_csv(
        _import_row("Chợ Đại Từ", "c 07", "Nguyễn Thị Hoa", "0912000001"),
        _import_row("Chợ Đại Từ", "C7", "Trần Văn Nam", "0912000002"),
        _import_row("Chợ Đại Từ", "zz 99 !!", "Lê Thị Ánh", "0912000003"),
        _import_row("Chợ Đại Từ", "D-1", "Phạm Văn Bình", "0912000004"),
        _import_row("Chợ Đại Từ", "D01", "Đỗ Thị Lan", "0912000005"),
        _import_row(closed.name, "A-1", "Vũ Văn Cường", "0912000006"),
    ))
    report = plan_import(session, staff, sheet)
    errors = {issue.row: str(issue.message) for issue in report.errors}
    assert set(errors) == {3, 4, 6, 7}
    assert errors[3] == (
        "Có phải quầy C-07? Chợ đã có quầy này, chỉ khác cách viết. Ghi đúng số quầy đó trong "
        "tệp, hoặc thêm quầy «C7» ở trang Quầy của chợ trước khi nhập.")
    assert "không nhận «!»" in errors[4]
    assert errors[6].startswith("Có phải quầy D-1?")  # the stall a row above made
    assert errors[7] == f"Chợ «Chợ Cũ» đã đóng cửa từ ngày {closed.closed_on:%d/%m/%Y}."
    assert {str(issue.column) for issue in report.errors if issue.row in (3, 4, 6)} == {
        "Số quầy (cột E)"}
