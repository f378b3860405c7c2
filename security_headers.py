"""The headers every response carries against other sites and shared caches: a Content-Security-
Policy with no inline script, no framing, no MIME sniffing, HSTS in production, and no-store on
everything but the static files (pages, PDFs and tables hold personal data).

The one inline thing allowed is a <style> element carrying this request's nonce: the dashboards'
pygal charts are SVG with their own stylesheet inside (market/charts.py); templates put them
through the `nonced_styles` filter. Scripts are files in static/js/ and nothing else: a page's
data for its script goes in <script type="application/json"> (never run) or data- attributes.
"""
from __future__ import annotations

import re
import secrets

from flask import Flask, Response, current_app, g, has_request_context, request
from markupsafe import Markup

from config import PRODUCTION

# Files of the app itself, the same for everyone, whose caching is their own (the service
# workers' "no-cache" so phones get a new version at once). Everything else may show a person's
# data and is never stored, unless its route says otherwise (_keeps_its_caching).
APP_FILES = frozenset({"static", "site.favicon", "site.service_worker"})
HSTS = "max-age=31536000"
_STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)


def content_security_policy(nonce: str | None) -> str:
    styles = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        # The service worker at /sw.js, and the sticker decoder (static/vendor/qr-scanner).
        "worker-src 'self'",
        f"style-src {styles}",
        # Photos previewed before upload are blob: URLs; Swagger UI draws icons as data: URLs.
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ))


# Most responses have no inline style: their policy is made once.
_POLICY_WITHOUT_NONCE = content_security_policy(None)


def csp_nonce() -> str:
    """This request's nonce for inline <style> elements, made when first asked for."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def nonced_styles(markup) -> Markup:
    """`markup` (SVG of our own, already safe) with this request's nonce on its <style>
    elements. Outside a request (the monthly report's PDF) it is left as it is."""
    if not has_request_context():
        return Markup(markup)
    return Markup(_STYLE_TAG.sub(f'<style nonce="{csp_nonce()}"', str(markup)))


def _add_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce")
    ours = {"Content-Security-Policy": (content_security_policy(nonce) if nonce
                                        else _POLICY_WITHOUT_NONCE),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
            "Referrer-Policy": "same-origin"}
    if current_app.config.get("CHO40_ENV") == PRODUCTION:
        ours["Strict-Transport-Security"] = HSTS
    if request.endpoint not in APP_FILES and not _keeps_its_caching(response):
        # send_file's "no-cache" still lets a shared computer's disk keep a PDF of vendors.
        ours["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    _set_all(response.headers, ours)
    return response


def _set_all(headers, values: dict[str, str]) -> None:
    """headers[name] = value for each, in one pass over the headers there are rather than one
    for each name set (werkzeug's Headers is a list)."""
    there = {name.lower() for name, _value in headers.items()}
    for name, value in values.items():
        if name.lower() in there:
            headers[name] = value
        else:
            headers.add(name, value)


def _keeps_its_caching(response: Response) -> bool:
    """A route's own decision to let responses be kept: `public` (the same for everyone: the
    public pages and photos of products on sale), or `private` on a file that is no page
    (product photos, kept a few minutes by the browser that showed them)."""
    if "Cache-Control" not in response.headers:
        return False  # (read without parsing: the API's answers)
    cache = response.cache_control
    return bool(cache.public or (cache.private and response.mimetype != "text/html"))


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced_styles"] = nonced_styles
