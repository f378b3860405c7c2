"""The marshmallow fields and rules every area's schemas share (Vietnamese text, phone numbers,
ID numbers, record ids, codes of administrative units, dates), and marshmallow's own messages
taken into the translation catalogue, so that validation speaks the reader's language on pages
and in the API alike.

Importing this module puts the catalogue's messages in marshmallow's defaults: every schema
module imports it (its shared fields), so that happens before any schema is declared.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow.experimental.context import Context

from accounts.permissions import masked
from textnorm import identifier_text, is_ascii_digits, nfc


class _CatalogueText(str):
    """A message of marshmallow's kept as its msgid in the catalogue: marshmallow formats each
    error message it raises, and formatting this one translates it first, in the language of
    the request being validated."""

    __slots__ = ()

    def format(self, *args, **kwargs) -> str:
        return gettext(str(self)).format(*args, **kwargs)


def _m(msgid: str) -> _CatalogueText:
    return _CatalogueText(msgid)


def _use_catalogue_messages() -> None:
    # Field messages are copied into each field when it is declared; validator messages are
    # read when a value fails.
    fields.Field.default_error_messages.update(
        required=_m("Vui lòng điền mục này."),
        null=_m("Mục này không được để trống."),
        validator_failed=_m("Giá trị không hợp lệ."),
    )
    messages = {
        fields.String: {"invalid": _m("Cần một chuỗi chữ."),
                        "invalid_utf8": _m("Cần một chuỗi chữ UTF-8.")},
        fields.Number: {"invalid": _m("Cần một số."), "too_large": _m("Số quá lớn.")},
        fields.Integer: {"invalid": _m("Cần một số nguyên.")},
        fields.Float: {"special": _m("Cần một số (không nhận NaN hay vô cực).")},
        fields.Decimal: {"special": _m("Cần một số (không nhận NaN hay vô cực).")},
        fields.Boolean: {"invalid": _m("Cần true hoặc false.")},
        fields.Date: {"invalid": _m("Cần một ngày dạng NNNN-TT-NN (ISO 8601), ví dụ 2025-07-01."),
                      "format": _m("Không viết được «{input}» thành ngày.")},
        fields.DateTime: {"invalid": _m("Cần thời điểm theo ISO 8601."),
                          "invalid_awareness": _m("Cần thời điểm theo ISO 8601 có múi giờ."),
                          "format": _m("Không viết được «{input}» thành thời điểm.")},
        fields.List: {"invalid": _m("Cần một danh sách.")},
        fields.Mapping: {"invalid": _m("Cần một đối tượng JSON.")},
        fields.Nested: {"type": _m("Cần một đối tượng JSON.")},
        fields.Enum: {"unknown": _m("Chỉ nhận một trong các giá trị: {choices}.")},
    }
    for field_class, field_messages in messages.items():
        field_class.default_error_messages = {
            **field_class.default_error_messages, **field_messages}
    Schema._default_error_messages = {
        "type": _m("Cần một đối tượng JSON."),
        "unknown": _m("Mục này không có trong API, vui lòng bỏ ra."),
    }
    validate.Length.message_min = _m("Cần ít nhất {min} ký tự.")
    validate.Length.message_max = _m("Dài tối đa {max} ký tự.")
    validate.Length.message_all = _m("Độ dài phải từ {min} đến {max}.")
    validate.Length.message_equal = _m("Cần đúng {equal} ký tự.")
    validate.Regexp.default_message = _m("Sai định dạng.")
    validate.OneOf.default_message = _m("Chỉ nhận một trong các giá trị: {choices}.")


_use_catalogue_messages()


class Range(validate.Range):
    """validate.Range with its messages in the catalogue (marshmallow's own are composed when
    the validator is made, before any request says which language to use)."""

    def __init__(self, min=None, max=None, *, error: str | None = None):
        super().__init__(min, max, error=error)
        self.message_min = _m("Phải từ {min} trở lên.")
        self.message_max = _m("Phải không quá {max}.")
        self.message_all = _m("Phải từ {min} đến {max}.")


def flat_messages(messages) -> dict[str, list[str]]:
    """marshmallow's messages with nested ones ({"payment_methods": {0: {"account_number": [...]}}})
    lifted to the field they concern, as plain strings."""
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if isinstance(value, dict):
            for inner_name, inner in flat_messages(value).items():
                key = inner_name if not str(inner_name).isdigit() else name
                flat.setdefault(key, []).extend(inner)
        else:
            # A custom field's message may be one lazy string rather than a list of them.
            values = value if isinstance(value, (list, tuple)) else [value]
            flat.setdefault(str(name), []).extend(str(message) for message in values)
    return flat


# --- Shared fields ----------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s.\-()]+")

REQUIRED = {"required": _l("Vui lòng điền mục này."), "null": _l("Vui lòng điền mục này.")}

# Ids are PostgreSQL integers: a larger number is no record, and must not reach the database.
MAX_ID = 2**31 - 1
ID_RANGE = Range(min=1, max=MAX_ID)
WARD_CODE = validate.Regexp(r"^[0-9]{5}$", error=_l("Mã xã/phường gồm 5 chữ số."))
PROVINCE_CODE = validate.Regexp(r"^[0-9]{2}$", error=_l("Mã tỉnh/thành gồm 2 chữ số."))


class ApiInput(Schema):
    """A body sent to the JSON API: a field it does not know is refused, not dropped, so that a
    misspelt field name is not taken for "leave it unchanged"."""

    class Meta:
        unknown = RAISE


class ApiChanges(ApiInput):
    """A PATCH body: the fields to change, only those sent, and at least one of them. An empty
    body ({}) is refused (422) rather than answered 200 with nothing changed, which would hide a
    client's mistake (a body lost, fields misnamed). The OpenAPI document says so with
    minProperties (api.Cho40Api)."""

    # Fields that say how to change rather than what: sent alone, they change nothing.
    OPTIONS: ClassVar[frozenset[str]] = frozenset({"allow_duplicate", "confirm_new_stall"})

    @validates_schema(pass_original=True)
    def _changes_something(self, data, original_data, **kwargs):
        if isinstance(original_data, dict) and not set(original_data) - self.OPTIONS:
            raise ValidationError(_l("Không có gì để thay đổi: gửi ít nhất một mục cần sửa."))


def not_in_the_future(day: dt.date) -> None:
    # A day of slack: the phone's clock and time zone may be ahead of the server's.
    if day > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError([_l("Ngày này không thể ở tương lai.")])


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


class Identifier(fields.String):
    """A number people type (phone, citizen ID, tax code, account number), folded as
    textnorm.identifier_text does: full-width and other scripts' digits become ASCII, invisible
    controls go. The fields below then accept ASCII digits (and their separators) only."""

    def _deserialize(self, value, attr, data, **kwargs):
        return identifier_text(super()._deserialize(value, attr, data, **kwargs))


class PhoneNumber(Identifier):
    """A Vietnamese phone number stored as 0 followed by 9 or 10 digits; +84 is accepted."""

    default_error_messages: ClassVar[dict] = {
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


class DigitsField(Identifier):
    """ASCII digits only (after Identifier's folding), separators (spaces, dots, dashes)
    dropped; blank counts as missing."""

    def __init__(self, *, lengths: tuple[int, ...], message, **kwargs):
        super().__init__(**kwargs)
        self.lengths = lengths
        self.error_messages["invalid_digits"] = message

    def _deserialize(self, value, attr, data, **kwargs):
        raw = _SEPARATORS.sub("", super()._deserialize(value, attr, data, **kwargs) or "")
        if not raw:
            return None
        if not is_ascii_digits(raw) or len(raw) not in self.lengths:
            raise self.make_error("invalid_digits")
        return raw


class TaxCode(Identifier):
    default_error_messages: ClassVar[dict] = {
        "invalid_tax_code": _l("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, gạch ngang và 3 chữ số."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        raw = re.sub(r"\s+", "", super()._deserialize(value, attr, data, **kwargs) or "")
        if not raw:
            return None
        if not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", raw):
            raise self.make_error("invalid_tax_code")
        return raw


class ContactDetail(fields.String):
    """A phone or citizen ID number, in full only when the dump's context allows contact details
    ({"contact_details": True}: api.ApiBlueprint sets it from
    accounts.permissions.SEE_CONTACT_DETAILS); masked otherwise, by default."""

    def _serialize(self, value, attr, obj, **kwargs):
        if not Context.get({}).get("contact_details"):
            value = masked(value)
        return super()._serialize(value, attr, obj, **kwargs)


class Money(fields.Integer):
    """Whole đồng (VND has no minor unit): a number, or text as people write it, "125000",
    "125.000", "125,000" or "1 250 000 đ"; a separator must group thousands, so a decimal
    fraction ("125,5") is refused rather than misread."""

    default_error_messages: ClassVar[dict] = {
        "not_whole_dong": _l("Giá là số nguyên đồng, ví dụ 125000 hoặc 125.000."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", Range(min=0, max=10**12))
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = re.sub(r"\s*(đ|đồng|vnđ|vnd)\s*$", "", nfc(value).strip(), flags=re.IGNORECASE)
            if not text:
                return None
            if not re.fullmatch(r"[0-9]{1,3}(?:[ .,\u00a0][0-9]{3})*|[0-9]+", text):
                raise self.make_error("not_whole_dong")
            value = re.sub(r"[ .,\u00a0]", "", text)
        elif isinstance(value, float) and not value.is_integer():
            raise self.make_error("not_whole_dong")
        return super()._deserialize(value, attr, data, **kwargs)


class Centimetres(fields.Field):
    """A length given in centimetres with at most one decimal ("10.5", "10,5" or 10.5), kept as
    whole millimetres; shown as centimetres."""

    default_error_messages: ClassVar[dict] = {
        "invalid_cm": _l("Kích thước tính bằng cm, tối đa một chữ số thập phân, từ 0,1 đến "
                         "500 (ví dụ 10,5)."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid_cm")
        text = nfc(str(value)).strip().replace(",", ".") if value is not None else ""
        if not text:
            return None
        match = re.fullmatch(r"([0-9]{1,4})(?:\.([0-9])0*)?", text)
        if not match:
            raise self.make_error("invalid_cm")
        millimetres = int(match.group(1)) * 10 + int(match.group(2) or 0)
        if not 1 <= millimetres <= 5000:
            raise self.make_error("invalid_cm")
        return millimetres

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value // 10 if value % 10 == 0 else value / 10
