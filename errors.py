"""One place that turns errors into a page in the person's language, or JSON under /api/.

The JSON shape, for every status: {"code": 422, "message": "a sentence", "errors": {"field":
["reason", ...]}}; "errors" only when fields are at fault, "duplicates" only on a possible
duplicate vendor. flask-smorest's own handler is switched off (api.Cho40Api): this is the only
one.
"""
from __future__ import annotations

import re

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from market.service import MarketError
from vendors.service import DuplicateVendorError, OnboardingError


def _messages() -> dict[int, str]:
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
        500: _("Hệ thống gặp sự cố. Dữ liệu của bạn chưa bị thay đổi; vui lòng thử lại."),
    }


def _respond(code: int, description: str | None = None, *, errors=None, headers=None,
             **extra):
    message = _messages().get(code, _("Đã có lỗi xảy ra."))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        body = {"code": code, "message": description or message}
        if errors:
            body["errors"] = _field_messages(errors)
        body.update({name: value for name, value in extra.items() if value is not None})
        return jsonify(body), code, headers or {}
    return (render_template("error.html", code=code, message=message, description=description),
            code, headers or {})


# webargs files request errors under the part of the request they were read from.
_LOCATIONS = {"json", "query", "querystring", "form", "json_or_form", "headers", "files",
              "cookies", "view_args", "path"}


def _field_messages(messages) -> dict[str, list[str]]:
    """marshmallow's nested messages as {"payment_methods.0.bank_bin": [...]}, in Vietnamese."""
    if isinstance(messages, dict) and messages and set(messages) <= _LOCATIONS:
        merged = {}
        for part in messages.values():
            merged.update(part if isinstance(part, dict) else {"_schema": part})
        messages = merged
    flat: dict[str, list[str]] = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for inner in value:
                walk(inner, path)
        else:
            flat.setdefault(path or "_schema", []).append(_in_vietnamese(str(value)))

    walk(messages, "")
    return flat


# marshmallow's and webargs's built-in messages are English; cho40's own are written in
# Vietnamese. Shown as they are to someone who chose English.
_BUILT_IN_MESSAGES = [
    (r"Missing data for required field\.", "Vui lòng điền mục này."),
    (r"Field may not be null\.", "Mục này không được để trống."),
    (r"Unknown field\.", "Mục này không có trong API, vui lòng bỏ ra."),
    (r"Not a valid string\.", "Cần một chuỗi chữ."),
    (r"Not a valid integer\.", "Cần một số nguyên."),
    (r"Not a valid number\.", "Cần một số."),
    (r"Number too large\.", "Số quá lớn."),
    (r"Special numeric values \(nan or infinity\) are not permitted\.",
     "Cần một số (không nhận NaN hay vô cực)."),
    (r"Not a valid boolean\.", "Cần true hoặc false."),
    (r"Not a valid date\.", "Cần một ngày dạng NNNN-TT-NN (ISO 8601), ví dụ 2025-07-01."),
    (r"Not a valid datetime\.", "Cần thời điểm theo ISO 8601."),
    (r"Not a valid list\.", "Cần một danh sách."),
    (r"Not a valid mapping type\.", "Cần một đối tượng JSON."),
    (r"Invalid input type\.", "Cần một đối tượng JSON."),
    (r"Invalid value\.", "Giá trị không hợp lệ."),
    (r"String does not match expected pattern\.", "Sai định dạng."),
    (r"Must be one of: (.*)\.", r"Chỉ nhận một trong các giá trị: \1."),
    (r"Longer than maximum length (\d+)\.", r"Dài tối đa \1 ký tự."),
    (r"Shorter than minimum length (\d+)\.", r"Cần ít nhất \1 ký tự."),
    (r"Length must be between (\d+) and (\d+)\.", r"Độ dài phải từ \1 đến \2."),
    (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
     r"Phải từ \1 đến \2."),
    (r"Must be greater than or equal to (\S+)\.", r"Phải từ \1 trở lên."),
    (r"Must be less than or equal to (\S+)\.", r"Phải không quá \1."),
]


def _in_vietnamese(message: str) -> str:
    if str(get_locale()) == "en":
        return message
    for pattern, vietnamese in _BUILT_IN_MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, vietnamese, message)
    return message


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _respond(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                               "Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return _respond(500)
        # flask_smorest.abort (webargs) carries a message, field errors and headers in .data.
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return _respond(error.code or 500, data.get("message"),
                        errors=data.get("errors") or data.get("messages"), headers=headers)

    @app.errorhandler(ValidationError)
    def validation_error(error: ValidationError):
        return _respond(422, errors=error.messages)

    @app.errorhandler(OnboardingError)
    @app.errorhandler(MarketError)
    def refused(error: OnboardingError | MarketError):
        # A refusal by a service (scope, role, duplicate, conflict): nothing it began is kept.
        from db import db

        db.session.rollback()
        duplicates = None
        if isinstance(error, DuplicateVendorError):
            duplicates = [
                {"vendor_id": m.vendor_id, "name": m.name, "market_name": m.market_name,
                 "reasons": list(m.reasons)}
                for m in error.matches
            ]
        return _respond(error.status, str(error) or None, errors=error.messages,
                        duplicates=duplicates)

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # A uniqueness or reference the services did not catch first (two requests at once).
        from db import db

        db.session.rollback()
        return _respond(409)

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        # A value the database refuses that the schemas let through (PostgreSQL refuses NUL
        # characters in text, SQLite does not).
        from db import db

        app.logger.warning("Value refused by the database: %s", error.orig)
        db.session.rollback()
        return _respond(422, _("Có giá trị không lưu được: quá lớn, hoặc chứa ký tự không hợp lệ "
                               "(như ký tự NUL)."))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        from db import db

        db.session.rollback()
        return _respond(500)
