"""`flask demo load`: realistic Thái Nguyên data, a user per role, and a fast bulk --scale."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from accounts.models import Role, User
from catalog_export.models import Product, ProductVariant
from market.models import Market, Ward
from qr.models import Bank
from tests.factories import login
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor, VendorKind


def test_demo_load_builds_thai_nguyen_markets_vendors_and_cooperatives(runner, session):
    result = runner.invoke(args=["demo", "load", "--password", "mat-khau-demo"])
    assert result.exit_code == 0, result.output
    markets = session.scalars(select(Market)).all()
    assert 18 <= len(markets) <= 25
    assert {m.ward.province_code for m in markets} == {"19"}
    assert "Chợ Đại Từ" in {m.name for m in markets}
    vendors = session.scalars(select(Vendor)).all()
    assert 200 <= len(vendors) <= 600
    assert all(unicodedata.is_normalized("NFC", v.name) for v in vendors)
    assert any(ch in "".join(v.name for v in vendors) for ch in "ăâđêôơư")
    banks = {m.bank_bin for m in session.scalars(
        select(PaymentMethod).where(PaymentMethod.kind == PaymentMethodKind.BANK_ACCOUNT))}
    assert banks and banks <= set(session.scalars(select(Bank.bin)))
    cooperatives = [v for v in vendors if v.kind is VendorKind.COOPERATIVE]
    assert len(cooperatives) >= 3
    assert session.scalar(select(func.count()).select_from(Product)) >= 4
    assert session.scalar(select(func.min(ProductVariant.price))) > 0


def test_demo_load_prints_a_working_account_for_every_role(runner, app, session):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    users = session.scalars(select(User)).all()
    assert {u.role for u in users} == set(Role)
    for user in users:
        match = re.search(rf"^\s+{re.escape(user.username)}\s+(\S+)", result.output, re.MULTILINE)
        assert match, f"{user.username} not printed"
        client = app.test_client()
        assert login(client, user.username, match.group(1)).status_code == 302
        assert f'data-home="{user.role.value}"' in client.get("/").get_data(as_text=True)


def test_demo_load_refuses_a_database_that_has_data_unless_asked_to_skip(runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 2 and "cơ sở dữ liệu trống" in again.output
    skipped = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skipped.exit_code == 0


def test_scale_load_creates_exactly_n_vendors_each_with_history(runner, session):
    result = runner.invoke(args=["demo", "load", "--scale", "1200"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Vendor)) == 1200
    without_history = session.scalar(
        select(func.count()).select_from(Vendor).where(~Vendor.status_periods.any()))
    assert without_history == 0
    wards = set(session.scalars(select(Market.ward_code)))
    assert wards <= set(session.scalars(select(Ward.code).where(Ward.province_code == "19")))


def test_rows_added_after_a_bulk_load_get_fresh_ids(runner, session):
    # Bulk loading reserves ids itself; on PostgreSQL the sequence must stay ahead of them.
    assert runner.invoke(args=["demo", "load", "--scale", "300"]).exit_code == 0
    assert runner.invoke(args=["demo", "load", "--scale", "300"]).exit_code == 0
    from tests.factories import make_vendor

    vendor = make_vendor(session)
    session.commit()
    assert vendor.id > 600
    assert session.scalar(select(func.count()).select_from(Vendor)) == 601
