"""Vendor status and payment methods are kept as dated history the database itself protects."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import true
from sqlalchemy.exc import IntegrityError

from market.service import market_summaries
from tests.factories import make_bank_account, make_market, make_vendor
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor, VendorKind, VendorStatusPeriod


def test_a_vendor_cannot_have_two_open_membership_periods(session):
    vendor = make_vendor(session)
    session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=dt.date(2025, 1, 1)))
    with pytest.raises(IntegrityError):
        session.flush()


def test_leaving_before_joining_is_refused(session):
    vendor = make_vendor(session, joined_on=dt.date(2024, 5, 1))
    vendor.status_periods[0].left_on = dt.date(2024, 4, 30)
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_bank_account_needs_bin_number_and_holder(session):
    vendor = make_vendor(session)
    session.add(PaymentMethod(vendor_id=vendor.id, kind=PaymentMethodKind.BANK_ACCOUNT,
                              bank_bin="970436", started_on=dt.date(2024, 1, 1)))
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_bank_account_must_point_at_a_known_bank(session):
    vendor = make_vendor(session)
    make_bank_account(session, vendor, bank_bin="970436")
    with pytest.raises(IntegrityError):
        make_bank_account(session, vendor, bank_bin="123456")


def test_a_trader_needs_a_market_but_a_cooperative_may_have_none(session):
    session.add(Vendor(kind=VendorKind.COOPERATIVE, name="HTX Chè", search_key="htx che",
                       ward_code="05503"))
    session.flush()
    session.add(Vendor(kind=VendorKind.TRADER, name="Lê Thị Hoa", search_key="le thi hoa",
                       ward_code="05503"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_counts_follow_the_dates_of_joining_leaving_and_payment_methods(session):
    market = make_market(session)
    stayed = make_vendor(session, market, joined_on=dt.date(2024, 1, 1))
    make_bank_account(session, stayed, started_on=dt.date(2024, 6, 1))
    make_vendor(session, market, joined_on=dt.date(2024, 1, 1), left_on=dt.date(2024, 9, 1))
    stopped = make_vendor(session, market, joined_on=dt.date(2024, 3, 1))
    make_bank_account(session, stopped, started_on=dt.date(2024, 3, 1),
                      stopped_on=dt.date(2024, 7, 1), account_number="123456789")

    def counts(day):
        (summary,) = [s for s in market_summaries(session, true(), day) if s.market_id == market.id]
        return summary.active_vendors, summary.cashless_vendors

    assert counts(dt.date(2023, 12, 31)) == (0, 0)
    assert counts(dt.date(2024, 3, 1)) == (3, 1)
    assert counts(dt.date(2024, 6, 30)) == (3, 2)
    assert counts(dt.date(2024, 7, 1)) == (3, 1)  # stopped_on is the first day without it
    assert counts(dt.date(2024, 9, 1)) == (2, 1)  # left_on is the first day away
