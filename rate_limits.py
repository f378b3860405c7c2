"""Rate limits (Flask-Limiter): failed logins per username and per client address; sticker scans,
downloads of PDFs and export files, and the look-ups that tell whether a trader is already
registered, per logged-in user. The limits are read from the config on every request
(config.py: LOGIN_LIMIT_PER_USER, ..., which tests lower), their counters kept in Redis when
REDIS_URL is set, in memory otherwise.

A route takes its limit as a decorator under @login_required (an anonymous request is sent to
the login page before it is counted), or on an API method under flask-smorest's decorators (the
bearer token is known by then):

    @bp.get("/vendors/<int:vendor_id>/placard.pdf")
    @login_required
    @DOWNLOADS
    def vendor_placard_pdf(vendor_id): ...

Over a limit the answer is 429 with Retry-After and a sentence saying what and how long, as the
error page or errors.py's JSON body.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from errors import error_response

# Names of the counters: logins are counted per endpoint, the others shared by their routes.
LOGIN_USERNAME, LOGIN_ADDRESS = "login-username", "login-address"
SCANS, DOWNLOADS_SCOPE, DUPLICATE_LOOKUPS_SCOPE = "scans", "downloads", "duplicate-lookups"


def client_address() -> str:
    """The client's address: the connection's, or with PROXIES_IN_FRONT the one the nearest
    proxy of ours wrote into X-Forwarded-For (addresses further left are the client's say-so)."""
    proxies = current_app.config.get("PROXIES_IN_FRONT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")
                     if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.remote_addr or "unknown"


def user_key() -> str:
    """Whom a limit counts: the API token's user, the logged-in user, else the address."""
    api_user = g.get("api_user")
    if api_user is not None:
        return f"user:{api_user.id}"
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{client_address()}"


def _address_key() -> str:
    return f"address:{client_address()}"


def _login_username_key() -> str:
    # As accounts.service.authenticate reads it; bounded, so a long name is one more key.
    return "username:" + ((request.form.get("username") or "").strip().lower()[:64] or "-")


def _login_failed(response) -> bool:
    # A login that worked redirects; only the others are counted.
    return response.status_code not in (302, 303)


def _configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


limiter = Limiter(key_func=user_key, key_prefix="cho40-limits", strategy="moving-window",
                  in_memory_fallback_enabled=True)

# The login form's POST: failures per username (guessing one account's password) and per
# address (trying many accounts).
LOGIN_PER_USERNAME = limiter.limit(
    _configured("LOGIN_LIMIT_PER_USER"), key_func=_login_username_key, methods=["POST"],
    deduct_when=_login_failed, scope=LOGIN_USERNAME)
LOGIN_PER_ADDRESS = limiter.limit(
    _configured("LOGIN_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"],
    deduct_when=_login_failed, scope=LOGIN_ADDRESS)


def scans(exempt_when: Callable[[], bool] | None = None):
    """Reading a payment sticker from a photo, on every page that does it; `exempt_when`: the
    request does something else (a form that scans only when asked)."""
    return limiter.shared_limit(_configured("SCAN_LIMIT"), SCANS, exempt_when=exempt_when)


# PDFs, export files and statistics tables, together.
DOWNLOADS = limiter.shared_limit(_configured("DOWNLOAD_LIMIT"), DOWNLOADS_SCOPE)


def duplicate_lookups(methods: list[str] | None = None,
                      exempt_when: Callable[[], bool] | None = None):
    """Registering or changing a trader, whose answer says whether a phone, citizen ID or bank
    account is already recorded (vendors.duplicates)."""
    return limiter.shared_limit(_configured("DUPLICATE_LOOKUP_LIMIT"), DUPLICATE_LOOKUPS_SCOPE,
                                methods=methods, exempt_when=exempt_when)


def _reason(scope: str) -> str:
    if LOGIN_USERNAME in scope or LOGIN_ADDRESS in scope:
        return _("Đăng nhập sai quá nhiều lần.")
    if scope == SCANS:
        return _("Bạn đã quét quá nhiều ảnh mã QR trong thời gian ngắn.")
    if scope == DOWNLOADS_SCOPE:
        return _("Bạn đã tải quá nhiều tệp trong thời gian ngắn.")
    if scope == DUPLICATE_LOOKUPS_SCOPE:
        return _("Bạn đã gửi quá nhiều lượt đăng ký hoặc sửa thông tin tiểu thương trong thời "
                 "gian ngắn.")
    return _("Quá nhiều yêu cầu.")


def wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("Vui lòng thử lại sau %(num)s giây.", "Vui lòng thử lại sau %(num)s giây.",
                        seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("Vui lòng thử lại sau %(num)s phút.", "Vui lòng thử lại sau %(num)s phút.",
                    minutes)


def _retry_after(error: RateLimitExceeded) -> int:
    """Seconds until the breached limit lets one more request through."""
    breached = limiter.current_limit
    if breached is not None and breached.breached:
        return max(1, math.ceil(breached.window.reset_time - time.time()))
    return max(1, error.limit.limit.get_expiry())


def too_many_requests(error: RateLimitExceeded):
    seconds = _retry_after(error)
    scope = error.limit.scope if isinstance(error.limit.scope, str) else ""
    return error_response(429, f"{_reason(scope)} {wait_text(seconds)}",
                          headers={"Retry-After": str(seconds)})


def init_app(app: Flask) -> None:
    """Bind the limiter to `app`: its storage from the config, its 429 answer."""
    limiter.init_app(app)
    # Every limit here is a decorator, checked when its route runs; the pass Flask-Limiter makes
    # before every request looks for default and application-wide limits, of which there are
    # none, and costs a registration about as much as one of its SQL statements.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
