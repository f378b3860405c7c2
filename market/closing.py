"""Whether a market runs on a day: a closed market keeps its past, and takes no one new from the
day it closed (the first day closed, half-open as every dated period: periods.py)."""
from __future__ import annotations

import datetime as dt

from domain_errors import N_, Invalid
from market.models import Market
from periods import not_ended_by


def market_open_on(market: Market, day: dt.date) -> bool:
    """Whether the market runs on `day`: not closed, or closed from a later day."""
    return not_ended_by(market.closed_on, day)


def check_market_open(market: Market, day: dt.date, field: str = "market_id") -> None:
    """Refuse a new registration at a market closed on `day`."""
    if not market_open_on(market, day):
        raise Invalid(fields={field: N_("Chợ «%(market)s» đã đóng cửa từ ngày %(day)s.",
                                        market=market.name,
                                        day=market.closed_on.strftime("%d/%m/%Y"))})
