"""What the onboarding form offers: the markets an agent may choose (by name, diacritics
optional), the chosen market's stalls matching the code typed, the bank directory, and a fresh
idempotency key for each registration."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import market_scope
from market.models import Market
from market.service import search_markets
from market.stall_codes import StallChoice
from market.stalls import search_stalls
from qr.banks import list_banks
from qr.models import Bank

MARKET_CHOICES = 20


def new_idempotency_key() -> str:
    """A key for one registration, put in the form (the page's script replaces it with its own)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class OnboardingChoices:
    markets: list[Market]
    banks: list[Bank]
    # Offered under the stall field (a datalist without script; the script asks as one types).
    stalls: list[StallChoice]


def onboarding_choices(session: Session, actor: User, market_query: str = "",
                       market_id: int | None = None, stall_query: str = "") -> OnboardingChoices:
    """The markets (those matching `market_query`, and the one chosen), the chosen market's
    stalls matching `stall_query`, and the banks the form lists."""
    scope = market_scope(actor)
    markets = search_markets(session, scope, market_query, limit=MARKET_CHOICES)
    if market_id and all(market.id != market_id for market in markets):
        chosen = session.scalar(select(Market).where(Market.id == market_id, scope))
        if chosen is not None:
            markets.insert(0, chosen)
    chosen_id = market_id or (markets[0].id if len(markets) == 1 else None)
    stalls = (search_stalls(session, actor, chosen_id, stall_query)
              if chosen_id and stall_query.strip()
              and any(market.id == chosen_id for market in markets) else [])
    return OnboardingChoices(markets=markets, banks=list_banks(session), stalls=stalls)
