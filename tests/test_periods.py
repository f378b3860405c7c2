"""The period rule (periods.py) on its edge days, in Python and in SQL on the test's engine."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from periods import (
    in_use_during,
    in_use_during_clause,
    in_use_on,
    in_use_on_clause,
    month_last_day,
    months,
    not_ended_by,
)
from tests.factories import make_bank_account, make_market, make_vendor
from vendors.models import PaymentMethod, VendorStatusPeriod

TODAY = dt.date(2026, 3, 15)
YESTERDAY = TODAY - dt.timedelta(days=1)
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (TODAY, None, True),            # joined today
    (TOMORROW, None, False),        # joins tomorrow
    (dt.date(2020, 1, 1), TODAY, False),     # left today: today is the first day away
    (dt.date(2020, 1, 1), TOMORROW, True),   # leaves tomorrow: still here today
    (dt.date(2020, 1, 1), YESTERDAY, False),  # stopped yesterday
    (TODAY, TOMORROW, True),        # a one-day period
])
def test_in_use_on_the_edge_days(start, end, expected):
    assert in_use_on(start, end, TODAY) is expected


def test_not_ended_by_looks_at_the_end_only():
    assert not_ended_by(None, TODAY)
    assert not_ended_by(TOMORROW, TODAY)
    assert not not_ended_by(TODAY, TODAY)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (dt.date(2026, 2, 28), dt.date(2026, 3, 1), False),  # ended on the month's first day
    (dt.date(2026, 2, 28), dt.date(2026, 3, 2), True),   # held on 1 March
    (dt.date(2026, 3, 31), None, True),                  # began on its last day
    (dt.date(2026, 4, 1), None, False),                  # began after it
    (dt.date(2026, 1, 1), None, True),
])
def test_in_use_during_a_month(start, end, expected):
    assert in_use_during(start, end, dt.date(2026, 3, 1), month_last_day(2026, 3)) is expected


def test_months_and_their_last_days():
    assert list(months((2025, 11), (2026, 2))) == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    assert list(months((2026, 2), (2026, 1))) == []
    assert month_last_day(2024, 2) == dt.date(2024, 2, 29)
    assert month_last_day(2026, 2) == dt.date(2026, 2, 28)
    assert month_last_day(2026, 12) == dt.date(2026, 12, 31)


EDGE_DATES = [dt.date(2020, 1, 1), YESTERDAY, TODAY, TOMORROW]


def test_sql_and_python_agree_on_every_edge_day(session):
    """Every period made of edge dates (ending after it starts, or open), in both tables the rule
    serves, asked on each edge day and over a month: the SQL clause selects exactly the rows the
    Python twin accepts."""
    market = make_market(session)
    periods = [(start, end) for start, end in itertools.product(EDGE_DATES, [*EDGE_DATES, None])
               if end is None or end >= start]
    for start, end in periods:
        # A vendor each: a vendor has at most one open membership period.
        vendor = make_vendor(session, market, joined_on=start, left_on=end)
        make_bank_account(session, vendor, started_on=start, stopped_on=end)
    tables = ((VendorStatusPeriod, VendorStatusPeriod.joined_on, VendorStatusPeriod.left_on),
              (PaymentMethod, PaymentMethod.started_on, PaymentMethod.stopped_on))
    for model, start_column, end_column in tables:
        rows = session.execute(select(model.id, start_column, end_column)).all()
        assert len(rows) >= len(periods)
        for day in EDGE_DATES:
            selected = set(session.scalars(
                select(model.id).where(in_use_on_clause(start_column, end_column, day))))
            assert selected == {row_id for row_id, start, end in rows
                                if in_use_on(start, end, day)}, (model.__name__, day)
        first, last = YESTERDAY, TOMORROW
        selected = set(session.scalars(select(model.id).where(
            in_use_during_clause(start_column, end_column, first, last))))
        assert selected == {row_id for row_id, start, end in rows
                            if in_use_during(start, end, first, last)}
