"""The audit page's filters, read from its address."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from audit.service import ENTITY_KINDS, MAX_PAGE
from schema_fields import ID_RANGE, Range, Text


class AuditFilterArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # the address may carry other parameters (the language)

    entity = fields.String(validate=validate.OneOf(
        ENTITY_KINDS, error=_l("Không có loại đối tượng này.")))
    entity_id = fields.Integer(validate=ID_RANGE)
    user = Text(validate=validate.Length(max=100))
    since = fields.Date()
    until = fields.Date()
    page = fields.Integer(load_default=1, validate=Range(min=1, max=MAX_PAGE))

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        # A filter left empty sends "since=": no filter.
        return {key: value for key, value in data.items() if value != ""}

    @validates_schema
    def _since_before_until(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError(_l("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."),
                                  "until")
