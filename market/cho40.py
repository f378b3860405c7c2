"""The Chợ 4.0 rule of each province, versioned by the day each version took effect, the dated
facts it is judged on that no other package records (fees collected cashless), and the verdict
for each market on a day: which version, met or not, and what is missing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import RECORD_MARKET_FEES, SET_CHO40_RULE, market_scope, province_scope
from audit.service import record, snapshot, ward_province
from catalog_export.models import Product, ProductListing
from domain_errors import N_, Conflict, Invalid, NotFound
from market.indicators import Counts, Criteria, MarketFacts, Verdict, VisitCounts, judge
from market.models import Cho40Rule, Market, MarketFeeCollection, Province, Ward
from market.stats import Area, counts_by_group
from periods import in_use_on_clause
from textnorm import vietnamese_sort_key
from vendors.models import Vendor
from vendors.visits import visit_counts_by_market

# What the audit log keeps of a rule version and of a fee collection period.
RULE_FIELDS = ("province_code", "effective_from", "min_cashless_percent", "min_verified_percent",
               "verified_within_days", "require_cashless_fees", "min_listed_products", "note")
FEE_FIELDS = ("market_id", "started_on", "stopped_on", "note")

# --- Rule versions --------------------------------------------------------------------------


def rule_in_force(session: Session, province_code: str, day: dt.date) -> Cho40Rule | None:
    """The version of the province's rule in force on `day`: the latest to take effect by then."""
    return session.scalar(
        select(Cho40Rule).where(Cho40Rule.province_code == province_code,
                                Cho40Rule.effective_from <= day)
        .order_by(Cho40Rule.effective_from.desc()).limit(1))


def rule_versions(session: Session, province_code: str) -> list[Cho40Rule]:
    """Every version of the province's rule, the latest first."""
    return list(session.scalars(select(Cho40Rule).where(Cho40Rule.province_code == province_code)
                                .order_by(Cho40Rule.effective_from.desc())))


def criteria_of(rule: Cho40Rule | None) -> Criteria:
    if rule is None:
        return Criteria()
    return Criteria(rule.min_cashless_percent, rule.min_verified_percent,
                    rule.verified_within_days, rule.require_cashless_fees,
                    rule.min_listed_products)


def visible_province(session: Session, actor: User, province_code: str) -> Province:
    province = session.scalar(select(Province).where(Province.code == province_code,
                                                     province_scope(actor)))
    if province is None:
        raise NotFound(N_("Không tìm thấy tỉnh/thành này trong địa bàn của bạn."))
    return province


def add_rule_version(session: Session, actor: User, province_code: str, data: dict) -> Cho40Rule:
    """A new version of the province's rule from its effective day (as RuleInput loaded it).
    Versions are never edited: one that took effect judged past days, which must stay as judged;
    a correction is a new version."""
    province = visible_province(session, actor, province_code)
    SET_CHO40_RULE.check(actor)
    if Criteria(**{key: data.get(key) for key in (
            "min_cashless_percent", "min_verified_percent", "min_listed_products")},
            require_cashless_fees=data.get("require_cashless_fees", False)).is_empty:
        raise Invalid(N_("Hãy đặt ít nhất một tiêu chí."))
    taken = session.scalar(select(Cho40Rule.id).where(
        Cho40Rule.province_code == province.code,
        Cho40Rule.effective_from == data["effective_from"]))
    if taken is not None:
        raise Conflict(fields={"effective_from": N_(
            "Đã có một phiên bản tiêu chí có hiệu lực từ ngày này.")})
    rule = Cho40Rule(province_code=province.code, created_by=actor.id, **data)
    session.add(rule)
    session.flush()
    record(session, actor.id, "cho40_rule.add", "cho40_rule", rule.id,
           province_code=province.code, after=snapshot(rule, RULE_FIELDS))
    return rule


# --- Fees collected cashless ----------------------------------------------------------------


def _fee_market(session: Session, actor: User, market_id: int) -> Market:
    market = session.scalar(select(Market).where(Market.id == market_id, market_scope(actor)))
    if market is None:
        raise NotFound(N_("Không tìm thấy chợ này trong địa bàn của bạn."))
    RECORD_MARKET_FEES.check(actor)
    return market


def fee_collections(session: Session, market_id: int) -> list[MarketFeeCollection]:
    return list(session.scalars(select(MarketFeeCollection)
                                .where(MarketFeeCollection.market_id == market_id)
                                .order_by(MarketFeeCollection.started_on.desc())))


def start_fee_collection(session: Session, actor: User, market_id: int, started_on: dt.date,
                         note: str | None = None) -> MarketFeeCollection:
    """From `started_on` the market's fees are collected cashless; one open period at a time."""
    market = _fee_market(session, actor, market_id)
    for period in fee_collections(session, market.id):
        if period.stopped_on is None or period.stopped_on > started_on:
            raise Conflict(fields={"started_on": N_(
                "Chợ đã được ghi là thu phí không dùng tiền mặt từ ngày %(day)s.",
                day=period.started_on.strftime("%d/%m/%Y"))})
    period = MarketFeeCollection(market_id=market.id, started_on=started_on, note=note,
                                 created_by=actor.id)
    session.add(period)
    session.flush()
    record(session, actor.id, "fee_collection.start", "fee_collection", period.id,
           province_code=ward_province(session, market.ward_code),
           after=snapshot(period, FEE_FIELDS))
    return period


def stop_fee_collection(session: Session, actor: User, market_id: int,
                        stopped_on: dt.date) -> MarketFeeCollection:
    """The market stopped collecting fees cashless on `stopped_on` (the first day it did not)."""
    market = _fee_market(session, actor, market_id)
    open_period = next((p for p in fee_collections(session, market.id) if p.stopped_on is None),
                       None)
    if open_period is None:
        raise Invalid(N_("Chợ này chưa được ghi là đang thu phí không dùng tiền mặt."))
    if stopped_on < open_period.started_on:
        raise Invalid(fields={"stopped_on": N_("Ngày dừng không thể trước ngày bắt đầu.")})
    before = snapshot(open_period, FEE_FIELDS)
    open_period.stopped_on = stopped_on
    session.flush()
    record(session, actor.id, "fee_collection.stop", "fee_collection", open_period.id,
           province_code=ward_province(session, market.ward_code), before=before,
           after=snapshot(open_period, FEE_FIELDS))
    return open_period


# --- Facts and verdicts ---------------------------------------------------------------------


def _markets_collecting_fees(session: Session, day: dt.date, markets: ColumnElement[bool]):
    return set(session.scalars(
        select(MarketFeeCollection.market_id).distinct()
        .join(Market, Market.id == MarketFeeCollection.market_id)
        .where(markets, in_use_on_clause(MarketFeeCollection.started_on,
                                         MarketFeeCollection.stopped_on, day))))


def listed_products_by_market(session: Session, day: dt.date,
                              markets: ColumnElement[bool]) -> dict[int, int]:
    """{market id: products of its vendors (cooperatives included) on sale online on `day`},
    each product once however many platforms list it."""
    stmt = (
        select(Vendor.market_id, func.count(func.distinct(Product.id)))
        .join(Product, Product.vendor_id == Vendor.id)
        .join(ProductListing, ProductListing.product_id == Product.id)
        .join(Market, Market.id == Vendor.market_id)
        .where(markets, in_use_on_clause(ProductListing.listed_on, ProductListing.ended_on, day))
        .group_by(Vendor.market_id)
    )
    return dict(session.execute(stmt).all())


@dataclass(frozen=True)
class MarketVerdict:
    market_id: int
    name: str
    ward_name: str
    province_code: str
    facts: MarketFacts
    rule: Cho40Rule | None
    verdict: Verdict

    @property
    def counts(self) -> Counts:
        return self.facts.counts


def market_verdicts(session: Session, day: dt.date, area: Area) -> list[MarketVerdict]:
    """Each market of the area judged on `day` by the version of its province's rule in force
    that day: those that qualify first, then the rest, each group by name."""
    markets = session.execute(
        select(Market.id, Market.name, Ward.name, Ward.province_code)
        .join(Ward, Ward.code == Market.ward_code).where(area.market_clause())).all()
    if not markets:
        return []
    counted = {market_id: counts
               for (market_id, _ward), counts in counts_by_group(session, day, area).items()}
    rules = {code: rule_in_force(session, code, day) for code in {m[3] for m in markets}}
    windows = {rule.verified_within_days for rule in rules.values() if rule is not None} or {30}
    visits = {days: visit_counts_by_market(session, day, area, days) for days in windows}
    fees = _markets_collecting_fees(session, day, area.market_clause())
    listed = listed_products_by_market(session, day, area.market_clause())
    verdicts = []
    for market_id, name, ward_name, province_code in markets:
        rule = rules[province_code]
        window = rule.verified_within_days if rule is not None else 30
        facts = MarketFacts(counted.get(market_id, Counts()),
                            visits[window].get(market_id, VisitCounts()),
                            market_id in fees, listed.get(market_id, 0))
        verdicts.append(MarketVerdict(market_id, name, ward_name, province_code, facts, rule,
                                      judge(criteria_of(rule), facts)))
    return sorted(verdicts, key=lambda v: (not v.verdict.qualifies, vietnamese_sort_key(v.name),
                                           v.market_id))
