"""Schemas of the digitisation figures: the day or months asked for (pages, API, CLI), the Chợ 4.0
rule and fee collection forms, and the figures as the JSON API gives them."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from schema_fields import ID_RANGE, PROVINCE_CODE, REQUIRED, WARD_CODE, Range, Text

FIRST_DAY = dt.date(2015, 1, 1)  # before any market here took a QR payment
MAX_SERIES_MONTHS = 120
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _no_later_than_today(day: dt.date) -> None:
    if day > dt.date.today():
        raise ValidationError(_l("Chỉ xem được số liệu đến hôm nay."))
    if day < FIRST_DAY:
        raise ValidationError(_l("Chỉ có số liệu từ năm 2015."))


class Month(fields.String):
    """A month written YYYY-MM, loaded as (year, month)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        match = _MONTH.match(text.strip())
        if match is None:
            raise ValidationError(_l("Cần một tháng dạng NNNN-TT, ví dụ 2026-03."))
        year, month = int(match[1]), int(match[2])
        if (year, month) > (dt.date.today().year, dt.date.today().month) or year < FIRST_DAY.year:
            raise ValidationError(_l("Chỉ có số liệu từ tháng 01/2015 đến tháng này."))
        return year, month


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE  # a page's address may carry other parameters (the language, a CSRF)

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        # A date picker left empty sends "date=": the page then shows today.
        return {key: value for key, value in data.items() if value != ""}


class DayArgs(_Args):
    date = fields.Date(validate=_no_later_than_today, metadata={
        "description": "The day the figures are for (YYYY-MM-DD); today if left out."})
    days = fields.Integer(load_default=30, validate=Range(
        min=1, max=366, error=_l("Số ngày từ 1 đến 366.")), metadata={
        "description": "Visits count within this many days up to the day (30 if left out)."})

    @post_load
    def _today_by_default(self, data, **kwargs):
        data.setdefault("date", dt.date.today())
        return data


class ShareArgs(DayArgs):
    province = fields.String(validate=PROVINCE_CODE,
                             metadata={"description": "Province code (2 digits)."})
    ward = fields.String(validate=WARD_CODE, metadata={"description": "Commune code (5 digits)."})
    market = fields.Integer(validate=ID_RANGE, metadata={"description": "Market id."})


class SeriesArgs(_Args):
    province = fields.String(validate=PROVINCE_CODE,
                             metadata={"description": "Province code (2 digits)."})
    ward = fields.String(validate=WARD_CODE, metadata={"description": "Commune code (5 digits)."})
    market = fields.Integer(validate=ID_RANGE, metadata={"description": "Market id."})
    first = Month(data_key="from", required=True, error_messages=REQUIRED,
                  metadata={"description": "First month, YYYY-MM."})
    last = Month(data_key="to", required=True, error_messages=REQUIRED,
                 metadata={"description": "Last month, YYYY-MM (included)."})

    @validates_schema
    def _months_in_order(self, data, **kwargs):
        first, last = data.get("first"), data.get("last")
        if first and last:
            if first > last:
                raise ValidationError(_l("Tháng đầu phải trước tháng cuối."), "to")
            if (last[0] - first[0]) * 12 + last[1] - first[1] >= MAX_SERIES_MONTHS:
                raise ValidationError(_l("Tối đa 120 tháng một lần."), "to")


class ReportArgs(_Args):
    month = Month(required=True, error_messages=REQUIRED,
                  metadata={"description": "The month of the report, YYYY-MM."})


_PERCENT = Range(min=0, max=100, error=_l("Tỉ lệ phần trăm từ 0 đến 100."))


class RuleInput(_Args):
    """A new version of a province's Chợ 4.0 rule: a criterion left empty is not required."""

    effective_from = fields.Date(required=True, error_messages=REQUIRED, metadata={
        "description": "The day this version takes effect."})
    min_cashless_percent = fields.Integer(allow_none=True, validate=_PERCENT)
    min_verified_percent = fields.Integer(allow_none=True, validate=_PERCENT)
    verified_within_days = fields.Integer(load_default=30, validate=Range(
        min=1, max=366, error=_l("Số ngày từ 1 đến 366.")))
    require_cashless_fees = fields.Boolean(load_default=False)
    min_listed_products = fields.Integer(allow_none=True, validate=Range(
        min=0, max=100_000, error=_l("Số sản phẩm từ 0 đến 100.000.")))
    note = Text(allow_none=True, validate=validate.Length(
        max=300, error=_l("Ghi chú dài tối đa 300 ký tự.")))


class FeeInput(_Args):
    """The market began, or stopped, collecting its fees cashless on a day."""

    action = fields.String(required=True, error_messages=REQUIRED,
                           validate=validate.OneOf(["start", "stop"]))
    day = fields.Date(required=True, error_messages=REQUIRED, validate=_no_later_than_today)
    note = Text(allow_none=True, validate=validate.Length(
        max=300, error=_l("Ghi chú dài tối đa 300 ký tự.")))


# --- Output ---------------------------------------------------------------------------------


class UnitSchema(Schema):
    """A unit's counts on the day (Unit.as_dict); `children` are the units one level down, of
    the same shape: a province's communes, a commune's markets."""

    level = fields.String(metadata={"enum": ["country", "province", "ward", "market"]})
    code = fields.String(metadata={"description": "The unit's official code, or the market id."})
    name = fields.String()
    active = fields.Integer(metadata={"description": "Vendors active on the day."})
    cashless = fields.Integer(metadata={
        "description": "Of them, those with a payment method in use on the day."})
    share = fields.Float(allow_none=True, metadata={
        "description": "cashless / active, 0 to 1; null when nobody is active."})
    children = fields.List(fields.Nested(lambda: UnitSchema()))


class ShareSchema(UnitSchema):
    date = fields.String(metadata={"format": "date", "description": "The day counted."})


class MonthFigureSchema(Schema):
    month = fields.Method("_month", metadata={"type": "string", "example": "2026-03"})
    date = fields.Date(attribute="day")
    active = fields.Integer(attribute="counts.active")
    cashless = fields.Integer(attribute="counts.cashless")
    share = fields.Method("_share", allow_none=True,
                          metadata={"type": "number", "nullable": True})

    def _month(self, figure):
        return f"{figure.year:04d}-{figure.month:02d}"

    def _share(self, figure):
        share = figure.counts.share
        return None if share is None else round(float(share), 6)


class SeriesSchema(Schema):
    level = fields.String()
    code = fields.String()
    name = fields.String()
    months = fields.List(fields.Nested(MonthFigureSchema))


class ShortfallSchema(Schema):
    kind = fields.String(metadata={"enum": ["no_active_vendors", "more_cashless_vendors",
                                            "more_verified_vendors", "cashless_fees",
                                            "more_listed_products"]})
    missing = fields.Integer(metadata={"description": "How many more vendors or products."})
    message = fields.String(metadata={"description": "The shortfall as a sentence."})


class VerdictSchema(Schema):
    market_id = fields.Integer()
    name = fields.String()
    ward_name = fields.String()
    qualifies = fields.Boolean()
    rule_effective_from = fields.Date(allow_none=True, metadata={"nullable": True})
    active = fields.Integer()
    cashless = fields.Integer()
    verified_used = fields.Integer()
    fees_cashless = fields.Boolean()
    listed_products = fields.Integer()
    shortfalls = fields.List(fields.Nested(ShortfallSchema))


class Cho40Schema(Schema):
    date = fields.Date()
    markets = fields.List(fields.Nested(VerdictSchema))


class CountsSchema(Schema):
    active = fields.Integer()
    cashless = fields.Integer()
    share = fields.Method("_share", allow_none=True,
                          metadata={"type": "number", "nullable": True})

    def _share(self, counts):
        share = counts.share
        return None if share is None else round(float(share), 6)


class VisitFiguresSchema(Schema):
    days = fields.Integer(metadata={"description": "The window, in days up to the date."})
    cashless = fields.Integer(metadata={"description": "Active vendors accepting cashless."})
    visited = fields.Integer(metadata={"description": "Of them, visited within the window."})
    verified_used = fields.Integer(metadata={
        "description": "Of them, whose latest visit in the window found the placard used."})
    due = fields.Integer(metadata={"description": "Cashless vendors not visited in the window."})


class BreakdownSchema(Schema):
    date = fields.Date()
    level = fields.String()
    code = fields.String()
    by_vendor_kind = fields.Dict(keys=fields.String(), values=fields.Nested(CountsSchema),
                                 metadata={"description": "trader, household_business, "
                                                          "cooperative"})
    by_market_class = fields.Dict(keys=fields.String(), values=fields.Nested(CountsSchema),
                                  metadata={"description": "I, II, III, none"})
    by_payment_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Active vendors with a method of the kind in use: bank_account, "
                       "ewallet:<provider>, card_terminal; one vendor may count under several."})
    visits = fields.Nested(VisitFiguresSchema)
