"""What the export form and the exports API take, and what the API answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from catalog_export.exporters import EXPORTERS


class ExportInput(Schema):
    class Meta:
        unknown = EXCLUDE  # the form's CSRF token travels with it

    platform = fields.String(
        required=True,
        validate=validate.OneOf(list(EXPORTERS), error=_l("Chọn một nền tảng trong danh sách.")),
        error_messages={"required": _l("Chọn một nền tảng trong danh sách.")},
        metadata={"description": "An exporter's name: " + ", ".join(EXPORTERS)})
    with_images_zip = fields.Boolean(
        load_default=False,
        metadata={"description": "Also a ZIP of the photos prepared for the platform, named "
                                 "<sku>-<n>.jpg"})


class LeftOutSchema(Schema):
    field = fields.String(metadata={"description": "The product's field at fault"})
    rule = fields.String(metadata={"description": "The rule broken, a stable code"})
    message = fields.String(metadata={"description": "The reason, as a sentence to show"})


class ExportSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer(allow_none=True, metadata={
        "description": "None for a province's catalogue"})
    platform = fields.String()
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    percent = fields.Integer()
    error = fields.String(allow_none=True, metadata={"description": "Why the export failed"})
    products_written = fields.Integer()
    rows_written = fields.Integer()
    left_out = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(LeftOutSchema)),
                           metadata={"description": "Product id to the errors that kept it out"})
    download_name = fields.String(allow_none=True)
    download_url = fields.String(allow_none=True, metadata={
        "description": "The file, with the same token, while it is kept"})
    images_url = fields.String(allow_none=True, metadata={
        "description": "The images ZIP, when one was asked for, while it is kept"})
