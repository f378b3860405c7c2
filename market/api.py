"""JSON API for markets and their stalls, under /api/v1 (see api.py for tokens, scope, errors)."""
from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort

from accounts.permissions import WRITE_MARKETS, WRITE_STALLS, market_scope
from api import ID, ApiBlueprint, api_user
from db import db
from market.schemas import (
    MarketInput,
    MarketQueryArgs,
    MarketSchema,
    MarketUpdateInput,
    StallInput,
    StallSchema,
    StallUpdateInput,
)
from market.service import create_market, get_market, list_markets, update_market
from market.stalls import create_stall, get_stall, list_stalls, update_stall

blp = ApiBlueprint(
    "markets_api", __name__,
    description="Markets and their stalls. Everyone reads the markets of their area; "
                "administrators and commune staff (in their commune) create and edit markets; "
                "they and onboarding agents create and edit stalls of markets in their area.",
)


@blp.route("/markets")
class Markets(MethodView):
    @blp.arguments(MarketQueryArgs, location="query", as_kwargs=True)
    @blp.response(200, MarketSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, q="", province=None, ward=None):
        """Markets in your area, by name, filtered by province, commune and name"""
        markets, total = list_markets(
            db.session, market_scope(api_user()), query=q, province_code=province,
            ward_code=ward, page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return markets

    @blp.requires(WRITE_MARKETS)
    @blp.arguments(MarketInput)
    @blp.response(201, MarketSchema)
    @blp.alt_response(409, description="The commune already has a market of that name.")
    def post(self, data):
        """Create a market in a commune of your area"""
        market = create_market(db.session, api_user(), data)
        db.session.commit()
        return market


@blp.route(f"/markets/<{ID}:market_id>")
class MarketById(MethodView):
    @blp.response(200, MarketSchema)
    @blp.alt_response(404, description="No such market in your area.")
    def get(self, market_id):
        """One market"""
        market = get_market(db.session, market_id, market_scope(api_user()))
        if market is None:
            abort(404, message=_("Không tìm thấy chợ này trong địa bàn của bạn."))
        return market

    @blp.requires(WRITE_MARKETS)
    @blp.arguments(MarketUpdateInput)
    @blp.response(200, MarketSchema)
    @blp.alt_response(404, description="No such market in your area.")
    @blp.alt_response(409, description="The commune already has a market of that name.")
    def patch(self, data, market_id):
        """Change a market: only the fields sent"""
        market = update_market(db.session, api_user(), market_id, data)
        db.session.commit()
        return market


@blp.route(f"/markets/<{ID}:market_id>/stalls")
class Stalls(MethodView):
    @blp.response(200, StallSchema(many=True))
    @blp.alt_response(404, description="No such market in your area.")
    @blp.paginate()
    def get(self, market_id, pagination_parameters):
        """The market's stalls, by code"""
        stalls, total = list_stalls(
            db.session, api_user(), market_id, page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return stalls

    @blp.requires(WRITE_STALLS)
    @blp.arguments(StallInput)
    @blp.response(201, StallSchema)
    @blp.alt_response(404, description="No such market in your area.")
    @blp.alt_response(409, description="The market already has a stall with this code, or one "
                                        "near it (`stall_near_match`, with `stall_choices`).")
    def post(self, data, market_id):
        """Add a stall to a market"""
        stall = create_stall(db.session, api_user(), market_id, data)
        db.session.commit()
        return stall


@blp.route(f"/markets/<{ID}:market_id>/stalls/<{ID}:stall_id>")
class StallById(MethodView):
    @blp.response(200, StallSchema)
    @blp.alt_response(404, description="No such stall in this market, or market in your area.")
    def get(self, market_id, stall_id):
        """One stall of a market"""
        return get_stall(db.session, api_user(), market_id, stall_id)

    @blp.requires(WRITE_STALLS)
    @blp.arguments(StallUpdateInput)
    @blp.response(200, StallSchema)
    @blp.alt_response(404, description="No such stall in this market, or market in your area.")
    @blp.alt_response(409, description="The market already has a stall with this code.")
    def patch(self, data, market_id, stall_id):
        """Change a stall's code or zone"""
        stall = update_stall(db.session, api_user(), market_id, stall_id, data)
        db.session.commit()
        return stall
