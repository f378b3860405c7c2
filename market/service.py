"""Markets and stalls: searching, listing, creating and editing, and per-market vendor counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from accounts.permissions import WRITE_MARKETS, WRITE_STALLS, market_scope, ward_scope
from db import vietnamese_order
from domain_errors import N_, Conflict, Invalid, NotFound
from market.indicators import cashless_share
from market.models import Market, Province, Stall, Ward
from textnorm import search_key, vietnamese_sort_key
from vendors.models import Vendor
from vendors.status import accepts_cashless_on, active_on


@dataclass(frozen=True)
class MarketSummary:
    market_id: int
    name: str
    ward_name: str
    market_class: str | None
    active_vendors: int
    cashless_vendors: int

    @property
    def cashless_share(self):
        return cashless_share(self.cashless_vendors, self.active_vendors)


def market_summaries(
    session: Session, scope: ColumnElement[bool], day: dt.date
) -> list[MarketSummary]:
    """Each market in scope with its active and cashless vendor counts on `day`, in Vietnamese
    alphabetical order."""
    stmt = (
        select(
            Market.id,
            Market.name,
            Ward.name,
            Market.market_class,
            func.count(Vendor.id),
            func.count(case((accepts_cashless_on(day), Vendor.id))),
        )
        .join(Ward, Market.ward_code == Ward.code)
        .outerjoin(Vendor, and_(Vendor.market_id == Market.id, active_on(day)))
        .where(scope)
        .group_by(Market.id, Market.name, Ward.name, Market.market_class)
    )
    summaries = [
        MarketSummary(mid, name, ward, mclass.value if mclass else None, active, cashless)
        for mid, name, ward, mclass, active, cashless in session.execute(stmt)
    ]
    return sorted(summaries, key=lambda s: (vietnamese_sort_key(s.name), s.market_id))


def get_market(session: Session, market_id: int, scope: ColumnElement[bool]) -> Market | None:
    return session.scalar(select(Market).where(Market.id == market_id, scope))


def count_rows(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def overview_counts(session: Session) -> dict[str, int]:
    """Row counts an administrator sees at a glance."""
    return {
        "provinces": count_rows(session, Province),
        "wards": count_rows(session, Ward),
        "markets": count_rows(session, Market),
        "vendors": count_rows(session, Vendor),
        "users": count_rows(session, User),
    }


def search_markets(
    session: Session, scope: ColumnElement[bool], query: str = "", *, limit: int = 20
) -> list[Market]:
    """Markets in scope whose name contains every word of `query`, diacritics optional:
    "dai tu" finds "Chợ Đại Từ"."""
    stmt = select(Market).where(*_market_conditions(scope, query))
    stmt = stmt.options(selectinload(Market.ward)).order_by(vietnamese_order(Market.name), Market.id).limit(limit)
    return list(session.scalars(stmt))


def _market_conditions(scope: ColumnElement[bool], query: str = "", *,
                       province_code: str | None = None,
                       ward_code: str | None = None) -> list[ColumnElement[bool]]:
    conditions = [scope]
    for word in search_key(query).split()[:6]:
        conditions.append(Market.search_key.contains(word, autoescape=True))
    if ward_code is not None:
        conditions.append(Market.ward_code == ward_code)
    if province_code is not None:
        conditions.append(Market.ward_code.in_(
            select(Ward.code).where(Ward.province_code == province_code)))
    return conditions


# --- Changing markets and stalls (the JSON API) -----------------------------------------------


def list_markets(
    session: Session, scope: ColumnElement[bool], *, query: str = "",
    province_code: str | None = None, ward_code: str | None = None,
    page: int = 1, page_size: int = 50,
) -> tuple[list[Market], int]:
    """One page of the markets in scope matching the filters, by name, and how many match."""
    conditions = _market_conditions(scope, query, province_code=province_code,
                                    ward_code=ward_code)
    total = session.scalar(select(func.count()).select_from(Market).where(*conditions))
    offset = (max(page, 1) - 1) * page_size
    if offset >= total:  # past the last page: no query with an offset the database refuses
        return [], total
    stmt = (
        select(Market).where(*conditions)
        .options(selectinload(Market.ward).selectinload(Ward.province))
        .order_by(vietnamese_order(Market.name), Market.id)
        .limit(page_size).offset(offset)
    )
    return list(session.scalars(stmt)), total


def _visible_market(session: Session, actor: User, market_id: int) -> Market:
    market = get_market(session, market_id, market_scope(actor))
    if market is None:
        raise NotFound(N_("Không tìm thấy chợ này trong địa bàn của bạn."))
    return market


def _check_ward(session: Session, actor: User, ward_code: str) -> None:
    if session.scalar(select(Ward.code).where(Ward.code == ward_code, ward_scope(actor))) is None:
        raise Invalid(fields={"ward_code": N_("Không có xã/phường này trong địa bàn của bạn.")})


def _check_market_name_free(session: Session, name: str, ward_code: str,
                            market_id: int | None = None) -> None:
    # Two markets of one name in one commune is almost surely the same market entered twice.
    same = session.scalar(select(Market).where(
        Market.search_key == search_key(name), Market.ward_code == ward_code,
        Market.id != (market_id or 0)))
    if same is not None:
        raise Conflict(fields={"name": N_("Xã/phường này đã có chợ «%(name)s» (số %(id)s).",
                                          name=same.name, id=same.id)})


def create_market(session: Session, actor: User, data: dict) -> Market:
    """A new market from what MarketInput loaded, in a commune within the actor's area."""
    WRITE_MARKETS.check(actor)
    _check_ward(session, actor, data["ward_code"])
    _check_market_name_free(session, data["name"], data["ward_code"])
    market = Market(**data, search_key=search_key(data["name"]))
    session.add(market)
    session.flush()
    return market


def update_market(session: Session, actor: User, market_id: int, data: dict) -> Market:
    """Change the fields given; a market moved to another commune stays within the actor's area."""
    market = _visible_market(session, actor, market_id)
    WRITE_MARKETS.check(actor)
    ward_code = data.get("ward_code", market.ward_code)
    if ward_code != market.ward_code:
        _check_ward(session, actor, ward_code)
    name = data.get("name", market.name)
    if (name, ward_code) != (market.name, market.ward_code):
        _check_market_name_free(session, name, ward_code, market.id)
    for field, value in data.items():
        setattr(market, field, value)
    market.search_key = search_key(market.name)
    session.flush()
    return market


def list_stalls(session: Session, actor: User, market_id: int, *, page: int = 1,
                page_size: int = 50) -> tuple[list[Stall], int]:
    """One page of a market's stalls, by code, and how many it has."""
    market = _visible_market(session, actor, market_id)
    total = session.scalar(select(func.count()).select_from(Stall)
                           .where(Stall.market_id == market.id))
    offset = (max(page, 1) - 1) * page_size
    if offset >= total:  # past the last page: no query with an offset the database refuses
        return [], total
    stmt = (select(Stall).where(Stall.market_id == market.id).order_by(Stall.code, Stall.id)
            .limit(page_size).offset(offset))
    return list(session.scalars(stmt)), total


def get_stall(session: Session, actor: User, market_id: int, stall_id: int) -> Stall:
    """The stall, if it is in this market and the market is in the actor's area."""
    market = _visible_market(session, actor, market_id)
    stall = session.scalar(select(Stall).where(Stall.id == stall_id, Stall.market_id == market.id))
    if stall is None:
        raise NotFound(N_("Chợ «%(market)s» không có quầy này.", market=market.name))
    return stall


def _writable_market_for_stalls(session: Session, actor: User, market_id: int) -> Market:
    market = _visible_market(session, actor, market_id)
    WRITE_STALLS.check(actor)
    return market


def _check_stall_code_free(session: Session, market: Market, code: str,
                           stall_id: int | None = None) -> None:
    same = session.scalar(select(Stall.id).where(
        Stall.market_id == market.id, Stall.code == code, Stall.id != (stall_id or 0)))
    if same is not None:
        raise Conflict(fields={"code": N_("Chợ «%(market)s» đã có quầy số %(code)s.",
                                          market=market.name, code=code)})


def create_stall(session: Session, actor: User, market_id: int, data: dict) -> Stall:
    """A new stall in the market; codes are kept upper case, as agents' entries are."""
    market = _writable_market_for_stalls(session, actor, market_id)
    code = data["code"].upper()
    _check_stall_code_free(session, market, code)
    stall = Stall(market_id=market.id, code=code, zone=data.get("zone"))
    session.add(stall)
    session.flush()
    return stall


def update_stall(session: Session, actor: User, market_id: int, stall_id: int,
                 data: dict) -> Stall:
    """Change a stall's code or zone; it stays in its market."""
    market = _writable_market_for_stalls(session, actor, market_id)
    stall = get_stall(session, actor, market.id, stall_id)
    if "code" in data:
        data = {**data, "code": data["code"].upper()}
        _check_stall_code_free(session, market, data["code"], stall.id)
    for field, value in data.items():
        setattr(stall, field, value)
    session.flush()
    return stall
