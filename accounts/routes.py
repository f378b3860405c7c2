"""Login, logout, the language switch, and each role's home page."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError

from accounts.models import Role, User
from accounts.permissions import market_scope
from accounts.schemas import LoginSchema
from accounts.service import authenticate, list_users
from catalog_export.products import list_products
from db import db, login_manager
from errors import translated_fields
from market.service import market_summaries, overview_counts

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if not target or urlsplit(target).netloc or urlsplit(target).scheme or not target.startswith("/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    errors: dict = {}
    form = {"username": "", "next": request.args.get("next", "")}
    if request.method == "POST":
        status = 200
        try:
            form = LoginSchema().load(request.form.to_dict())
        except ValidationError as error:
            errors, status = translated_fields(error.messages), 422
            form = request.form.to_dict()
        else:
            user = authenticate(db.session, form["username"], form["password"])
            if user is not None:
                db.session.commit()
                login_user(user)
                return redirect(_safe_next(form.get("next")) or url_for("accounts.home"))
            errors, status = {"form": [_("Tên đăng nhập hoặc mật khẩu không đúng.")]}, 400
        return render_template("accounts/login.html", form=form, errors=errors), status
    return render_template("accounts/login.html", form=form, errors=errors)


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in ("vi", "en"):
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("accounts.home"))


@bp.get("/")
@login_required
def home():
    user: User = current_user
    today = dt.date.today()
    if user.role is Role.ADMIN:
        return render_template(
            "home/admin.html", counts=overview_counts(db.session), users=list_users(db.session)
        )
    if user.role is Role.COOPERATIVE_MANAGER:
        return render_template(
            "home/cooperative_manager.html",
            cooperative=user.cooperative,
            products=list_products(db.session, user, vendor_id=user.cooperative_id,
                                   page_size=500)[0],
        )
    summaries = market_summaries(db.session, market_scope(user), today)
    return render_template(f"home/{user.role.value}.html", summaries=summaries, today=today)
