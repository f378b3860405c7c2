"""Verification visits: an agent's return to a vendor to see that the placard is up and used.
Recording one, a vendor's visits, and the figures the dashboards show: the share of cashless
vendors verified within N days, and who is due for a visit."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from accounts.models import User
from accounts.permissions import RECORD_VISITS, vendor_scope
from domain_errors import N_, Invalid, NotFound
from market.indicators import VisitCounts
from market.models import Market, Stall
from market.stats import Area, cashless_vendor_ids
from vendors.models import Vendor, VerificationVisit, VisitAnswer
from vendors.status import active_on

DEFAULT_WINDOW_DAYS = 30


def record_visit(session: Session, actor: User, vendor_id: int, data: dict, *,
                 today: dt.date) -> VerificationVisit:
    """A visit to a vendor the actor sees, on a day not after today (as VisitInput loaded it)."""
    RECORD_VISITS.check(actor)
    vendor = session.scalar(select(Vendor).where(Vendor.id == vendor_id, vendor_scope(actor)))
    if vendor is None:
        raise NotFound(N_("Không tìm thấy tiểu thương này trong địa bàn của bạn."))
    if data["visited_on"] > today:
        raise Invalid(fields={"visited_on": N_("Ngày kiểm tra không thể sau hôm nay.")})
    visit = VerificationVisit(vendor_id=vendor.id, recorded_by=actor.id, **data)
    session.add(visit)
    session.flush()
    return visit


def vendor_visits(session: Session, vendor_id: int, *, limit: int = 20) -> list[VerificationVisit]:
    """The vendor's latest visits first (the caller has checked the vendor is in scope)."""
    stmt = (select(VerificationVisit).where(VerificationVisit.vendor_id == vendor_id)
            .order_by(VerificationVisit.visited_on.desc(), VerificationVisit.id.desc())
            .limit(limit))
    return list(session.scalars(stmt))


def _window(day: dt.date, days: int) -> tuple[dt.date, dt.date]:
    return day - dt.timedelta(days=days - 1), day


def _visited_ids(day: dt.date, days: int):
    first, last = _window(day, days)
    return select(VerificationVisit.vendor_id).where(
        VerificationVisit.visited_on.between(first, last))


def _verified_used_ids(day: dt.date, days: int):
    """Vendors whose latest visit within the window found the placard used in the last 30 days."""
    first, last = _window(day, days)
    later = aliased(VerificationVisit)
    return select(VerificationVisit.vendor_id).where(
        VerificationVisit.visited_on.between(first, last),
        VerificationVisit.used_last_30_days == VisitAnswer.YES,
        ~select(later.id).where(
            later.vendor_id == VerificationVisit.vendor_id,
            later.visited_on > VerificationVisit.visited_on, later.visited_on <= last,
            later.used_last_30_days != VisitAnswer.YES).exists())


def visit_counts_by_market(session: Session, day: dt.date, area: Area,
                           days: int = DEFAULT_WINDOW_DAYS) -> dict[int | None, VisitCounts]:
    """{market id (None for vendors without one): visit counts} of the area's cashless vendors
    active on `day`, visits counted within the `days` days ending on `day`."""
    stmt = (
        select(Vendor.market_id, func.count(Vendor.id),
               func.count(case((Vendor.id.in_(_visited_ids(day, days)), Vendor.id))),
               func.count(case((Vendor.id.in_(_verified_used_ids(day, days)), Vendor.id))))
        .select_from(Vendor).outerjoin(Market, Market.id == Vendor.market_id)
        .where(active_on(day), area.vendor_clause(), Vendor.id.in_(cashless_vendor_ids(day)))
        .group_by(Vendor.market_id)
    )
    return {market_id: VisitCounts(cashless, visited, used)
            for market_id, cashless, visited, used in session.execute(stmt)}


def visit_counts(session: Session, day: dt.date, area: Area,
                 days: int = DEFAULT_WINDOW_DAYS) -> VisitCounts:
    return sum(visit_counts_by_market(session, day, area, days).values(), VisitCounts())


@dataclass(frozen=True)
class DueVisit:
    vendor_id: int
    name: str
    market_name: str | None
    stall_code: str | None
    last_visit: dt.date | None


def due_for_visit(session: Session, day: dt.date, area: Area, days: int = DEFAULT_WINDOW_DAYS,
                  *, limit: int = 200) -> tuple[list[DueVisit], int]:
    """The area's cashless vendors active on `day` with no visit within the `days` days ending
    on `day`, never-visited first, then the longest unvisited; and how many there are."""
    last_visit = (select(VerificationVisit.vendor_id,
                         func.max(VerificationVisit.visited_on).label("last_visit"))
                  .where(VerificationVisit.visited_on <= day)
                  .group_by(VerificationVisit.vendor_id).subquery())
    conditions = [active_on(day), area.vendor_clause(), Vendor.id.in_(cashless_vendor_ids(day)),
                  Vendor.id.not_in(_visited_ids(day, days))]
    stmt = (
        select(Vendor.id, Vendor.name, Market.name, Stall.code, last_visit.c.last_visit)
        .select_from(Vendor).outerjoin(Market, Market.id == Vendor.market_id)
        .outerjoin(Stall, Stall.id == Vendor.stall_id)
        .outerjoin(last_visit, last_visit.c.vendor_id == Vendor.id)
        .where(*conditions)
        .order_by(last_visit.c.last_visit.is_not(None), last_visit.c.last_visit, Vendor.id)
        .limit(limit)
    )
    total = session.scalar(select(func.count(Vendor.id)).select_from(Vendor)
                           .outerjoin(Market, Market.id == Vendor.market_id).where(*conditions))
    return [DueVisit(*row) for row in session.execute(stmt)], total


def last_visits(session: Session, vendor_ids: list[int], day: dt.date) -> dict[int, tuple]:
    """{vendor id: (last visit day, used answer)} on or before `day`, for a list of vendors."""
    if not vendor_ids:
        return {}
    latest = defaultdict(tuple)
    stmt = (select(VerificationVisit.vendor_id, VerificationVisit.visited_on,
                   VerificationVisit.used_last_30_days)
            .where(VerificationVisit.vendor_id.in_(vendor_ids),
                   VerificationVisit.visited_on <= day)
            .order_by(VerificationVisit.vendor_id, VerificationVisit.visited_on,
                      VerificationVisit.id))
    for vendor_id, visited_on, used in session.execute(stmt):
        latest[vendor_id] = (visited_on, used)
    return dict(latest)

