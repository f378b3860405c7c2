"""One place that turns HTTP errors into a page in the person's language, or JSON under /api/."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


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


def _respond(code: int, description: str | None = None):
    message = _messages().get(code, _("Đã có lỗi xảy ra."))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(code=code, message=message, description=description), code
    return render_template("error.html", code=code, message=message, description=description), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _respond(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                               "Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return _respond(500)
        return _respond(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        from db import db

        db.session.rollback()
        return _respond(500)
