"""Input schemas for the login form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token travels in the same form

    username = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64, error=_l("Tên đăng nhập dài tối đa 64 ký tự.")),
        error_messages={"required": _l("Vui lòng nhập tên đăng nhập.")},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=256),
        error_messages={"required": _l("Vui lòng nhập mật khẩu.")},
    )
    next = fields.String(load_default=None)
