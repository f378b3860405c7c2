"""Input and output schemas for markets and stalls (the JSON API).

Schemas check shape and format only; the user's area, roles and names already used are checked
in market.service.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from domain_errors import Message
from market.models import MarketClass
from market.stall_codes import StallCodeError, normalise_pattern, normalise_stall_code
from schema_fields import (
    PROVINCE_CODE,
    REQUIRED,
    WARD_CODE,
    ApiChanges,
    ApiInput,
    ContactDetail,
    PhoneNumber,
    Range,
    Text,
    not_in_the_future,
)


def _lazy(message: Message):
    """A domain Message as marshmallow carries messages: translated when shown."""
    return _l(message.msgid, **message.params)


class StallCode(Text):
    """A stall code, written as market/stall_codes.py says ("c 07" loads as "C-07"); a code with
    characters a stall code may not have is refused, naming them. Blank counts as missing."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            return normalise_stall_code(text)
        except StallCodeError as error:
            raise ValidationError([_lazy(error.message)]) from None


class StallCodePattern(Text):
    """A market's pattern of stall codes ("A-00, A-000"), normalised; blank for none."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_pattern(text)
        except StallCodeError as error:
            raise ValidationError([_lazy(error.message)]) from None


class MarketInput(ApiInput):
    name = Text(required=True, error_messages=REQUIRED, validate=validate.Length(
        min=2, max=200, error=_l("Tên chợ dài từ 2 đến 200 ký tự.")))
    ward_code = fields.String(required=True, error_messages=REQUIRED, validate=WARD_CODE,
                              metadata={"description": "The commune the market is in (5 digits)."})
    address = Text(allow_none=True,
                   validate=validate.Length(max=300, error=_l("Địa chỉ dài tối đa 300 ký tự.")))
    market_class = fields.Enum(MarketClass, by_value=True, allow_none=True,
                               metadata={"description": "Hạng chợ (Decree 60/2024/NĐ-CP)."})
    board_contact_name = Text(allow_none=True, validate=validate.Length(
        max=200, error=_l("Tên người liên hệ dài tối đa 200 ký tự.")))
    board_contact_phone = PhoneNumber(allow_none=True)
    # Decimal, as stored (6 places, about 10 cm); the range is restated for the OpenAPI
    # document, where apispec would write the bounds as strings.
    latitude = fields.Decimal(allow_none=True, places=6, metadata={"minimum": -90, "maximum": 90},
                              validate=Range(min=-90, max=90, error=_l(
                                  "Vĩ độ nằm trong khoảng -90 đến 90.")))
    longitude = fields.Decimal(allow_none=True, places=6,
                               metadata={"minimum": -180, "maximum": 180},
                               validate=Range(min=-180, max=180, error=_l(
                                   "Kinh độ nằm trong khoảng -180 đến 180.")))
    stall_code_pattern = StallCodePattern(allow_none=True, metadata={
        "description": "The shape of new stall codes: `A` one letter, `0` one digit, other "
                       "letters and digits, `-` and `/` as written; alternatives separated by "
                       "commas (`A-00, A-000`). Codes typed for new stalls must fit one."})


class MarketUpdateInput(ApiChanges, MarketInput):
    """The fields of a market to change; only those sent are changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class MarketQueryArgs(Schema):
    q = fields.String(validate=validate.Length(max=100), metadata={
        "description": "Words of the name, with or without diacritics (`dai tu` finds "
                       "`Chợ Đại Từ`)."})
    province = fields.String(validate=PROVINCE_CODE,
                             metadata={"description": "Province code (2 digits)."})
    ward = fields.String(validate=WARD_CODE, metadata={"description": "Commune code (5 digits)."})


class MarketSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    ward_code = fields.String()
    ward_name = fields.String(attribute="ward.name")
    province_code = fields.String(attribute="ward.province_code")
    province_name = fields.String(attribute="ward.province.name")
    address = fields.String(allow_none=True)
    market_class = fields.Enum(MarketClass, by_value=True, allow_none=True)
    board_contact_name = fields.String(allow_none=True)
    board_contact_phone = ContactDetail(
        allow_none=True,
        metadata={"description": "Masked for roles that may not see phone numbers."})
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    stall_code_pattern = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True, metadata={
        "description": "First day closed; null while the market runs. A closed market takes "
                       "no new registrations."})
    created_at = fields.DateTime()


class StallInput(ApiInput):
    code = StallCode(required=True, error_messages=REQUIRED, metadata={
        "description": "The number painted on the stall: letters A–Z and Đ, digits, `-` and "
                       "`/`; kept upper case, a run of spaces, dots or dashes written `-` "
                       "(`c 07` is `C-07`)."})
    zone = Text(allow_none=True,
                validate=validate.Length(max=100, error=_l("Khu dài tối đa 100 ký tự.")))
    confirm_new_stall = fields.Boolean(load_default=False, metadata={
        "description": "A code near an existing stall's (`C7` beside `C-07`) is refused with "
                       "409 `stall_near_match`; send it again with true to create it anyway."})


class StallUpdateInput(ApiChanges, StallInput):
    """The fields of a stall to change; only those sent are changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class StallSchema(Schema):
    id = fields.Integer()
    market_id = fields.Integer()
    code = fields.String()
    zone = fields.String(allow_none=True)


# --- The staff's pages: the same fields as forms post them ------------------------------------

class _FormInput(Schema):
    """A page's form: fields it does not know (the CSRF token, its buttons) are dropped, a blank
    field is null (on an edit page, clearing it)."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_null(self, data, **kwargs):
        values = {name: (None if isinstance(value, str) and not value.strip() else value)
                  for name, value in data.items()}
        for name in ("latitude", "longitude"):
            # A phone's keyboard in Vietnamese writes the decimal comma.
            if isinstance(values.get(name), str):
                values[name] = values[name].strip().replace(",", ".")
        return values


class MarketFormInput(_FormInput, MarketInput):
    """The market page's form: every field of MarketInput."""


class MarketCloseInput(_FormInput):
    closed_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future)


class StallFormInput(_FormInput, StallInput):
    """Adding or renaming a stall on the stalls page."""


class StallMergeInput(_FormInput):
    into = StallCode(required=True, error_messages=REQUIRED)
