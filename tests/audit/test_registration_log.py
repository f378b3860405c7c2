"""The registration writes its rows with SQLAlchemy Core; its audit entries are Core-inserted in
the same transaction: once per vendor, its payment methods and a stall it made, never on a
replay, and gone with a registration rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from audit.models import AuditEntry
from tests.factories import THU_DAU_MOT, make_market, make_user
from vendors.registration import register_vendor
from vendors.schemas import VendorRegistrationInput


def _form(market, **overrides):
    data = {
        "kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912 345 678",
        "market_id": market.id, "stall_code": "b-12",
        "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                             "account_number": "0011 0012 34567",
                             "account_holder": "NGUYEN THI HOA"},
                            {"kind": "ewallet", "wallet_provider": "momo"}],
    }
    data.update(overrides)
    return VendorRegistrationInput().load(data)


@pytest.fixture
def agent_and_market(session):
    market = make_market(session, name="Chợ Đại Từ")
    agent = make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id))
    session.commit()
    return agent, market


def _entries(session):
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def test_a_registration_logs_its_vendor_payment_methods_and_new_stall(session, agent_and_market):
    agent, market = agent_and_market
    vendor = register_vendor(session, agent, _form(market), "key-audit-001").vendor
    session.commit()
    entries = _entries(session)
    assert [(e.action, e.entity) for e in entries] == [
        ("vendor.register", "vendor"), ("payment_method.add", "payment_method"),
        ("payment_method.add", "payment_method"), ("stall.create", "stall")]
    registered, bank, wallet, stall = entries
    assert {e.user_id for e in entries} == {agent.id}
    assert {e.province_code for e in entries} == {market.ward.province_code}
    assert registered.entity_id == registered.vendor_id == vendor.id
    assert registered.before is None
    assert registered.after["name"] == "Nguyễn Thị Hoa"
    assert registered.after["phone"] == "0912345678"
    assert registered.after["stall_id"] == vendor.stall_id == stall.entity_id
    assert registered.after["first_day"] == vendor.status_periods[0].joined_on.isoformat()
    assert {bank.entity_id, wallet.entity_id} == {m.id for m in vendor.payment_methods}
    assert bank.after["account_number"] == "0011001234567"
    assert wallet.after["wallet_provider"] == "momo"
    assert stall.after == {"market_id": market.id, "code": "B-12"}
    assert all(e.at is not None for e in entries)


def test_a_replay_logs_nothing_and_a_second_vendor_logs_once(session, agent_and_market):
    agent, market = agent_and_market
    register_vendor(session, agent, _form(market), "key-audit-002")
    session.commit()
    before = len(_entries(session))
    again = register_vendor(session, agent, _form(market), "key-audit-002")
    session.commit()
    assert again.replayed and len(_entries(session)) == before
    other = register_vendor(session, agent, _form(
        market, name="Trần Văn Nam", phone="0987 654 321", stall_code="B-12",
        payment_methods=[]), "key-audit-003").vendor
    session.commit()
    # The stall now exists: only the vendor is logged.
    new = _entries(session)[before:]
    assert [(e.action, e.entity_id) for e in new] == [("vendor.register", other.id)]


def test_a_registration_rolled_back_leaves_no_entry(session, agent_and_market):
    agent, market = agent_and_market
    register_vendor(session, agent, _form(market))
    session.rollback()
    assert session.scalar(select(func.count(AuditEntry.id))) == 0


def test_a_cooperative_without_a_market_is_logged_in_its_communes_province(session):
    admin = make_user(session, Role.ADMIN)
    session.commit()
    data = VendorRegistrationInput().load({
        "kind": "cooperative", "name": "HTX Chè La Bằng", "ward_code": THU_DAU_MOT,
        "payment_methods": []})
    vendor = register_vendor(session, admin, data).vendor
    session.commit()
    (entry,) = _entries(session)
    assert (entry.action, entry.vendor_id, entry.province_code) == (
        "vendor.register", vendor.id, "79")
