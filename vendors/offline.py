"""What an agent's phone keeps to read with no signal: the agent's open markets with their traders,
and the traders the agent registered lately. The service worker (static/sw.js) fetches the pages
these name while the phone is online; the rest is kept as the agent opens it."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import market_scope, vendor_scope
from db import vietnamese_order
from market.models import Market
from vendors.models import IdempotencyRecord, Vendor
from vendors.search import PAGE_SIZE

# A phone on a prepaid plan: a few hundred kilobytes of pages, not a province's worth.
MAX_MARKETS = 20
MAX_LIST_PAGES_PER_MARKET = 4
MAX_RECENT_REGISTRATIONS = 50
RECENT_DAYS = 30


@dataclass(frozen=True)
class OfflineSet:
    """Market ids with how many pages of their trader list to keep, and the ids of the traders
    the agent registered lately, newest first."""

    market_pages: list[tuple[int, int]]
    recent_vendor_ids: list[int]


def offline_set(session: Session, user: User, now: dt.datetime) -> OfflineSet:
    vendors_in_scope = vendor_scope(user)
    traders = (select(Vendor.market_id, func.count().label("traders"))
               .where(vendors_in_scope, Vendor.market_id.is_not(None))
               .group_by(Vendor.market_id).subquery())
    markets = session.execute(
        select(Market.id, func.coalesce(traders.c.traders, 0))
        .outerjoin(traders, traders.c.market_id == Market.id)
        .where(market_scope(user), Market.closed_on.is_(None))
        .order_by(vietnamese_order(Market.name), Market.id)
        .limit(MAX_MARKETS)
    ).all()
    # Registrations made with a key, as the form always sends one; the vendor must still be in
    # the agent's area (a trader moved elsewhere since is no longer theirs to read).
    recent = session.scalars(
        select(IdempotencyRecord.vendor_id)
        .join(Vendor, Vendor.id == IdempotencyRecord.vendor_id)
        .where(IdempotencyRecord.user_id == user.id,
               IdempotencyRecord.created_at >= now - dt.timedelta(days=RECENT_DAYS),
               vendors_in_scope)
        .order_by(IdempotencyRecord.created_at.desc(), IdempotencyRecord.id.desc())
        .limit(MAX_RECENT_REGISTRATIONS)
    ).all()
    return OfflineSet(
        market_pages=[(market_id, min(MAX_LIST_PAGES_PER_MARKET, max(1, math.ceil(count / PAGE_SIZE))))
                      for market_id, count in markets],
        recent_vendor_ids=list(dict.fromkeys(recent)),
    )
