"""Markets: searching, listing, creating, editing and closing, and per-market vendor counts.
Their stalls are in market/stalls.py."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from accounts.permissions import WRITE_MARKETS, market_scope, ward_scope
from audit.service import record, snapshot, ward_province
from db import vietnamese_order
from domain_errors import N_, Conflict, Invalid, NotFound
from market.indicators import cashless_share
from market.models import Market, Province, Ward
from market.province_map import MapFrame, frame_for
from market.stall_codes import StallCodeError, normalise_pattern
from textnorm import search_key, vietnamese_sort_key
from vendors.changes import close_vendor
from vendors.models import Vendor, VendorStatusPeriod
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
    session: Session, scope: ColumnElement[bool], query: str = "", *, limit: int = 20,
    include_closed: bool = False,
) -> list[Market]:
    """Markets in scope whose name contains every word of `query`, diacritics optional: "dai tu"
    finds "Chợ Đại Từ". Only those taking registrations (not closed today) unless
    `include_closed`."""
    conditions = _market_conditions(scope, query)
    if not include_closed:
        conditions.append(or_(Market.closed_on.is_(None), Market.closed_on > dt.date.today()))
    stmt = select(Market).where(*conditions)
    stmt = stmt.options(selectinload(Market.ward)).order_by(vietnamese_order(Market.name), Market.id)
    stmt = stmt.limit(limit)
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


def visible_market(session: Session, actor: User, market_id: int) -> Market:
    """The market, if it is in the actor's area; else NotFound (its existence not disclosed)."""
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


def _with_pattern(data: dict) -> dict:
    """`data` with its stall code pattern as stored, or refused with what to change."""
    if not data.get("stall_code_pattern"):
        return data
    try:
        return {**data, "stall_code_pattern": normalise_pattern(data["stall_code_pattern"])}
    except StallCodeError as error:
        raise Invalid(fields={"stall_code_pattern": error.message}) from None


# What the audit log keeps of a market.
LOGGED_FIELDS = ("name", "ward_code", "address", "market_class", "board_contact_name",
                 "board_contact_phone", "latitude", "longitude", "stall_code_pattern",
                 "closed_on")


def log_market_change(session: Session, actor: User, action: str, market: Market,
                      before: dict | None) -> None:
    record(session, actor.id, action, "market", market.id,
           province_code=ward_province(session, market.ward_code), before=before,
           after=snapshot(market, LOGGED_FIELDS))


def create_market(session: Session, actor: User, data: dict) -> Market:
    """A new market from what MarketInput loaded, in a commune within the actor's area."""
    WRITE_MARKETS.check(actor)
    data = _with_pattern(data)
    _check_ward(session, actor, data["ward_code"])
    _check_market_name_free(session, data["name"], data["ward_code"])
    market = Market(**data, search_key=search_key(data["name"]))
    session.add(market)
    session.flush()
    log_market_change(session, actor, "market.create", market, None)
    return market


def update_market(session: Session, actor: User, market_id: int, data: dict) -> Market:
    """Change the fields given; a market moved to another commune stays within the actor's area."""
    market = visible_market(session, actor, market_id)
    WRITE_MARKETS.check(actor)
    data = _with_pattern(data)
    ward_code = data.get("ward_code", market.ward_code)
    if ward_code != market.ward_code:
        _check_ward(session, actor, ward_code)
    name = data.get("name", market.name)
    if (name, ward_code) != (market.name, market.ward_code):
        _check_market_name_free(session, name, ward_code, market.id)
    before = snapshot(market, LOGGED_FIELDS)
    for field, value in data.items():
        setattr(market, field, value)
    market.search_key = search_key(market.name)
    session.flush()
    log_market_change(session, actor, "market.update", market, before)
    return market


# --- Closing a market --------------------------------------------------------------------------

CLOSING_REASON = "Chợ đóng cửa"  # stored as a leaving vendor's reason, as staff would write it


def vendors_trading_on(session: Session, market_id: int, day: dt.date) -> int:
    """How many vendors of the market are active on `day` (those a closing then sends away)."""
    return session.scalar(select(func.count(Vendor.id)).where(
        Vendor.market_id == market_id, active_on(day)))


def close_market(session: Session, actor: User, market_id: int, closed_on: dt.date, *,
                 today: dt.date) -> int:
    """Close the market from `closed_on`, its first day closed: it takes no new registrations,
    and the vendors still trading there leave on that day (vendors.changes.close_vendor, their
    payment methods stopping with them), so the figures of every day before it are unchanged
    and those after it count no one there. Returns how many vendors left."""
    market = visible_market(session, actor, market_id)
    WRITE_MARKETS.check(actor)
    if market.closed_on is not None:
        raise Invalid(fields={"closed_on": N_("Chợ này đã đóng cửa từ ngày %(day)s.",
                                              day=market.closed_on.strftime("%d/%m/%Y"))})
    if closed_on > today:
        raise Invalid(fields={"closed_on": N_("Ngày đóng cửa không thể ở tương lai.")})
    latest_start = session.scalar(
        select(func.max(VendorStatusPeriod.joined_on))
        .join(Vendor, Vendor.id == VendorStatusPeriod.vendor_id)
        .where(Vendor.market_id == market.id))
    if latest_start is not None and latest_start >= closed_on:
        raise Invalid(fields={"closed_on": N_(
            "Có tiểu thương bắt đầu kinh doanh ở chợ này ngày %(day)s: ngày đóng cửa phải sau "
            "ngày đó.", day=latest_start.strftime("%d/%m/%Y"))})
    leaving = list(session.scalars(
        select(Vendor.id).join(VendorStatusPeriod, VendorStatusPeriod.vendor_id == Vendor.id)
        .where(Vendor.market_id == market.id, VendorStatusPeriod.left_on.is_(None))))
    for vendor_id in leaving:
        close_vendor(session, actor, vendor_id, closed_on, CLOSING_REASON)
    before = snapshot(market, LOGGED_FIELDS)
    market.closed_on = closed_on
    session.flush()
    log_market_change(session, actor, "market.close", market, before)
    return len(leaving)


def reopen_market(session: Session, actor: User, market_id: int) -> Market:
    """Take the market's closing back (a mistake, or a market running again): it takes
    registrations again. The vendors who left when it closed stay recorded as having left."""
    market = visible_market(session, actor, market_id)
    WRITE_MARKETS.check(actor)
    if market.closed_on is None:
        raise Invalid(fields={"closed_on": N_("Chợ này đang hoạt động.")})
    before = snapshot(market, LOGGED_FIELDS)
    market.closed_on = None
    session.flush()
    log_market_change(session, actor, "market.reopen", market, before)
    return market


# --- Where a market is: communes to choose from, and the province map ---------------------------


def search_wards(session: Session, actor: User, query: str = "", *,
                 chosen: str | None = None, limit: int = 30) -> list[Ward]:
    """Communes of the actor's area whose name has every word of `query` (diacritics optional),
    by name, with the one already `chosen` first; every one when the area has a single commune."""
    conditions = [ward_scope(actor)]
    for word in search_key(query).split()[:6]:
        conditions.append(Ward.search_key.contains(word, autoescape=True))
    stmt = (select(Ward).where(*conditions).options(selectinload(Ward.province))
            .order_by(Ward.search_key, Ward.code).limit(limit))
    wards = list(session.scalars(stmt))
    if chosen and all(ward.code != chosen for ward in wards):
        ward = session.scalar(select(Ward).where(Ward.code == chosen, ward_scope(actor)))
        if ward is not None:
            wards.insert(0, ward)
    return wards


@dataclass(frozen=True)
class MapDot:
    x: float
    y: float
    name: str
    market_id: int | None = None


@dataclass(frozen=True)
class ProvinceMap:
    """What the market form draws: the province's communes as dots (its shape), the markets
    the actor sees with their names, in the frame that holds them."""

    province_name: str
    frame: MapFrame
    wards: list[MapDot]
    markets: list[MapDot]


def province_map(session: Session, actor: User, province_code: str) -> ProvinceMap | None:
    """The map of a province for the market form; None when nothing in it has coordinates."""
    province = session.get(Province, province_code)
    if province is None:
        return None
    wards = session.execute(select(Ward.name, Ward.latitude, Ward.longitude).where(
        Ward.province_code == province_code, Ward.latitude.is_not(None),
        Ward.longitude.is_not(None))).all()
    markets = session.execute(select(Market.id, Market.name, Market.latitude, Market.longitude)
                              .join(Ward, Market.ward_code == Ward.code)
                              .where(Ward.province_code == province_code, market_scope(actor),
                                     Market.latitude.is_not(None),
                                     Market.longitude.is_not(None))).all()
    frame = frame_for([(float(lat), float(lon)) for _, lat, lon in wards]
                      + [(float(lat), float(lon)) for _, _, lat, lon in markets])
    if frame is None:
        return None
    return ProvinceMap(
        province.name, frame,
        wards=[MapDot(*frame.point(float(lat), float(lon)), name) for name, lat, lon in wards],
        markets=[MapDot(*frame.point(float(lat), float(lon)), name, market_id)
                 for market_id, name, lat, lon in markets])
