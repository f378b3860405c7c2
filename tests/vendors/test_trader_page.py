"""The trader's page after registration: details corrected with the registration's duplicate
checks, a bank account added from a photo of the new sticker (and the placard following it), an
account replaced or stopped, the trader leaving and coming back; every change in the history."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.service import Scope
from audit.models import AuditEntry
from market.indicators import Counts
from market.stats import Area, area_counts
from qr.payload import build_vietqr
from tests.factories import (
    DAI_TU,
    login,
    make_bank_account,
    make_market,
    make_quick_user,
    make_vendor,
)
from tests.vendors.test_onboarding_pages import _photo
from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod


@pytest.fixture
def trader(session):
    market = make_market(session, ward_code=DAI_TU, name="Chợ Đại Từ")
    vendor = make_vendor(session, market, name="Lê Thị Hồng", phone="0912345678",
                         joined_on=dt.date(2025, 1, 10))
    other = make_vendor(session, market, name="Phạm Văn Bảy", phone="0987654321")
    agent = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU))
    provincial = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    return {"vendor": vendor, "other": other, "agent": agent, "provincial": provincial,
            "market": market}


def _error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.DOTALL)
    return found.group(1).strip() if found else ""


def test_details_are_corrected_with_the_duplicate_check_and_logged(client, session, trader):
    vendor = trader["vendor"]
    login(client, trader["agent"].username)
    form = client.get(f"/vendors/{vendor.id}/edit").get_data(as_text=True)
    assert 'value="0912345678"' in form
    refused = client.post(f"/vendors/{vendor.id}/edit", data={"name": "Lê Thị Hồng",
                                                             "phone": "0987 654 321"})
    assert refused.status_code == 409  # Phạm Văn Bảy has that phone
    assert "Phạm Văn Bảy" in refused.get_data(as_text=True)
    saved = client.post(f"/vendors/{vendor.id}/edit", data={
        "name": "Lê Thị Hồng", "phone": "0912 345 679", "citizen_id": "", "tax_code": ""})
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(Vendor, vendor.id).phone == "0912345679"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.vendor_id == vendor.id)).one()
    assert (entry.action, entry.user_id, entry.before, entry.after) == (
        "vendor.update", trader["agent"].id, {"phone": "0912345678"}, {"phone": "0912345679"})
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "0912345678 → 0912345679" in page
    # Everything wrong is said at once, and nothing is saved.
    both = client.post(f"/vendors/{vendor.id}/edit", data={"name": "L", "phone": "12"})
    html = both.get_data(as_text=True)
    assert both.status_code == 422 and _error(html, "name") and _error(html, "phone")


def test_provincial_staff_read_the_history_masked_and_cannot_change(client, session, trader):
    vendor = trader["vendor"]
    login(client, trader["agent"].username)
    client.post(f"/vendors/{vendor.id}/edit", data={"name": "Lê Thị Hồng",
                                                   "phone": "0912345679"})
    client.post("/logout")
    login(client, trader["provincial"].username)
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Lịch sử thay đổi" in page and "0912345679" not in page and "•••••••679" in page
    assert 'id="edit-details"' not in page
    assert client.get(f"/vendors/{vendor.id}/edit").status_code == 403
    assert client.post(f"/vendors/{vendor.id}/leave",
                       data={"left_on": "2026-01-01"}).status_code == 403


def test_a_bank_account_from_a_sticker_photo_gives_the_placard(client, session, trader):
    vendor = trader["vendor"]
    login(client, trader["agent"].username)
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert 'id="add-bank-for-placard"' in page  # no placard yet: the way to one
    sticker = _photo(build_vietqr("970436", "0011001234567"))
    scanned = client.post(f"/vendors/{vendor.id}/payment-methods/new", data={
        "action": "scan", "photo": (io.BytesIO(sticker), "sticker.jpg")},
        content_type="multipart/form-data")
    html = scanned.get_data(as_text=True)
    assert scanned.status_code == 200
    assert 'value="0011001234567"' in html and re.search(r'value="970436"\s+selected', html)
    saved = client.post(f"/vendors/{vendor.id}/payment-methods/new", data={
        "kind": "bank_account", "bank_bin": "970436", "account_number": "0011001234567",
        "account_holder": "LE THI HONG", "started_on": "2026-02-01", "action": "save"})
    assert saved.status_code == 303
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "data-no-placard" not in page
    assert client.get(f"/qr/vendors/{vendor.id}/placard.pdf").status_code == 200
    # A wrong account number for the bank is said beside its field, all fields at once.
    refused = client.post(f"/vendors/{vendor.id}/payment-methods/new", data={
        "kind": "bank_account", "bank_bin": "970436", "account_number": "12", "action": "save"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and _error(html, "account_holder")


def test_an_account_is_replaced_or_stopped_with_its_dates(client, session, trader):
    vendor = trader["vendor"]
    old = make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1))
    session.commit()
    login(client, trader["agent"].username)
    response = client.post(f"/vendors/{vendor.id}/payment-methods/new", data={
        "kind": "bank_account", "bank_bin": "970436", "account_number": "0011009876543",
        "account_holder": "LE THI HONG", "started_on": "2026-03-01", "replaces": str(old.id),
        "action": "save"})
    assert response.status_code == 303
    session.expire_all()
    methods = session.scalars(select(PaymentMethod).where(PaymentMethod.vendor_id == vendor.id)
                              .order_by(PaymentMethod.id)).all()
    assert [(m.account_number, m.started_on, m.stopped_on) for m in methods] == [
        ("0011001234567", dt.date(2025, 2, 1), dt.date(2026, 3, 1)),
        ("0011009876543", dt.date(2026, 3, 1), None)]
    refused = client.post(f"/vendors/{vendor.id}/payment-methods/{methods[1].id}/stop",
                          data={"stopped_on": "2026-02-01"})
    assert refused.status_code == 422  # before it started
    stopped = client.post(f"/vendors/{vendor.id}/payment-methods/{methods[1].id}/stop",
                          data={"stopped_on": "2026-04-01"})
    assert stopped.status_code == 303
    session.expire_all()
    assert session.get(PaymentMethod, methods[1].id).stopped_on == dt.date(2026, 4, 1)
    other_method = make_bank_account(session, trader["other"], account_number="0011005555555")
    session.commit()
    assert client.post(f"/vendors/{vendor.id}/payment-methods/{other_method.id}/stop",
                       data={"stopped_on": "2026-04-01"}).status_code == 404


def test_the_trader_leaves_and_comes_back_and_the_figures_follow(client, session, trader):
    vendor, market = trader["vendor"], trader["market"]
    make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1))
    session.commit()
    login(client, trader["agent"].username)
    assert client.post(f"/vendors/{vendor.id}/leave", data={
        "left_on": "2026-02-15", "reason": "Chuyển về quê"}).status_code == 303
    early = client.post(f"/vendors/{vendor.id}/return", data={"joined_on": "2026-02-01"})
    assert early.status_code == 422
    assert "15/02/2026" in _error(early.get_data(as_text=True), "joined_on")
    assert client.post(f"/vendors/{vendor.id}/return",
                       data={"joined_on": "2026-05-01"}).status_code == 303
    session.expire_all()
    periods = session.scalars(select(VendorStatusPeriod).where(
        VendorStatusPeriod.vendor_id == vendor.id).order_by(VendorStatusPeriod.joined_on)).all()
    assert [(p.joined_on, p.left_on) for p in periods] == [
        (dt.date(2025, 1, 10), dt.date(2026, 2, 15)), (dt.date(2026, 5, 1), None)]
    area = Area(market_id=market.id)
    # The other trader counts throughout; this one was away in March, and came back cash only.
    assert area_counts(session, dt.date(2026, 1, 31), area) == Counts(2, 1)
    assert area_counts(session, dt.date(2026, 3, 31), area) == Counts(1, 0)
    assert area_counts(session, dt.date(2026, 5, 31), area) == Counts(2, 0)
    actions = session.scalars(select(AuditEntry.action).where(
        AuditEntry.vendor_id == vendor.id).order_by(AuditEntry.id)).all()
    assert actions == ["vendor.leave", "payment_method.stop", "vendor.return"]
