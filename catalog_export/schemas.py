"""What a product looks like in the catalogue's forms and JSON API: input checked field by
field (every error at once), output with sizes in centimetres and money in whole đồng."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalog_export import taxonomy
from catalog_export.canonical import Certification
from catalog_export.exporters.base import gtin_is_valid
from catalog_export.models import ProductStatus
from schema_fields import (
    ID_RANGE,
    REQUIRED,
    ApiChanges,
    ApiInput,
    Centimetres,
    DigitsField,
    Money,
    Range,
    Text,
    not_in_the_future,
)

MAX_OPTION_AXES = 2
MAX_VARIANTS = 100
MAX_IMAGES = 9
# OCOP ratings began in 2018 (Decision 490/QĐ-TTg).
FIRST_OCOP_YEAR = 2018


class Gtin(DigitsField):
    """A GTIN-8, -12, -13 or -14 with its GS1 check digit."""

    def __init__(self, **kwargs):
        super().__init__(lengths=(8, 12, 13, 14), message=_l(
            "Mã vạch GTIN gồm 8, 12, 13 hoặc 14 chữ số (mã EAN-13 in dưới vạch)."), **kwargs)
        self.error_messages["check_digit"] = _l(
            "Mã vạch sai chữ số kiểm tra: hãy đối chiếu lại với số in trên bao bì.")

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        if code is not None and not gtin_is_valid(code):
            raise self.make_error("check_digit")
        return code


def known_category(category_id: int) -> None:
    if taxonomy.category(category_id) is None:
        raise ValidationError([_l("Không có ngành hàng mã %(id)s trong danh mục của Google.",
                                  id=category_id)])


def _sku_field(**kwargs):
    return Text(validate=validate.Regexp(
        r"^[A-Za-z0-9._\-/]{1,64}$",
        error=_l("Mã SKU gồm tối đa 64 chữ cái không dấu, chữ số và . _ - /.")), **kwargs)


class VariantInput(Schema):
    options = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          error_messages=REQUIRED, metadata={
                              "description": "The value on each of the product's option axes, "
                                             'e.g. {"Khối lượng": "500 g", "Loại": "Loại 1"}.'})
    sku = _sku_field(allow_none=True, metadata={"description": "Generated when left out."})
    price = Money(required=True, error_messages=REQUIRED, validate=Range(
        min=1, max=10**12, error=_l("Giá phải lớn hơn 0 đồng.")))
    stock = fields.Integer(load_default=0, validate=Range(min=0, max=10**9))
    weight_grams = fields.Integer(allow_none=True, validate=Range(min=1, max=500_000))
    gtin = Gtin(allow_none=True)


class ProductInput(ApiInput):
    """A product as written on the page or sent to the API. Sizes are centimetres (one decimal);
    money whole đồng; a product with option axes takes its price and stock per variant."""

    name = Text(required=True, error_messages=REQUIRED, validate=validate.Length(
        min=2, max=255, error=_l("Tên sản phẩm dài từ 2 đến 255 ký tự.")))
    description = Text(load_default="", validate=validate.Length(
        max=25_000, error=_l("Mô tả dài tối đa 25.000 ký tự.")))
    status = fields.Enum(ProductStatus, by_value=True, load_default=ProductStatus.DRAFT,
                         validate=validate.OneOf([ProductStatus.DRAFT, ProductStatus.ACTIVE],
                                                 error=_l("Chọn «nháp» hoặc «đang bán»; lưu trữ "
                                                          "bằng nút Lưu trữ.")))
    sku = _sku_field(allow_none=True, metadata={"description": "Generated when left out."})
    brand = Text(allow_none=True, validate=validate.Length(
        max=100, error=_l("Thương hiệu dài tối đa 100 ký tự.")),
        metadata={"description": "Null: sold without a brand."})
    google_category_id = fields.Integer(allow_none=True, validate=known_category, metadata={
        "description": "A category id of Google's product taxonomy (2021-09-21)."})
    origin = Text(allow_none=True, validate=validate.Length(max=200))
    price = Money(load_default=0)
    stock = fields.Integer(load_default=0, validate=Range(min=0, max=10**9))
    weight_grams = fields.Integer(allow_none=True, validate=Range(min=1, max=500_000))
    length_cm = Centimetres(allow_none=True, attribute="length_mm")
    width_cm = Centimetres(allow_none=True, attribute="width_mm")
    height_cm = Centimetres(allow_none=True, attribute="height_mm")
    gtin = Gtin(allow_none=True)
    option_names = fields.List(Text(validate=validate.Length(max=30)), load_default=list,
                               validate=validate.Length(max=MAX_OPTION_AXES, error=_l(
                                   "Tối đa 2 nhóm phân loại (ví dụ Khối lượng và Loại).")))
    variants = fields.List(fields.Nested(VariantInput), load_default=list,
                           validate=validate.Length(max=MAX_VARIANTS, error=_l(
                               "Tối đa 100 phân loại cho một sản phẩm.")))
    ocop_stars = fields.Integer(allow_none=True, validate=validate.OneOf(
        [3, 4, 5], error=_l("Hạng OCOP là 3, 4 hoặc 5 sao.")))
    ocop_year = fields.Integer(allow_none=True)
    certifications = fields.List(fields.Enum(Certification, by_value=True), load_default=list)
    shelf_life_days = fields.Integer(allow_none=True, validate=Range(min=1, max=3650))
    storage = Text(allow_none=True, validate=validate.Length(max=300))

    # Run even when a field is wrong, so that every error is reported at once.
    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, partial=None, **kwargs):
        errors: dict[str, list] = {}
        names = data.get("option_names") or []
        if len(set(names)) != len(names) or any(not name for name in names):
            errors["option_names"] = [_l("Mỗi nhóm phân loại cần một tên riêng.")]
        seen = set()
        # A change that sends variants without their axes is checked against the product's.
        for variant in (data.get("variants") or []) if "option_names" in data else []:
            if set(variant["options"]) != set(names):
                errors["variants"] = [_l("Mỗi phân loại cần đúng một giá trị cho mỗi nhóm "
                                         "phân loại của sản phẩm.")]
                break
            combination = tuple(variant["options"][name].strip() for name in names)
            if combination in seen or any(not value for value in combination):
                errors["variants"] = [_l("Hai phân loại trùng nhau, hoặc một phân loại thiếu "
                                         "giá trị.")]
                break
            seen.add(combination)
        if names and not data.get("variants") and not partial:
            errors["variants"] = [_l("Sản phẩm có nhóm phân loại cần ít nhất một phân loại.")]
        stars, year = data.get("ocop_stars"), data.get("ocop_year")
        if (stars is None) != (year is None) and not partial:
            errors["ocop_year"] = [_l("Hạng OCOP cần cả số sao và năm được công nhận.")]
        elif year is not None and not FIRST_OCOP_YEAR <= year <= dt.date.today().year:
            errors["ocop_year"] = [_l("Năm công nhận OCOP từ 2018 đến năm nay.")]
        if errors:
            raise ValidationError(errors)


class ProductUpdateInput(ApiChanges, ProductInput):
    """The fields of a product to change: load it with partial=True; `variants`, when sent,
    replace the product's variants."""


class PhotoUpload(Schema):
    photo = Upload(required=True, error_messages=REQUIRED, metadata={
        "description": "A JPEG, PNG or WebP photo; turned upright, stripped of its metadata."})


class ImageMoveInput(ApiInput):
    position = fields.Integer(required=True, error_messages=REQUIRED,
                              validate=Range(min=0, max=MAX_IMAGES - 1),
                              metadata={"description": "0 makes it the cover."})


class ListingInput(ApiInput):
    platform = Text(required=True, error_messages=REQUIRED, validate=validate.Length(
        max=50, error=_l("Tên sàn dài tối đa 50 ký tự.")), metadata={
            "description": "A platform's name from GET /api/v1/platforms, or another's."})
    url = Text(required=True, error_messages=REQUIRED, validate=[
        validate.URL(schemes={"http", "https"}, require_tld=True,
                     error=_l("Cần địa chỉ trang sản phẩm bắt đầu bằng https://.")),
        validate.Length(max=500, error=_l("Địa chỉ dài tối đa 500 ký tự."))])
    listed_on = fields.Date(allow_none=True, validate=not_in_the_future)


class ListingEndInput(ApiInput):
    ended_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future)


class ProductQueryArgs(Schema):
    vendor = fields.Integer(validate=ID_RANGE, metadata={"description": "Only this vendor's."})
    status = fields.Enum(ProductStatus, by_value=True)
    q = Text(load_default="", validate=validate.Length(max=100))


class VariantSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    options = fields.Dict(keys=fields.String(), values=fields.String())
    price = fields.Integer()
    stock = fields.Integer()
    weight_grams = fields.Integer(allow_none=True)
    gtin = fields.String(allow_none=True)


class ImageSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    alt_text = fields.String(allow_none=True)


class ListingSchema(Schema):
    id = fields.Integer()
    platform = fields.String()
    url = fields.String()
    listed_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


class ProductSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    status = fields.Enum(ProductStatus, by_value=True)
    sku = fields.String()
    name = fields.String()
    description = fields.String()
    brand = fields.String(allow_none=True)
    google_category_id = fields.Integer(allow_none=True)
    origin = fields.String(allow_none=True)
    price = fields.Integer()
    stock = fields.Integer()
    weight_grams = fields.Integer(allow_none=True)
    length_cm = Centimetres(attribute="length_mm", allow_none=True)
    width_cm = Centimetres(attribute="width_mm", allow_none=True)
    height_cm = Centimetres(attribute="height_mm", allow_none=True)
    gtin = fields.String(allow_none=True)
    option_names = fields.List(fields.String())
    variants = fields.List(fields.Nested(VariantSchema))
    images = fields.List(fields.Nested(ImageSchema))
    listings = fields.List(fields.Nested(ListingSchema))
    ocop_stars = fields.Integer(allow_none=True)
    ocop_year = fields.Integer(allow_none=True)
    certifications = fields.List(fields.String())
    shelf_life_days = fields.Integer(allow_none=True)
    storage = fields.String(allow_none=True)
    updated_at = fields.DateTime()


# --- The readiness report and the platforms ---------------------------------------------------


class PlatformSchema(Schema):
    name = fields.String(metadata={"description": "The platform's key: `platform` arguments."})
    label = fields.String()
    file_extension = fields.String()


class ReadinessArgs(Schema):
    platform = Text(validate=validate.Length(max=50), metadata={
        "description": "Only this platform (a `name` of GET /platforms); every one when left "
                       "out."})


class ProblemSchema(Schema):
    field = fields.String(metadata={"description": "The product's field at fault."})
    rule = fields.String(metadata={"description": "A stable code: name_too_short, ..."})
    severity = fields.String(metadata={"description": "error: left out of the file; warning."})
    message = fields.String(metadata={
        "description": "The field, the rule and the limit, in the request's language "
                       "(Accept-Language: vi or en; Vietnamese by default)."})


class PlatformCheckSchema(Schema):
    status = fields.String(metadata={"description": "ready, warnings or errors"})
    errors = fields.Integer()
    warnings = fields.Integer()
    problems = fields.List(fields.Nested(ProblemSchema))


class ProductReadinessSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    platforms = fields.Dict(keys=fields.String(), values=fields.Nested(PlatformCheckSchema),
                            metadata={"description": "By platform name."})


class PlatformCountsSchema(PlatformSchema):
    ready = fields.Integer()
    warnings = fields.Integer()
    errors = fields.Integer()


class ReadinessSchema(Schema):
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    platforms = fields.List(fields.Nested(PlatformCountsSchema), metadata={
        "description": "The platforms checked, with how many products are in each status."})
    products = fields.List(fields.Nested(ProductReadinessSchema))
