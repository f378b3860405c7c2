"""Input and output schemas for vendors and their payment methods (pages and API alike).

Schemas check shape and format only; what needs the database (scope, duplicates, known banks)
is checked in vendors.service.
"""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE, Schema, ValidationError, fields, validate, validates_schema,
)

from textnorm import nfc
from vendors.models import PaymentMethodKind, VendorKind, WalletProvider

_SEPARATORS = re.compile(r"[\s.\-()]+")

REQUIRED = {"required": _l("Vui lòng điền mục này."), "null": _l("Vui lòng điền mục này.")}


class Text(fields.String):
    """A string stored NFC with spaces tidied; blank counts as missing."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = nfc(super()._deserialize(value, attr, data, **kwargs))
        if not text and self.required:
            raise self.make_error("required")
        return text or None

    def _validate(self, value):
        if value is not None:
            super()._validate(value)


class PhoneNumber(fields.String):
    """A Vietnamese phone number stored as 0 followed by 9 or 10 digits; +84 is accepted."""

    default_error_messages = {
        "invalid_phone": _l("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912 345 678)."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        raw = _SEPARATORS.sub("", super()._deserialize(value, attr, data, **kwargs) or "")
        if not raw:
            return None
        if raw.startswith("+84"):
            raw = "0" + raw[3:]
        elif raw.startswith("84") and len(raw) == 11:
            raw = "0" + raw[2:]
        if not re.fullmatch(r"0[1-9][0-9]{8,9}", raw):
            raise self.make_error("invalid_phone")
        return raw


class DigitsField(fields.String):
    """Digits only, separators (spaces, dots, dashes) dropped; blank counts as missing."""

    def __init__(self, *, lengths: tuple[int, ...], message, **kwargs):
        super().__init__(**kwargs)
        self.lengths = lengths
        self.error_messages["invalid_digits"] = message

    def _deserialize(self, value, attr, data, **kwargs):
        raw = _SEPARATORS.sub("", super()._deserialize(value, attr, data, **kwargs) or "")
        if not raw:
            return None
        if not raw.isdigit() or len(raw) not in self.lengths:
            raise self.make_error("invalid_digits")
        return raw


class TaxCode(fields.String):
    default_error_messages = {
        "invalid_tax_code": _l("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, gạch ngang và 3 chữ số."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        raw = re.sub(r"\s+", "", super()._deserialize(value, attr, data, **kwargs) or "")
        if not raw:
            return None
        if not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", raw):
            raise self.make_error("invalid_tax_code")
        return raw


class PaymentMethodInput(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.Enum(PaymentMethodKind, by_value=True, required=True, error_messages=REQUIRED)
    bank_bin = fields.String(validate=validate.Regexp(r"^[0-9]{6}$", error=_l("Chọn ngân hàng trong danh sách.")),
                             allow_none=True)
    account_number = fields.String(validate=validate.Length(max=40), allow_none=True)
    account_holder = Text(validate=validate.Length(max=100, error=_l("Tên chủ tài khoản dài tối đa 100 ký tự.")),
                          allow_none=True)
    wallet_provider = fields.Enum(WalletProvider, by_value=True, allow_none=True)
    wallet_payload = fields.String(validate=validate.Length(max=512), allow_none=True)
    terminal_provider = Text(validate=validate.Length(max=100), allow_none=True)
    terminal_id = Text(validate=validate.Length(max=50), allow_none=True)
    started_on = fields.Date(allow_none=True)

    @validates_schema
    def _fields_of_kind(self, data, **kwargs):
        needed = {
            PaymentMethodKind.BANK_ACCOUNT: {
                "bank_bin": _l("Chọn ngân hàng."),
                "account_number": _l("Nhập số tài khoản."),
                "account_holder": _l("Nhập tên chủ tài khoản."),
            },
            PaymentMethodKind.EWALLET: {"wallet_provider": _l("Chọn ví điện tử.")},
            PaymentMethodKind.CARD_TERMINAL: {"terminal_provider": _l("Nhập đơn vị cung cấp máy POS.")},
        }.get(data.get("kind"), {})
        errors = {name: [message] for name, message in needed.items() if not data.get(name)}
        if errors:
            raise ValidationError(errors)


class VendorRegistrationInput(Schema):
    """What an agent enters at the stall, or an API client sends, to register a vendor."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.Enum(VendorKind, by_value=True, load_default=VendorKind.TRADER)
    name = Text(required=True, error_messages=REQUIRED,
                validate=validate.Length(min=2, max=200, error=_l("Họ tên dài từ 2 đến 200 ký tự.")))
    phone = PhoneNumber(allow_none=True)
    citizen_id = DigitsField(lengths=(12,), allow_none=True,
                             message=_l("Số CCCD gồm đúng 12 chữ số."))
    tax_code = TaxCode(allow_none=True)
    market_id = fields.Integer(allow_none=True, strict=False,
                               error_messages={"invalid": _l("Chọn chợ trong danh sách.")})
    stall_code = Text(allow_none=True, validate=validate.Length(max=20, error=_l("Số quầy dài tối đa 20 ký tự.")))
    ward_code = fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9]{5}$", error=_l("Mã xã/phường gồm 5 chữ số.")))
    joined_on = fields.Date(allow_none=True)
    payment_methods = fields.List(fields.Nested(PaymentMethodInput), load_default=list,
                                  validate=validate.Length(max=5, error=_l("Tối đa 5 phương thức thanh toán.")))
    # The agent has looked at the possible duplicates shown and says this is someone else.
    allow_duplicate = fields.Boolean(load_default=False)

    @validates_schema
    def _where_they_trade(self, data, **kwargs):
        if data.get("kind") is not VendorKind.COOPERATIVE and not data.get("market_id"):
            raise ValidationError({"market_id": [_l("Chọn chợ nơi tiểu thương kinh doanh.")]})
        if not data.get("market_id") and not data.get("ward_code"):
            raise ValidationError({"ward_code": [_l("Hợp tác xã không ở chợ cần có xã/phường đăng ký.")]})
        if data.get("stall_code") and not data.get("market_id"):
            raise ValidationError({"stall_code": [_l("Chỉ ghi số quầy khi đã chọn chợ.")]})

    @validates_schema
    def _not_in_the_future(self, data, **kwargs):
        # A day of slack: the phone's clock and time zone may be ahead of the server's.
        latest = dt.date.today() + dt.timedelta(days=1)
        if data.get("joined_on") and data["joined_on"] > latest:
            raise ValidationError({"joined_on": [_l("Ngày bắt đầu kinh doanh không thể ở tương lai.")]})
        for method in data.get("payment_methods", []):
            if method.get("started_on") and method["started_on"] > latest:
                raise ValidationError({"payment_methods": [_l("Ngày bắt đầu dùng không thể ở tương lai.")]})
