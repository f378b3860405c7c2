"""One place that turns errors into a page in the person's language, or into JSON under /api/ and
for requests that ask for JSON (the phone's script).

The JSON shape, for every error: {"code": 422, "reason": "invalid", "message": "a sentence",
"errors": {"field": ["reason", ...]}}. `code` is the HTTP status, `reason` names the cause for
programs, `message` says it to a person; "errors" only when fields are at fault; other members
only where a DomainError carries details a client acts on ("duplicates" for a possible
duplicate vendor, "wallet" for a scanned wallet code). Every sentence goes through Flask-Babel.
flask-smorest's own handler is switched off (api.Cho40Api): this is the only one. Nothing here
knows a domain package: services raise domain_errors.DomainError.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, g, jsonify, render_template, request
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from db import db, login_manager
from domain_errors import DomainError, Message

# What each status is called for programs, when nothing more precise is known.
REASONS = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
    429: "too_many_requests", 500: "server_error", 503: "database_unavailable",
}
# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER = 30


def _titles() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Vui lòng đăng nhập để tiếp tục."),
        403: _("Tài khoản của bạn không có quyền làm việc này."),
        404: _("Không tìm thấy trang hoặc bản ghi này."),
        405: _("Thao tác này không được hỗ trợ ở đây."),
        409: _("Dữ liệu xung đột với bản ghi đã có."),
        413: _("Tệp tải lên quá lớn."),
        422: _("Dữ liệu chưa đúng, vui lòng kiểm tra lại."),
        429: _("Quá nhiều yêu cầu, vui lòng thử lại sau ít phút."),
        # Whether the request's changes were saved cannot be known: an error may come after
        # its commit, or the connection drop while the database commits.
        500: _("Hệ thống gặp sự cố. Nếu bạn vừa lưu thông tin, hãy kiểm tra xem đã được lưu "
               "chưa trước khi nhập lại."),
        503: _("Không kết nối được với cơ sở dữ liệu. Vui lòng thử lại sau ít phút."),
    }


def translate(message) -> str:
    """A sentence in the reader's language: a domain Message, a lazy string, or a plain string
    (marshmallow's own messages that were never formatted are still their msgid)."""
    if isinstance(message, Message):
        return message.render(_, language=str(get_locale()),
                              ngettext=get_translations().ngettext)
    return _(str(message))


def translated_fields(messages) -> dict[str, list[str]]:
    """Field messages, from a DomainError's fields or marshmallow's (nested: {"payment_methods":
    {0: {"bank_bin": [...]}}}), as {"payment_methods.0.bank_bin": ["...", ...]} in the reader's
    language. webargs files a request's errors under the part of the request they were read from
    ("json", "query"...): that level is dropped."""
    if isinstance(messages, Mapping) and messages and set(messages) <= _LOCATIONS:
        merged = {}
        for part in messages.values():
            merged.update(part if isinstance(part, Mapping) else {"_schema": part})
        messages = merged
    flat: dict[str, list[str]] = {}

    def walk(value, path):
        if isinstance(value, Mapping):
            for key, inner in value.items():
                # A nested schema's own errors ("_schema") are its field's.
                walk(inner, path if key == "_schema" and path else
                     f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for inner in value:
                walk(inner, path)
        else:
            flat.setdefault(path or "_schema", []).append(translate(value))

    walk(messages, "")
    return flat


_LOCATIONS = {"json", "query", "querystring", "form", "json_or_form", "headers", "files",
              "cookies", "view_args", "path"}


def _plain(value):
    """A DomainError's details as JSON can carry them, their sentences translated."""
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, Mapping):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(inner) for inner in value]
    return value


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str | None = None, *, reason: str | None = None,
                   errors: Mapping[str, list[str]] | None = None, details: Mapping | None = None,
                   headers: Mapping | None = None):
    """The one JSON body, or the one error page, for an error; `message` is already in the
    reader's language."""
    title = _titles().get(status, _("Đã có lỗi xảy ra."))
    if wants_json():
        body = {"code": status, "reason": reason or REASONS.get(status, "error"),
                "message": message or title}
        if errors:
            body["errors"] = dict(errors)
        body.update({name: _plain(value) for name, value in (details or {}).items()
                     if value is not None})
        return jsonify(body), status, dict(headers or {})
    if not message and errors:
        message = " ".join(m for messages in errors.values() for m in messages)
    return (render_template("error.html", code=status, message=title, description=message),
            status, dict(headers or {}))


def form_messages(error: DomainError, general: str = "_schema") -> dict[str, list[str]]:
    """A refusal as a page's form shows it: each field's messages beside it, the error's own
    sentence under `general` (the top of the form, or the field it is about)."""
    messages = translated_fields(error.fields)
    if error.message is not None:
        messages.setdefault(general, []).append(translate(error.message))
    return messages


def domain_error_response(error: DomainError):
    """The response to a refusal by a service. Nothing the request began is kept."""
    db.session.rollback()
    errors = translated_fields(error.fields)
    # Without a sentence of its own, the error is what its fields say.
    message = (translate(error.message) if error.message is not None
               else " ".join(m for messages in errors.values() for m in messages) or None)
    return error_response(error.status, message, reason=error.code, errors=errors or None,
                          details=error.details)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                     "Vui lòng tải lại trang và gửi lại."), reason="csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return unexpected_error(error)
        # flask_smorest.abort (webargs) carries a message, field errors and headers in .data.
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        fields = data.get("errors") or data.get("messages")
        status = error.code or 500
        message = data.get("message")
        errors = translated_fields(fields) if fields else None
        if errors and set(errors) == {"_schema"} and not message:
            # A rule about the whole body, no field in particular (an empty change): its
            # sentence is the message.
            message, errors = " ".join(errors["_schema"]), None
        # webargs reports invalid fields as 422 (flask-smorest's default).
        return error_response(status, message, errors=errors, headers=headers)

    @app.errorhandler(ValidationError)
    def validation_error(error: ValidationError):
        db.session.rollback()
        return error_response(422, errors=translated_fields(error.messages))

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # A uniqueness or reference the services did not catch first (two requests at once).
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        # A value the database refuses that the schemas let through (PostgreSQL refuses NUL
        # characters in text, SQLite does not).
        app.logger.warning("Value refused by the database: %s", error.orig)
        db.session.rollback()
        return error_response(422, _("Có giá trị không lưu được: quá lớn, hoặc chứa ký tự "
                                     "không hợp lệ (như ký tự NUL)."))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception):
        if not database_unavailable(error):
            return unexpected_error(error)
        app.logger.error("Database unreachable: %s", error)
        return database_unavailable_response()

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        return error_response(500)


# What SQLite says when its file cannot be used for now, as opposed to a mistake in a query
# (its "no such table" and syntax errors are OperationalErrors too).
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error",
                       "database table is locked", "readonly database")


def database_unavailable(error: Exception) -> bool:
    """Whether `error` says the database could not be reached or used for now (the server down or
    restarting, the connection dropped, the pool exhausted, SQLite's file locked), rather than
    that a query was wrong."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        return str(error.orig).lower().startswith(_SQLITE_UNAVAILABLE)
    return True


def database_unavailable_response():
    """503 with Retry-After, saying what can and cannot be known: the changes of a request cut
    off while it saved may or may not be in the database."""
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    # The page must not ask the database who is logged in (nor refresh them after the rollback).
    g._login_user = login_manager.anonymous_user()
    check = _("Nếu bạn vừa lưu thông tin, hãy kiểm tra xem đã được lưu chưa trước khi nhập lại.")
    # A page shows the status's sentence as its heading and this under it; JSON has one message.
    message = f"{_titles()[503]} {check}" if wants_json() else check
    return error_response(503, message, headers={"Retry-After": str(RETRY_AFTER)})
