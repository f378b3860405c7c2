"""JSON API of the digitisation figures, under /api/v1/stats: the same figures as the pages, for
the units of the caller's area (see api.py for tokens, scope, errors)."""
from __future__ import annotations

import datetime as dt

from flask.views import MethodView

from accounts.permissions import SEE_DIGITISATION
from api import ApiBlueprint, api_user
from db import db
from errors import translate
from market.cho40 import market_verdicts
from market.dashboard import (
    area_code,
    check_visible,
    home_unit,
    resolve_area,
    shortfall_message,
)
from market.stats import area_unit, breakdown, monthly_series
from market.stats_schemas import (
    BreakdownSchema,
    Cho40Schema,
    SeriesArgs,
    SeriesSchema,
    ShareArgs,
    ShareSchema,
)
from periods import month_last_day
from vendors.visits import due_for_visit, visit_counts

blp = ApiBlueprint(
    "stats_api", __name__,
    description="Digitisation figures: active vendors, those accepting cashless payment and "
                "their share, at any date, for the country (administrators), a province, a "
                "commune or ward, or a market of your area; monthly series; Chợ 4.0 verdicts.",
)


def _visible_area(args: dict):
    """The unit the query names, else the caller's own area; NotFound outside it."""
    if not any(args.get(name) for name in ("province", "ward", "market")):
        level, code = home_unit(api_user())
        args = {} if level == "country" else {level: int(code) if level == "market" else code}
    area = resolve_area(db.session, args.get("province"), args.get("ward"), args.get("market"))
    check_visible(db.session, api_user(), area.level, area_code(area))
    return area


@blp.route("/stats/share")
class Share(MethodView):
    @blp.requires(SEE_DIGITISATION)
    @blp.arguments(ShareArgs, location="query")
    @blp.response(200, ShareSchema)
    @blp.alt_response(404, description="No such unit in your area.")
    def get(self, args):
        """The share on a day of the narrowest unit named (else the country), with the units
        below it: a province's communes and their markets"""
        area = _visible_area(args)
        return area_unit(db.session, args["date"], area).as_dict(args["date"])


@blp.route("/stats/series")
class Series(MethodView):
    @blp.requires(SEE_DIGITISATION)
    @blp.arguments(SeriesArgs, location="query")
    @blp.response(200, SeriesSchema)
    @blp.alt_response(404, description="No such unit in your area.")
    def get(self, args):
        """The share on the last day of each month, from one month to another"""
        area = _visible_area(args)
        unit = area_unit(db.session, min(month_last_day(*args["last"]), dt.date.today()), area)
        return {"level": area.level, "code": area_code(area), "name": unit.name,
                "months": monthly_series(db.session, area, args["first"], args["last"],
                                         until=dt.date.today())}


@blp.route("/stats/cho40")
class Cho40(MethodView):
    @blp.requires(SEE_DIGITISATION)
    @blp.arguments(ShareArgs, location="query")
    @blp.response(200, Cho40Schema)
    @blp.alt_response(404, description="No such unit in your area.")
    def get(self, args):
        """Each market of the unit judged by its province's Chợ 4.0 rule in force on the day:
        qualifying first, then the others with what they lack"""
        area = _visible_area(args)
        day = args["date"]
        return {"date": day, "markets": [{
            "market_id": v.market_id, "name": v.name, "ward_name": v.ward_name,
            "qualifies": v.verdict.qualifies,
            "rule_effective_from": v.rule.effective_from if v.rule else None,
            "active": v.counts.active, "cashless": v.counts.cashless,
            "verified_used": v.facts.visits.verified_used, "fees_cashless": v.facts.fees_cashless,
            "listed_products": v.facts.listed_products,
            "shortfalls": [{"kind": s.kind, "missing": s.missing,
                            "message": translate(shortfall_message(s))}
                           for s in v.verdict.shortfalls],
        } for v in market_verdicts(db.session, day, area)]}


@blp.route("/stats/breakdown")
class BreakdownOfUnit(MethodView):
    @blp.requires(SEE_DIGITISATION)
    @blp.arguments(ShareArgs, location="query")
    @blp.response(200, BreakdownSchema)
    @blp.alt_response(404, description="No such unit in your area.")
    def get(self, args):
        """The unit's counts on a day by vendor kind, market class and payment kind, and its
        return visits within `days` days"""
        area = _visible_area(args)
        day, days = args["date"], args["days"]
        figures = breakdown(db.session, day, area)
        visits = visit_counts(db.session, day, area, days)
        _due, due = due_for_visit(db.session, day, area, days, limit=0)
        return {"date": day, "level": area.level, "code": area_code(area),
                "by_vendor_kind": figures.by_vendor_kind,
                "by_market_class": figures.by_market_class,
                "by_payment_kind": figures.by_payment_kind,
                "visits": {"days": days, "cashless": visits.cashless, "visited": visits.visited,
                           "verified_used": visits.verified_used, "due": due}}
