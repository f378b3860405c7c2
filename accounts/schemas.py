"""Input schemas for the accounts' forms: login, accounts managed by others, passwords, API
tokens. Shapes only: the rules (strength, scope, who may) are the services'."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from accounts.models import Role
from schema_fields import ID_RANGE, PROVINCE_CODE, REQUIRED, WARD_CODE, Text

# Long enough for any password the services accept, and for them to say it is too long.
PASSWORD_FIELD_LENGTH = validate.Length(max=1000)


class FormInput(Schema):
    """A form posted from a page: the CSRF token travels with it, and a blank field is a
    missing one."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        return {key: value for key, value in data.items() if value != ""}


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


class AccountInput(FormInput):
    """An account's name, role and the choices its scope is taken from
    (accounts.management.scope_for_role)."""

    full_name = Text(load_default=None, validate=validate.Length(
        max=200, error=_l("Họ tên dài tối đa 200 ký tự.")))
    role = fields.Enum(Role, by_value=True, required=True, error_messages=REQUIRED)
    province_code = fields.String(load_default=None, validate=PROVINCE_CODE)
    ward_code = fields.String(load_default=None, validate=WARD_CODE)
    market_id = fields.Integer(load_default=None, validate=ID_RANGE)
    cooperative_id = fields.Integer(load_default=None, validate=ID_RANGE)


class NewAccountInput(AccountInput):
    """A new account: its username and, unless the system generates one, a password typed twice."""

    username = fields.String(required=True, error_messages=REQUIRED,
                             validate=validate.Length(max=64, error=_l(
                                 "Tên đăng nhập dài tối đa 64 ký tự.")))
    password = fields.String(load_default=None, validate=PASSWORD_FIELD_LENGTH)
    confirmation = fields.String(load_default=None, validate=PASSWORD_FIELD_LENGTH)


class ResetPasswordInput(FormInput):
    """A password reset: `generate` one, or `set` the one typed twice."""

    action = fields.String(required=True, validate=validate.OneOf(
        ("generate", "set"), error=_l("Chọn tạo mật khẩu ngẫu nhiên hoặc đặt mật khẩu.")),
        error_messages={"required": _l("Chọn tạo mật khẩu ngẫu nhiên hoặc đặt mật khẩu.")})
    password = fields.String(load_default=None, validate=PASSWORD_FIELD_LENGTH)
    confirmation = fields.String(load_default=None, validate=PASSWORD_FIELD_LENGTH)


class OwnPasswordInput(FormInput):
    """A user's new password, with their current one; blanks are the service's to report, with
    every other field at fault."""

    current_password = fields.String(load_default="", validate=PASSWORD_FIELD_LENGTH)
    new_password = fields.String(load_default="", validate=PASSWORD_FIELD_LENGTH)
    confirmation = fields.String(load_default="", validate=PASSWORD_FIELD_LENGTH)


class TokenInput(FormInput):
    name = Text(required=True, error_messages={"required": _l(
        "Đặt tên cho khóa, ví dụ nơi dùng nó (máy chủ của tỉnh, ứng dụng…).")},
        validate=validate.Length(max=100, error=_l("Tên khóa dài tối đa 100 ký tự.")))
