"""Registering vendors: validation, scope, duplicates and idempotent retries."""
from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from domain_errors import Conflict, Forbidden, Invalid
from market.models import Stall
from tests.factories import THU_DAU_MOT, make_bank_account, make_market, make_user, make_vendor
from vendors import registration
from vendors.changes import close_vendor
from vendors.duplicates import DuplicateVendorError, Matches
from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod
from vendors.payment_methods import stop_payment_method
from vendors.registration import register_vendor
from vendors.schemas import VendorRegistrationInput


def _form(market, **overrides):
    data = {
        "kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912 345 678",
        "market_id": market.id, "stall_code": "b-12",
        "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                             "account_number": "0011 0012 34567", "account_holder": "NGUYEN THI HOA"}],
    }
    data.update(overrides)
    return data


def _load(raw):
    return VendorRegistrationInput().load(raw)


@pytest.fixture
def agent_and_market(session):
    market = make_market(session, name="Chợ Đại Từ")
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id))
    session.commit()
    return agent, market


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_registration_creates_the_vendor_its_stall_history_and_bank_account(session, agent_and_market):
    agent, market = agent_and_market
    result = register_vendor(session, agent, _load(_form(market)), "key-00000001")
    session.commit()
    vendor = result.vendor
    assert not result.replayed
    assert (vendor.name, vendor.phone, vendor.stall.code) == ("Nguyễn Thị Hoa", "0912345678", "B-12")
    assert vendor.status_periods[0].joined_on == dt.date.today()
    (method,) = vendor.payment_methods
    assert (method.bank_bin, method.account_number) == ("970436", "0011001234567")


def test_a_retry_with_the_same_key_returns_the_first_vendor(session, agent_and_market):
    agent, market = agent_and_market
    first = register_vendor(session, agent, _load(_form(market)), "key-00000002")
    session.commit()
    again = register_vendor(session, agent, _load(_form(market, phone="+84912345678")), "key-00000002")
    assert again.replayed and again.vendor.id == first.vendor.id
    assert _count(session, Vendor) == 1


def test_the_same_key_with_other_content_is_a_conflict(session, agent_and_market):
    agent, market = agent_and_market
    register_vendor(session, agent, _load(_form(market)), "key-00000003")
    session.commit()
    with pytest.raises(Conflict) as caught:
        register_vendor(session, agent, _load(_form(market, name="Trần Văn Nam")), "key-00000003")
    assert caught.value.status == 409 and "nội dung khác" in str(caught.value)
    assert caught.value.code == "idempotency_conflict"
    assert _count(session, Vendor) == 1


@pytest.mark.parametrize("changes, reason", [
    ({"phone": "0912345678", "payment_methods": []}, "số điện thoại"),  # as a person reads it
    ({"phone": None, "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                                          "account_number": "0011001234567",
                                          "account_holder": "X"}]}, "tài khoản ngân hàng"),
])
def test_a_possible_duplicate_is_shown_not_silently_added(session, agent_and_market, changes, reason):
    agent, market = agent_and_market
    existing = make_vendor(session, market, name="Nguyễn Thị Hoa", phone="0912345678")
    make_bank_account(session, existing, account_number="0011001234567")
    session.commit()
    with pytest.raises(DuplicateVendorError) as caught:
        register_vendor(session, agent, _load(_form(market, name="Hoa Nguyễn", **changes)))
    (match,) = caught.value.matches
    assert match.vendor_id == existing.id and match.name == "Nguyễn Thị Hoa"
    assert reason in [str(label) for label in match.reason_labels]
    confirmed = register_vendor(session, agent, _load(_form(market, name="Hoa Nguyễn",
                                                            allow_duplicate=True, **changes)))
    assert confirmed.vendor.id != existing.id


def test_one_duplicate_check_reports_every_reason_of_every_match(session, agent_and_market):
    agent, market = agent_and_market
    same_phone_and_account = make_vendor(session, market, name="Nguyễn Thị Hoa", phone="0912345678")
    make_bank_account(session, same_phone_and_account, account_number="0011001234567")
    same_citizen_id = make_vendor(session, market, name="Trần Thị Lan", citizen_id="001234567890")
    other_account = make_vendor(session, market, name="Lê Văn Nam")
    make_bank_account(session, other_account, account_number="0011009999999")
    make_vendor(session, market, name="Không Trùng", phone="0987654321")
    session.commit()
    two_accounts = [
        {"kind": "bank_account", "bank_bin": "970436", "account_number": number, "account_holder": "X"}
        for number in ("0011001234567", "0011009999999")]
    with pytest.raises(DuplicateVendorError) as caught:
        register_vendor(session, agent, _load(_form(market, citizen_id="001234567890",
                                                    payment_methods=two_accounts)))
    assert [(m.vendor_id, m.name, m.market_name, m.reasons) for m in caught.value.matches] == [
        (same_phone_and_account.id, "Nguyễn Thị Hoa", "Chợ Đại Từ", ("phone", "bank_account")),
        (same_citizen_id.id, "Trần Thị Lan", "Chợ Đại Từ", ("citizen_id",)),
        (other_account.id, "Lê Văn Nam", "Chợ Đại Từ", ("bank_account",)),
    ]
    assert str(caught.value) == ("Đã có tiểu thương trùng số CCCD, số điện thoại, tài khoản ngân "
                                 "hàng. Kiểm tra lại trước khi đăng ký mới.")


def test_duplicates_outside_the_agents_area_are_flagged_without_their_details(session, agent_and_market):
    agent, market = agent_and_market
    far = make_vendor(session, make_market(session, ward_code=THU_DAU_MOT), name="Lê Văn Xa",
                      phone="0912345678")
    session.commit()
    with pytest.raises(DuplicateVendorError) as caught:
        register_vendor(session, agent, _load(_form(market, payment_methods=[])))
    (match,) = caught.value.matches
    assert match.vendor_id == far.id and match.name is None


def test_a_market_outside_the_agents_scope_is_refused(session, agent_and_market):
    agent, _ = agent_and_market
    elsewhere = make_market(session, ward_code=THU_DAU_MOT)
    session.commit()
    with pytest.raises(Invalid) as caught:
        register_vendor(session, agent, _load(_form(elsewhere)))
    assert "market_id" in caught.value.fields
    assert _count(session, Vendor) == 0


def test_provincial_staff_may_read_but_not_register(session, agent_and_market):
    _, market = agent_and_market
    provincial = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    with pytest.raises(Forbidden):
        register_vendor(session, provincial, _load(_form(market)))


def test_an_unknown_bank_or_a_bad_account_number_is_refused_by_name(session, agent_and_market):
    agent, market = agent_and_market
    bad_bin = _form(market, payment_methods=[{"kind": "bank_account", "bank_bin": "123456",
                                              "account_number": "12345678", "account_holder": "A"}])
    with pytest.raises(Invalid, match="123456"):
        register_vendor(session, agent, _load(bad_bin))
    letters = _form(market, payment_methods=[{"kind": "bank_account", "bank_bin": "970436",
                                              "account_number": "00110A", "account_holder": "A"}])
    with pytest.raises(Invalid, match="Vietcombank"):
        register_vendor(session, agent, _load(letters))
    assert _count(session, Vendor) == 0


@pytest.mark.parametrize("field, value, message", [
    ("phone", "12345", "Số điện thoại"),
    ("citizen_id", "01918000123", "CCCD"),
    ("name", "", "Vui lòng điền"),
    ("market_id", None, "Chọn chợ"),
    ("joined_on", (dt.date.today() + dt.timedelta(days=5)).isoformat(), "tương lai"),
])
def test_bad_fields_get_a_plain_vietnamese_message(session, agent_and_market, field, value, message):
    _, market = agent_and_market
    with pytest.raises(ValidationError) as caught:
        _load(_form(market, **{field: value}))
    assert message in str(caught.value.messages[field])


def test_leaving_closes_the_period_and_stops_payment_methods_without_deleting(session, agent_and_market):
    agent, market = agent_and_market
    vendor = register_vendor(session, agent, _load(_form(market, joined_on="2025-01-01"))).vendor
    session.commit()
    with pytest.raises(Invalid):
        close_vendor(session, agent, vendor.id, dt.date(2024, 12, 1))
    close_vendor(session, agent, vendor.id, dt.date(2025, 6, 1), "Chuyển chợ")
    session.commit()
    assert vendor.status_periods[0].left_on == dt.date(2025, 6, 1)
    assert vendor.payment_methods[0].stopped_on == dt.date(2025, 6, 1)
    assert _count(session, VendorStatusPeriod) == 1 and _count(session, PaymentMethod) == 1
    with pytest.raises(Invalid, match="đã ngừng"):
        stop_payment_method(session, agent, vendor.payment_methods[0].id, dt.date(2025, 7, 1))


def test_a_retry_sent_without_the_duplicate_check_still_gets_the_first_result(
        session, agent_and_market):
    # No duplicate check to recognise it (the agent had said "register anyway"): the retry's
    # idempotency record collides with the first try's, and the retry gets the first vendor.
    agent, market = agent_and_market
    form = _form(market, allow_duplicate=True)
    first = register_vendor(session, agent, _load(form), "key-00000009")
    session.commit()
    again = register_vendor(session, agent, _load(form), "key-00000009")
    session.commit()
    assert again.replayed and again.vendor.id == first.vendor.id
    assert _count(session, Vendor) == 1 and _count(session, PaymentMethod) == 1


def test_two_agents_registering_at_one_new_stall_at_once_both_succeed(
        session, agent_and_market, monkeypatch):
    # Both looked for stall C-7 before either had created it: the second insert of the stall
    # finds the first one's and registers its vendor there, rather than failing.
    agent, market = agent_and_market
    first = register_vendor(session, agent, _load(_form(market, stall_code="c-7")), "key-00000011")
    session.commit()
    monkeypatch.setattr(registration, "_place_for_registration", lambda session, actor, data: (
        registration._Place(market=session.get(type(market), market.id), new_stall_code="C-7")))
    other = _form(market, name="Lý Văn Tâm", phone="0987 654 321", stall_code="c-7",
                  payment_methods=[])
    second = register_vendor(session, agent, _load(other), "key-00000012")
    session.commit()
    assert not second.replayed and second.vendor.id != first.vendor.id
    assert second.vendor.stall.id == first.vendor.stall.id
    assert _count(session, Vendor) == 2 and _count(session, Stall) == 1


def test_a_retry_racing_its_first_try_to_a_new_stall_gets_the_first_result(
        session, agent_and_market, monkeypatch):
    # The retry looked for its key, duplicates and the stall before the first try committed,
    # so it goes on to insert: the stall is the first try's by then, the same idempotency record
    # is refused, and the retry answers with the first vendor rather than a conflict.
    agent, market = agent_and_market
    first = register_vendor(session, agent, _load(_form(market)), "key-00000010")
    session.commit()
    lookups = []
    real_lookup = registration.matching_vendors

    def not_yet_committed_once(*args, **kwargs):
        lookups.append(kwargs)
        return Matches({}, None) if len(lookups) == 1 else real_lookup(*args, **kwargs)

    monkeypatch.setattr(registration, "matching_vendors", not_yet_committed_once)
    monkeypatch.setattr(registration, "_place_for_registration", lambda session, actor, data: (
        registration._Place(market=session.get(type(market), market.id), new_stall_code="B-12")))
    again = register_vendor(session, agent, _load(_form(market)), "key-00000010")
    session.commit()
    assert len(lookups) == 2  # the second after the database refused the insert
    assert again.replayed and again.vendor.id == first.vendor.id
    assert _count(session, Vendor) == 1 and _count(session, Stall) == 1
