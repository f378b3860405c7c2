"""The registration writes its rows with SQLAlchemy Core; its audit entries are Core-inserted in
the same transaction: once per vendor, its payment methods and a stall it made, never on a
replay, and gone with a registration rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from audit.models import AuditEntry
from jobs import runner
from jobs.models import Job
from jobs.service import create_job
from tests.factories import (
    DAI_TU,
    THAI_NGUYEN,
    THU_DAU_MOT,
    login,
    make_market,
    make_quick_user,
    make_user,
)
from tests.vendors.test_import_jobs import checked_upload
from vendors.import_jobs import COMMIT_JOB
from vendors.models import Vendor
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


def _registered(session) -> list[int]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry.entity_id).where(
        AuditEntry.action == "vendor.register").order_by(AuditEntry.id)))


def test_the_onboarding_form_logs_a_registration_once_however_often_it_is_sent(
        client, session, agent_and_market):
    agent, market = agent_and_market
    login(client, agent.username)
    form = {"idempotency_key": "key-form-audit", "market_id": str(market.id),
            "stall_code": "b-12", "kind": "trader", "name": "Nguyễn Thị Hoa",
            "phone": "0912 345 678", "citizen_id": "", "bank_bin": "970436",
            "account_number": "0011 0012 34567", "account_holder": "NGUYEN THI HOA",
            "wallet_provider": "", "wallet_payload": "", "market_q": ""}
    first = client.post("/vendors/new", data=form)
    again = client.post("/vendors/new", data=form)
    assert first.status_code == again.status_code == 303
    vendor_id = session.scalar(select(Vendor.id))
    assert _registered(session) == [vendor_id]
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "vendor.register"))
    assert entry.user_id == agent.id


def test_the_api_logs_a_registration_once_and_not_its_replay(client, session, area):
    agent = Role.ONBOARDING_AGENT
    body = {"kind": "trader", "name": "Nguyễn Thị Hoa", "phone": "0912 345 678",
            "market_id": area.market.id, "stall_code": "b-12",
            "payment_methods": [{"kind": "bank_account", "bank_bin": "970436",
                                 "account_number": "0011 0012 34567",
                                 "account_holder": "NGUYEN THI HOA"}]}
    headers = {**area.auth(agent), "Idempotency-Key": "reg-audit-0001"}
    first = client.post("/api/v1/vendors", json=body, headers=headers)
    again = client.post("/api/v1/vendors", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    vendor_id = first.get_json()["id"]
    assert _registered(session) == [vendor_id]
    methods = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payment_method.add")).all()
    assert [(m.vendor_id, m.user_id) for m in methods] == [(vendor_id, area.users[agent].id)]


def test_an_import_logs_each_vendor_once_and_itself_once_even_run_twice(app, session, tmp_path):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    staff = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU),
                            username="canbo.xa")
    session.commit()
    app.config.update({"JOBS_DIR": str(tmp_path / "jobs"), "REDIS_URL": None})
    _browser, check_job = checked_upload(app, {"market": market})
    upload_id = session.get(Job, check_job).params["upload_id"]
    for _ in range(2):  # a retry, or a restarted worker, runs the commit again
        commit = create_job(session, COMMIT_JOB, {"upload_id": upload_id, "user_id": staff.id},
                            created_by=staff.id)
        session.commit()
        with app.app_context():
            assert runner.perform(app, commit.id) == "done"
    vendor_ids = set(session.scalars(select(Vendor.id)))
    assert len(vendor_ids) == 3
    assert sorted(_registered(session)) == sorted(vendor_ids)
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.entity == "vendor_import"))
    assert (entry.action, entry.entity_id, entry.user_id, entry.province_code) == (
        "vendor_import.commit", upload_id, staff.id, THAI_NGUYEN)
    assert entry.after == {"filename": "ds.csv", "market_id": market.id, "vendors_registered": 3}
