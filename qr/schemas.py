"""Query and form parameters of the QR pages: placard size, sheets per page, PNG scale."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from qr.layouts import PER_PAGE_CHOICES, VENDOR_SIZES
from schema_fields import Range


class VendorPlacardArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    size = fields.String(
        load_default="a6",
        validate=validate.OneOf(VENDOR_SIZES, error=_l("Khổ giấy phải là a6 hoặc a4.")),
    )


class SheetArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token travels in the same form

    per_page = fields.Integer(
        load_default=4,
        validate=validate.OneOf(
            PER_PAGE_CHOICES, error=_l("Số bảng mỗi trang phải là 1, 2 hoặc 4.")
        ),
        error_messages={"invalid": _l("Số bảng mỗi trang phải là 1, 2 hoặc 4.")},
    )


class PlacardJobForm(SheetArgs):
    # Unset: every market in the person's scope (a province's run); set: that one market.
    market_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        error_messages={"invalid": _l("Mã chợ không hợp lệ.")},
    )


class CodePngArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    scale = fields.Integer(
        load_default=10,
        validate=Range(min=2, max=40, error=_l("Cỡ ô mã phải từ 2 đến 40 điểm ảnh.")),
        error_messages={"invalid": _l("Cỡ ô mã phải là số nguyên từ 2 đến 40.")},
    )
