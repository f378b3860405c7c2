"""Dated periods, the one rule for them: a period runs from its first day to the first day it no
longer holds (half-open, [start, end)), end None while it still runs. Membership of a market
(joined_on, left_on) and payment methods (started_on, stopped_on) are such periods.

Each rule is written twice, side by side: as a SQL expression over two date columns, for
queries, and as a Python function over two dates, for objects already loaded. The tests check
that both answer alike on the edge days, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import ColumnElement, and_, or_


def in_use_on(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """The period holds on `day`: it has begun, and has not reached its end day."""
    return start <= day and not_ended_by(end, day)


def not_ended_by(end: dt.date | None, day: dt.date) -> bool:
    """The period (begun or not) still holds on `day`, or would: its end day is later."""
    return end is None or end > day


def in_use_on_clause(start, end, day: dt.date) -> ColumnElement[bool]:
    """in_use_on, in SQL, for the columns `start` and `end`."""
    return and_(start <= day, or_(end.is_(None), end > day))


def in_use_during(start: dt.date, end: dt.date | None, first: dt.date, last: dt.date) -> bool:
    """The period holds on at least one day from `first` to `last`, both included."""
    return start <= last and (end is None or end > first)


def in_use_during_clause(start, end, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """in_use_during, in SQL, for the columns `start` and `end`."""
    return and_(start <= last, or_(end.is_(None), end > first))


# --- Months, for monthly series -------------------------------------------------------------


def month_first_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def month_last_day(year: int, month: int) -> dt.date:
    """The day a month's figure is read on: monthly series count the last day of each month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months(first: tuple[int, int], last: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """(year, month) from `first` to `last`, both included; nothing when `last` comes first."""
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
