"""Input and output schemas for markets and stalls (the JSON API).

Schemas check shape and format only; the user's area, roles and names already used are checked
in market.service.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from market.models import MarketClass
from schema_fields import (
    PROVINCE_CODE,
    REQUIRED,
    WARD_CODE,
    ApiInput,
    ContactDetail,
    PhoneNumber,
    Range,
    Text,
)


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


class MarketUpdateInput(MarketInput):
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
    address = fields.String()
    market_class = fields.Enum(MarketClass, by_value=True)
    board_contact_name = fields.String()
    board_contact_phone = ContactDetail(
        metadata={"description": "Masked for roles that may not see phone numbers."})
    latitude = fields.Float()
    longitude = fields.Float()
    created_at = fields.DateTime()


class StallInput(ApiInput):
    code = Text(required=True, error_messages=REQUIRED,
                validate=validate.Length(max=20, error=_l("Số quầy dài tối đa 20 ký tự.")),
                metadata={"description": "The number painted on the stall; kept upper case."})
    zone = Text(allow_none=True,
                validate=validate.Length(max=100, error=_l("Khu dài tối đa 100 ký tự.")))


class StallUpdateInput(StallInput):
    """The fields of a stall to change; only those sent are changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class StallSchema(Schema):
    id = fields.Integer()
    market_id = fields.Integer()
    code = fields.String()
    zone = fields.String()
