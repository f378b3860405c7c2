"""Market pages: the markets in a user's scope with their vendor counts, and one market."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from accounts.permissions import SEE_DIGITISATION, market_scope
from db import db
from market.service import get_market, market_summaries
from market.stats import Area, area_counts

bp = Blueprint("market", __name__, url_prefix="/markets")


@bp.get("/")
@login_required
def index():
    today = dt.date.today()
    return render_template(
        "market/index.html",
        summaries=market_summaries(db.session, market_scope(current_user), today),
        today=today,
    )


@bp.get("/<int:market_id>")
@login_required
def detail(market_id: int):
    market = get_market(db.session, market_id, market_scope(current_user))
    if market is None:
        abort(404)
    today = dt.date.today()
    return render_template("market/detail.html", market=market, today=today,
                           counts=area_counts(db.session, today, Area(market_id=market.id)),
                           sees_figures=SEE_DIGITISATION.allows(current_user))
