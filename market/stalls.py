"""A market's stalls: listing and finding them, which stall a typed code means, and adding,
renaming and merging them. How codes are written and matched is market/stall_codes.py's."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import WRITE_STALLS
from audit.service import insert_entries, record, ward_province
from domain_errors import N_, Conflict, DomainError, Invalid, NotFound
from market.models import Market, Stall
from market.service import visible_market
from market.stall_codes import (
    AskAboutStall,
    ExistingStall,
    StallChoice,
    StallCodeError,
    choose_stall,
    natural_sort_key,
    normalise_stall_code,
    rank_stalls,
    stall_match_key,
)
from vendors.models import Vendor
from vendors.status import active_on

SUGGESTIONS = 20  # stalls offered as an agent types


def normalised_code(text: str | None, field: str) -> str:
    """The typed code as stored, or Invalid on `field` saying what is wrong with it."""
    try:
        return normalise_stall_code(text)
    except StallCodeError as error:
        raise Invalid(fields={field: error.message}) from None


def stall_refusal(question: AskAboutStall, field: str) -> DomainError:
    """The refusal that asks the agent which stall they meant. Its details let a page offer
    each choice (`stall_choices`) and, where allowed, confirming the code as a new stall
    (`new_stall_code`); a page without script posts `confirm_new_stall` with the form."""
    details = {
        "fields": {field: question.message},
        "stall_choices": [{"code": choice.code, "stall_id": choice.stall_id,
                           "zone": choice.zone} for choice in question.choices],
        "new_stall_code": question.code if question.may_create else None,
    }
    if question.pattern is not None:
        return Invalid(code="stall_code_pattern", **details)
    return Conflict(code="stall_near_match", **details)


def near_stalls(session: Session, market_id: int, code: str) -> list[StallChoice]:
    """The market's stalls whose code has the same match key as `code`, itself included."""
    rows = session.execute(select(Stall.id, Stall.code, Stall.zone).where(
        Stall.market_id == market_id, Stall.match_key == stall_match_key(code)))
    return [StallChoice(code=row_code, stall_id=stall_id, zone=zone)
            for stall_id, row_code, zone in rows]


def _market_stalls(session: Session, market_id: int) -> list[StallChoice]:
    rows = session.execute(select(Stall.id, Stall.code, Stall.zone)
                           .where(Stall.market_id == market_id))
    return [StallChoice(code=code, stall_id=stall_id, zone=zone) for stall_id, code, zone in rows]


def search_stalls(session: Session, actor: User, market_id: int, query: str, *,
                  limit: int = SUGGESTIONS) -> list[StallChoice]:
    """The stalls of a market in the actor's area matching what is typed (code or zone), best
    first (stall_codes.rank_stalls). A market has hundreds of stalls, not millions: they are
    ranked here rather than in SQL, where leading zeros and separators cannot be ignored
    portably."""
    market = visible_market(session, actor, market_id)
    return rank_stalls(query, _market_stalls(session, market.id), limit=limit)


# --- The stalls page --------------------------------------------------------------------------


@dataclass(frozen=True)
class StallRow:
    stall_id: int
    code: str
    zone: str | None
    vendors: int  # every vendor recorded at the stall, those who left included
    active_vendors: int  # those trading on the day asked


@dataclass(frozen=True)
class StallPage:
    rows: list[StallRow]
    total: int  # stalls matching
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _stall_rows(session: Session, day: dt.date, *conditions) -> list[StallRow]:
    stmt = (
        select(Stall.id, Stall.code, Stall.zone, func.count(Vendor.id),
               func.count(case((active_on(day), Vendor.id))))
        .outerjoin(Vendor, Vendor.stall_id == Stall.id)
        .where(*conditions)
        .group_by(Stall.id, Stall.code, Stall.zone)
    )
    return [StallRow(*row) for row in session.execute(stmt)]


def stall_row(session: Session, stall: Stall, day: dt.date) -> StallRow:
    """A stall (already found in the actor's area) with its vendors."""
    return _stall_rows(session, day, Stall.id == stall.id)[0]


def stall_page(session: Session, actor: User, market_id: int, day: dt.date, *, query: str = "",
               page: int = 1, page_size: int = 100) -> StallPage:
    """One page of the market's stalls with their vendors: those matching `query` best first,
    else all in reading order ("C-2" before "C-10")."""
    market = visible_market(session, actor, market_id)
    rows = {row.stall_id: row for row in _stall_rows(session, day, Stall.market_id == market.id)}
    choices = [StallChoice(row.code, row.stall_id, row.zone) for row in rows.values()]
    if query.strip():
        ordered = rank_stalls(query, choices, limit=len(choices))
    else:
        ordered = sorted(choices, key=lambda choice: natural_sort_key(choice.code))
    page = max(page, 1)
    shown = ordered[(page - 1) * page_size:page * page_size]
    return StallPage([rows[choice.stall_id] for choice in shown], len(ordered), page, page_size)


# --- Reading and changing stalls (pages and the JSON API) -------------------------------------


def list_stalls(session: Session, actor: User, market_id: int, *, page: int = 1,
                page_size: int = 50) -> tuple[list[Stall], int]:
    """One page of a market's stalls, by code, and how many it has."""
    market = visible_market(session, actor, market_id)
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
    market = visible_market(session, actor, market_id)
    stall = session.scalar(select(Stall).where(Stall.id == stall_id, Stall.market_id == market.id))
    if stall is None:
        raise NotFound(N_("Chợ «%(market)s» không có quầy này.", market=market.name))
    return stall


def writable_market_for_stalls(session: Session, actor: User, market_id: int) -> Market:
    """The market, if the actor sees it (else NotFound) and may change its stalls (else
    Forbidden)."""
    market = visible_market(session, actor, market_id)
    WRITE_STALLS.check(actor)
    return market


def _log_stall(session: Session, actor: User, action: str, market: Market, stall_id: int,
               before: dict | None, after: dict | None) -> None:
    record(session, actor.id, action, "stall", stall_id,
           province_code=ward_province(session, market.ward_code), before=before, after=after)


def _stall_values(stall: Stall) -> dict:
    return {"market_id": stall.market_id, "code": stall.code, "zone": stall.zone}


def _code_taken(market: Market, code: str) -> Conflict:
    return Conflict(fields={"code": N_("Chợ «%(market)s» đã có quầy số %(code)s.",
                                       market=market.name, code=code)})


def create_stall(session: Session, actor: User, market_id: int, data: dict) -> Stall:
    """A new stall in the market, its code written as stall_codes says. A code near an
    existing stall's is questioned unless `confirm_new_stall`; one outside the market's
    pattern is refused with the code that would fit."""
    market = writable_market_for_stalls(session, actor, market_id)
    code = normalised_code(data["code"], "code")
    decision = choose_stall(code, near_stalls(session, market.id, code),
                            market.stall_code_pattern,
                            confirm_new=bool(data.get("confirm_new_stall")))
    if isinstance(decision, ExistingStall):
        raise _code_taken(market, code)
    if isinstance(decision, AskAboutStall):
        raise stall_refusal(decision, "code")
    stall = Stall(market_id=market.id, code=code, zone=data.get("zone"))
    session.add(stall)
    session.flush()
    _log_stall(session, actor, "stall.create", market, stall.id, None, _stall_values(stall))
    return stall


def update_stall(session: Session, actor: User, market_id: int, stall_id: int,
                 data: dict) -> Stall:
    """Change a stall's code (renaming: checked as a new code is) or zone; it stays in its
    market and keeps its vendors."""
    market = writable_market_for_stalls(session, actor, market_id)
    stall = get_stall(session, actor, market.id, stall_id)
    before = _stall_values(stall)
    if "code" in data:
        code = normalised_code(data["code"], "code")
        if code != stall.code:
            decision = choose_stall(code, near_stalls(session, market.id, code),
                                    market.stall_code_pattern,
                                    confirm_new=bool(data.get("confirm_new_stall")),
                                    exclude_stall_id=stall.id)
            if isinstance(decision, ExistingStall):
                raise _code_taken(market, code)
            if isinstance(decision, AskAboutStall):
                raise stall_refusal(decision, "code")
            stall.code = code
    if "zone" in data:
        stall.zone = data["zone"]
    session.flush()
    _log_stall(session, actor, "stall.update", market, stall.id, before, _stall_values(stall))
    return stall


def merge_stalls(session: Session, actor: User, market_id: int, stall_id: int,
                 into_code: str) -> tuple[Stall, int]:
    """Merge stall `stall_id` into the market's stall coded `into_code`: its vendors (those who
    left included, so their history reads the right stall) move to it, it takes the zone if it
    had none, and the first stall is removed. One transaction: the caller commits once, or
    nothing happened. Returns the stall kept and how many vendors moved."""
    market = writable_market_for_stalls(session, actor, market_id)
    stall = get_stall(session, actor, market.id, stall_id)
    code = normalised_code(into_code, "into")
    near = near_stalls(session, market.id, code)
    target = next((choice for choice in near if choice.code == code), None)
    if target is None:
        others = ", ".join(choice.code for choice in near if choice.stall_id != stall.id)
        if others:
            raise Invalid(fields={"into": N_(
                "Chợ «%(market)s» không có quầy «%(code)s». Có phải quầy %(codes)s?",
                market=market.name, code=code, codes=others)})
        raise Invalid(fields={"into": N_("Chợ «%(market)s» không có quầy «%(code)s».",
                                         market=market.name, code=code)})
    if target.stall_id == stall.id:
        raise Invalid(fields={"into": N_("Chọn một quầy khác để gộp vào.")})
    kept = session.get(Stall, target.stall_id)
    before = _stall_values(stall)
    moving = list(session.scalars(select(Vendor.id).where(Vendor.stall_id == stall.id)))
    moved = session.execute(
        update(Vendor).where(Vendor.stall_id == stall.id).values(stall_id=kept.id)
        .execution_options(synchronize_session="fetch")).rowcount
    # The vendors move with one UPDATE (Core): each is logged, so its page shows the move.
    insert_entries(session, market.ward_code, [
        {"user_id": actor.id, "action": "vendor.update", "entity": "vendor",
         "entity_id": vendor_id, "vendor_id": vendor_id, "before": {"stall_id": stall.id},
         "after": {"stall_id": kept.id}} for vendor_id in moving])
    if kept.zone is None:
        kept.zone = stall.zone
    session.delete(stall)
    session.flush()
    _log_stall(session, actor, "stall.merge", market, stall_id, before,
               {"code": kept.code, "merged_into": kept.id, "vendors_moved": moved})
    return kept, moved
