"""Login, logout, the language switch, each role's home page; accounts managed by administrators
and provincial staff; everyone's own password and API tokens."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError

from accounts.management import (
    create_account,
    get_account,
    list_accounts,
    province_of_scope,
    reset_password,
    scope_choices,
    scope_for_role,
    set_account_active,
    update_account,
)
from accounts.models import Role, User
from accounts.passwords import MIN_PASSWORD_LENGTH
from accounts.permissions import MANAGE_ACCOUNTS, SEE_ALL_TOKENS, market_scope
from accounts.schemas import (
    AccountInput,
    LoginSchema,
    NewAccountInput,
    OwnPasswordInput,
    ResetPasswordInput,
    TokenInput,
)
from accounts.service import (
    Scope,
    authenticate,
    change_own_password,
    end_sessions,
    issue_api_token,
    list_api_tokens,
    revoke_api_token,
    user_for_session,
)
from catalog_export.products import list_products
from db import db, login_manager
from domain_errors import DomainError
from errors import form_messages, translated_fields
from market.service import market_summaries, overview_counts
from rate_limits import LOGIN_PER_ADDRESS, LOGIN_PER_USERNAME

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return user_for_session(db.session, session_id)


@bp.app_context_processor
def _account_links() -> dict:
    # The navigation's link to the accounts pages, for the roles that manage accounts. A job
    # renders templates too, outside any request: there is no user then.
    signed_in = has_request_context() and current_user.is_authenticated
    return {"may_manage_accounts": signed_in and MANAGE_ACCOUNTS.allows(current_user)}


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if not target or urlsplit(target).netloc or urlsplit(target).scheme or not target.startswith("/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@LOGIN_PER_USERNAME
@LOGIN_PER_ADDRESS
def login():
    errors: dict = {}
    form = {"username": "", "next": request.args.get("next", "")}
    if request.method == "POST":
        try:
            form = LoginSchema().load(request.form.to_dict())
        except ValidationError as error:
            errors, status = translated_fields(error.messages), 422
            form = request.form.to_dict()
        else:
            try:
                user = authenticate(db.session, form["username"], form["password"])
            except DomainError as refusal:  # the right password of a disabled account
                errors, status = {"form": form_messages(refusal)["_schema"]}, refusal.status
            else:
                if user is not None:
                    db.session.commit()
                    login_user(user)
                    return redirect(_safe_next(form.get("next")) or url_for("accounts.home"))
                errors, status = {"form": [_("Tên đăng nhập hoặc mật khẩu không đúng.")]}, 400
        return render_template("accounts/login.html", form=form, errors=errors), status
    return render_template("accounts/login.html", form=form, errors=errors)


@bp.post("/logout")
def logout():
    # Every session of the account ends, on every server: a copy of this session's cookie
    # (kept by another device, or taken) no longer logs anyone in.
    if current_user.is_authenticated:
        end_sessions(db.session, current_user._get_current_object())
        db.session.commit()
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
        return render_template("home/admin.html", counts=overview_counts(db.session))
    if user.role is Role.COOPERATIVE_MANAGER:
        return render_template(
            "home/cooperative_manager.html",
            cooperative=user.cooperative,
            products=list_products(db.session, user, vendor_id=user.cooperative_id,
                                   page_size=500)[0],
        )
    summaries = market_summaries(db.session, market_scope(user), today)
    return render_template(f"home/{user.role.value}.html", summaries=summaries, today=today)


# --- Accounts managed by administrators and provincial staff ---------------------------------

SCOPE_CHOICES = ("province_code", "ward_code", "market_id", "cooperative_id")


def _no_store(body, status: int = 200):
    """A page showing a password or a token, once: no cache or back button keeps it."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _scope_of(data: dict) -> Scope:
    return scope_for_role(data["role"], **{name: data[name] for name in SCOPE_CHOICES})


def _account_values(account: User) -> dict:
    province = province_of_scope(db.session, Scope(account.province_code, account.ward_code,
                                                   account.market_id, account.cooperative_id))
    return {"full_name": account.full_name, "role": account.role.value,
            "province_code": province, "ward_code": account.ward_code,
            "market_id": account.market_id, "cooperative_id": account.cooperative_id}


def _render_account(account: User, *, values: dict | None = None, errors: dict | None = None,
                    reset_errors: dict | None = None, status: int = 200):
    values = values or _account_values(account)
    return render_template(
        "accounts/detail.html", account=account, v=values, errors=errors or {},
        reset_errors=reset_errors or {},
        choices=scope_choices(db.session, current_user, values.get("province_code")),
        tokens=list_api_tokens(db.session, current_user, user_id=account.id)
        if SEE_ALL_TOKENS.allows(current_user) else None,
        notices=get_flashed_messages(),
    ), status


@bp.get("/accounts/")
@login_required
def accounts():
    query = request.args.get("q", "")
    page = list_accounts(db.session, current_user, query=query,
                         page=request.args.get("page", 1, type=int))
    return render_template("accounts/index.html", page=page, q=query,
                           may_see_tokens=SEE_ALL_TOKENS.allows(current_user))


@bp.route("/accounts/new", methods=["GET", "POST"])
@login_required
def new_account():
    MANAGE_ACCOUNTS.check(current_user)
    values, errors, status = {"role": Role.ONBOARDING_AGENT.value}, {}, 200
    # "refresh": the province changed, and with it the communes, markets and cooperatives offered.
    if request.method == "POST" and request.form.get("action") != "refresh":
        values = request.form.to_dict()
        try:
            data = NewAccountInput().load(values)
            account, password = create_account(
                db.session, current_user, username=data["username"],
                full_name=data["full_name"], role=data["role"], scope=_scope_of(data),
                password=data["password"], confirmation=data["confirmation"])
        except ValidationError as error:
            errors, status = translated_fields(error.messages), 422
        except DomainError as error:
            db.session.rollback()
            errors, status = form_messages(error), error.status
        else:
            db.session.commit()
            if password is not None:
                return _no_store(render_template("accounts/password_shown.html",
                                                 account=account, password=password,
                                                 created=True))
            flash(_("Đã tạo tài khoản %(username)s.", username=account.username))
            return redirect(url_for("accounts.account", user_id=account.id), 303)
    elif request.method == "POST":
        values = request.form.to_dict()
    for secret in ("password", "confirmation"):  # never sent back into the page
        values.pop(secret, None)
    return render_template(
        "accounts/new.html", v=values, errors=errors,
        choices=scope_choices(db.session, current_user, values.get("province_code")),
    ), status


@bp.route("/accounts/<int(min=1, max=2147483647):user_id>", methods=["GET", "POST"])
@login_required
def account(user_id: int):
    """One account: its details, role and scope (changed here), password reset, disabling."""
    target = get_account(db.session, current_user, user_id)
    if request.method == "GET":
        return _render_account(target)
    values = request.form.to_dict()
    if values.get("action") == "refresh":
        return _render_account(target, values=values)
    try:
        data = AccountInput().load(values)
        update_account(db.session, current_user, target.id, full_name=data["full_name"],
                       role=data["role"], scope=_scope_of(data))
    except ValidationError as error:
        return _render_account(target, values=values, errors=translated_fields(error.messages),
                               status=422)
    except DomainError as error:
        db.session.rollback()
        return _render_account(target, values=values, errors=form_messages(error),
                               status=error.status)
    db.session.commit()
    flash(_("Đã lưu vai trò và phạm vi của tài khoản."))
    return redirect(url_for("accounts.account", user_id=target.id), 303)


def _set_active(user_id: int, active: bool):
    target = set_account_active(db.session, current_user, user_id, active)
    db.session.commit()
    flash(_("Đã mở khóa tài khoản.") if active else
          _("Đã khóa tài khoản: không đăng nhập được, khóa API ngừng hoạt động."))
    return redirect(url_for("accounts.account", user_id=target.id), 303)


@bp.post("/accounts/<int(min=1, max=2147483647):user_id>/disable")
@login_required
def disable_account(user_id: int):
    return _set_active(user_id, False)


@bp.post("/accounts/<int(min=1, max=2147483647):user_id>/enable")
@login_required
def enable_account(user_id: int):
    return _set_active(user_id, True)


@bp.post("/accounts/<int(min=1, max=2147483647):user_id>/password")
@login_required
def reset_account_password(user_id: int):
    target = get_account(db.session, current_user, user_id)  # out of scope: 404 before the form
    try:
        data = ResetPasswordInput().load(request.form.to_dict())
        _account, password = reset_password(
            db.session, current_user, target.id,
            password=data["password"] if data["action"] == "set" else None,
            confirmation=data["confirmation"])
    except ValidationError as error:
        return _render_account(target, reset_errors=translated_fields(error.messages), status=422)
    except DomainError as error:
        db.session.rollback()
        return _render_account(target, reset_errors=form_messages(error), status=error.status)
    db.session.commit()
    return _no_store(render_template("accounts/password_shown.html", account=target,
                                     password=password, created=False))


@bp.get("/accounts/tokens")
@login_required
def all_tokens():
    SEE_ALL_TOKENS.check(current_user)
    return render_template("accounts/all_tokens.html",
                           tokens=list_api_tokens(db.session, current_user))


# --- Everyone's own password and API tokens ---------------------------------------------------


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def own_password():
    errors, status = {}, 200
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            data = OwnPasswordInput().load(request.form.to_dict())
            change_own_password(db.session, user, current=data["current_password"],
                                new=data["new_password"], confirmation=data["confirmation"])
        except ValidationError as error:
            errors, status = translated_fields(error.messages), 422
        except DomainError as error:
            db.session.rollback()
            errors, status = form_messages(error), error.status
        else:
            db.session.commit()
            login_user(user)  # this session carries the new session version; others end
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc và các "
                    "khóa API của bạn đã bị thu hồi."))
            return redirect(url_for("accounts.own_password"), 303)
    return render_template("accounts/own_password.html", errors=errors,
                           min_length=MIN_PASSWORD_LENGTH, notices=get_flashed_messages()), status


def _token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])


def _render_tokens(*, issued=None, plain: str | None = None, errors: dict | None = None,
                   name: str = "", status: int = 200):
    body = render_template(
        "accounts/tokens.html",
        tokens=list_api_tokens(db.session, current_user, user_id=current_user.id),
        issued=issued, plain=plain, errors=errors or {}, name=name,
        notices=get_flashed_messages())
    return _no_store(body, status) if plain else (body, status)


@bp.route("/me/tokens", methods=["GET", "POST"])
@login_required
def own_tokens():
    if request.method == "GET":
        return _render_tokens()
    values = request.form.to_dict()
    try:
        data = TokenInput().load(values)
    except ValidationError as error:
        return _render_tokens(errors=translated_fields(error.messages),
                              name=values.get("name", ""), status=422)
    token, plain = issue_api_token(db.session, current_user, data["name"],
                                   lifetime=_token_lifetime())
    db.session.commit()
    return _render_tokens(issued=token, plain=plain)


@bp.post("/tokens/<int(min=1, max=2147483647):token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = revoke_api_token(db.session, current_user, token_id)
    db.session.commit()
    flash(_("Đã thu hồi khóa «%(name)s»: nó không dùng được nữa.", name=token.name))
    return redirect(_safe_next(request.form.get("next")) or url_for("accounts.own_tokens"), 303)
