"""A platform described by a column-mapping profile (JSON), so that staff can add a provincial
trade floor or a partner's upload sheet without code: load_profile(text) gives its exporter.

The profile, one JSON object:

    {
      "name": "postmart",                 the registry's key: lower-case ASCII, digits, "-"
      "label": "Postmart",                the platform's name as people write it
      "about": "...",                     optional: what the profile is, where it comes from
      "format": "xlsx",                   "xlsx" or "csv" (UTF-8 with BOM)
      "sheet": "Sản phẩm",                optional, xlsx only: the sheet's name
      "limits": {"name_min": 10, "name_max": 150, "weight_required": true},
      "columns": [
        {"header": "Tên sản phẩm", "field": "name", "required": true, "max_length": 150},
        {"header": "Khối lượng (kg)", "field": "weight_grams", "unit": "kg"},
        {"header": "Mã vùng", "field": "extra.ma_vung"},
        {"header": "Tỉnh", "value": "Thái Nguyên"}
      ]
    }

- "limits" takes the fields of base.Limits (name_min, name_max, description_max, price_min,
  price_max, images_min, images_max, image_min_side, image_max_side, image_max_bytes,
  weight_min_grams, weight_max_grams, option_axes_max, variants_max, sku_max: whole numbers;
  weight_required, size_required, category_required, brand_required: true or false).
- Each column, in file order: "header" (its text in the file's header row) and either "field"
  (the canonical value it takes) or "value" (a text written on every row). Fields: name,
  description, sku, parent_sku, price (whole đồng), stock, gtin, brand, origin,
  google_category_id, google_category_path, weight_grams, length_mm, width_mm, height_mm,
  image_1 .. image_9 (URLs), variant_image, option_name_1, option_name_2, option_1, option_2
  (the variant's values), ocop_stars, ocop_year, certifications, shelf_life_days, storage, link,
  seller, and extra.<key> (a value of product.extra). "unit" converts: weight_grams in "g" or
  "kg", the sizes in "mm" or "cm" (decimal point). "required": true leaves out a product without
  the value; "max_length" leaves out one whose value is longer.
- One row per variant (a product without variants is one row); every row carries the product's
  fields.

A profile that breaks these rules is refused with ProfileError naming every problem.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from catalog_export.canonical import Product
from catalog_export.exporters.base import Finding, Limits, Severity, kilograms
from catalog_export.exporters.table import (
    CSV_MEDIA_TYPE,
    FIELDS,
    PRODUCT_LEVEL_FIELDS,
    XLSX_MEDIA_TYPE,
    Column,
    TableExporter,
    decimal_number,
    exact_centimetres,
    extra_value,
    with_unit,
)
from domain_errors import N_, Invalid, Message

PROFILES = Path(__file__).resolve().parent.parent / "profiles"

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EXTRA_PREFIX = "extra."
# The units a field may be converted to, from the catalogue's own (grams, millimetres).
UNITS = {
    "weight_grams": {"g": lambda grams: grams, "kg": lambda grams: decimal_number(kilograms(grams))},
    **{size: {"mm": lambda mm: mm, "cm": exact_centimetres}
       for size in ("length_mm", "width_mm", "height_mm")},
}
IMAGE_FIELDS = frozenset({*(f"image_{n}" for n in range(1, 10)), "variant_image"})
_FLAGS = {"weight_required", "size_required", "category_required", "brand_required"}
_LIMITS = {f.name for f in dataclasses.fields(Limits)} - {"platform"}
_PROFILE_KEYS = {"name", "label", "about", "format", "sheet", "limits", "columns"}
_COLUMN_KEYS = {"header", "field", "value", "unit", "required", "max_length"}

_TEXT, _WHOLE, _FLAG = N_("chuỗi ký tự"), N_("số nguyên không âm"), N_("true hoặc false")


class ProfileError(Invalid, code="profile_invalid"):
    """A column-mapping profile this module cannot use; its message lists every problem."""


@dataclasses.dataclass(frozen=True)
class ProfileColumn:
    column: Column
    required: bool
    max_length: int | None
    field: str | None = None


class ProfileExporter(TableExporter):
    """The exporter of one profile: its columns, limits and the checks its columns ask for."""

    def __init__(self, *, name: str, label: str, file_format: str, sheet: str, limits: Limits,
                 columns: tuple[ProfileColumn, ...]):
        self.name, self.label, self.file_extension = name, label, file_format
        self.media_type = CSV_MEDIA_TYPE if file_format == "csv" else XLSX_MEDIA_TYPE
        self.sheet_title, self.limits = sheet, limits
        self.profile_columns = columns
        self.columns = tuple(c.column for c in columns)
        # Images by URL: only a profile with image columns cares whether they have one.
        self.images_by_url = any(c.field in IMAGE_FIELDS for c in columns)

    def platform_findings(self, product: Product) -> list[Finding]:
        platform, findings = self.label, []
        for profile_column in self.profile_columns:
            header = profile_column.column.header
            values = [profile_column.column.value(product, v) for v in product.sellable()]
            if profile_column.required and any(value in (None, "") for value in values):
                findings.append(Finding(product.id, header, "required_value_missing",
                                        Severity.ERROR, N_(
                    "Thiếu «%(header)s»: %(platform)s bắt buộc cột này.",
                    header=header, platform=platform)))
            longest = max((len(str(value)) for value in values if value is not None), default=0)
            if profile_column.max_length is not None and longest > profile_column.max_length:
                findings.append(Finding(product.id, header, "value_too_long", Severity.ERROR, N_(
                    "«%(header)s» dài %(length)s ký tự: %(platform)s nhận tối đa %(max)s.",
                    header=header, length=longest, platform=platform,
                    max=profile_column.max_length)))
        return findings


def load_profile(text: str) -> ProfileExporter:
    """The exporter a profile describes (the format is in this module's docstring)."""
    try:
        profile = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProfileError(_refusal([N_("không phải JSON hợp lệ (dòng %(line)s, cột "
                                        "%(column)s)", line=error.lineno, column=error.colno)]))
    problems: list[Message] = []
    if not isinstance(profile, dict):
        raise ProfileError(_refusal([N_("cần một đối tượng JSON {…}")]))
    problems += [N_("mục «%(key)s» không có", key=key) for key in profile
                 if key not in _PROFILE_KEYS]
    name = _text(profile, "name", problems)
    if name and not _NAME.match(name):
        problems.append(N_("tên «%(name)s» chỉ được gồm chữ thường không dấu, số và gạch ngang",
                           name=name))
    label = _text(profile, "label", problems)
    file_format = _text(profile, "format", problems)
    if file_format and file_format not in ("csv", "xlsx"):
        problems.append(N_("định dạng «%(format)s» không có (dùng csv hoặc xlsx)",
                           format=file_format))
    sheet = _text(profile, "sheet", problems, required=False) or "Sheet1"
    limits = _limits(profile.get("limits", {}), label or "?", problems)
    columns = profile.get("columns")
    if not isinstance(columns, list) or not columns:
        problems.append(N_("mục «columns» phải là danh sách cột, ít nhất một cột"))
        columns = []
    built = tuple(_column(index, column, problems) for index, column in enumerate(columns, 1))
    if problems:
        raise ProfileError(_refusal(problems))
    return ProfileExporter(name=name, label=label, file_format=file_format, sheet=sheet,
                           limits=limits, columns=built)


def shipped_profile(filename: str) -> ProfileExporter:
    """A profile shipped in catalog_export/profiles/, by its file name (the registry lists them
    one by one)."""
    return load_profile((PROFILES / filename).read_text(encoding="utf-8"))


def _refusal(problems: list[Message]) -> Message:
    return N_("Hồ sơ nền tảng không dùng được: %(problems)s.", problems=problems)


def _text(mapping: dict, key: str, problems: list[Message], *, required: bool = True) -> str:
    value = mapping.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(N_("thiếu mục «%(key)s»", key=key) if value is None
                        else N_("mục «%(key)s» phải là %(kind)s", key=key, kind=_TEXT))
        return ""
    return value.strip()


def _limits(given: object, platform: str, problems: list[Message]) -> Limits:
    if not isinstance(given, dict):
        problems.append(N_("mục «%(key)s» phải là %(kind)s", key="limits",
                           kind=N_("đối tượng JSON {…}")))
        return Limits(platform)
    values = {}
    for key, value in given.items():
        if key not in _LIMITS:
            problems.append(N_("giới hạn «%(key)s» không có", key=key))
        elif key in _FLAGS and not isinstance(value, bool):
            problems.append(N_("mục «%(key)s» phải là %(kind)s", key=key, kind=_FLAG))
        elif key not in _FLAGS and (isinstance(value, bool) or not isinstance(value, int)
                                    or value < 0):
            problems.append(N_("mục «%(key)s» phải là %(kind)s", key=key, kind=_WHOLE))
        else:
            values[key] = value
    return Limits(platform, **values)


def _column(index: int, column: object, problems: list[Message]) -> ProfileColumn:
    nothing = ProfileColumn(Column("", lambda p, v: None), False, None)
    if not isinstance(column, dict):
        problems.append(N_("cột %(index)s phải là một đối tượng JSON {…}", index=index))
        return nothing
    header = column.get("header")
    if not isinstance(header, str) or not header.strip():
        problems.append(N_("cột %(index)s thiếu tiêu đề («header»)", index=index))
        header = f"#{index}"
    problems += [N_("cột «%(header)s»: mục «%(key)s» không có", header=header, key=key)
                 for key in column if key not in _COLUMN_KEYS]
    field_name, constant, unit = column.get("field"), column.get("value"), column.get("unit")
    if (field_name is None) == (constant is None):
        problems.append(N_("cột «%(header)s»: cần đúng một trong «field» hoặc «value»",
                           header=header))
        return nothing
    if constant is not None:
        value, product_level = (lambda p, v: constant), True
    elif not isinstance(field_name, str) or not (
            field_name in FIELDS or field_name.startswith(EXTRA_PREFIX)):
        problems.append(N_("cột «%(header)s»: không có trường «%(field)s»", header=header,
                           field=field_name))
        return nothing
    elif field_name.startswith(EXTRA_PREFIX):
        value, product_level = extra_value(field_name[len(EXTRA_PREFIX):]), True
    else:
        value, product_level = FIELDS[field_name], field_name in PRODUCT_LEVEL_FIELDS
    if unit is not None:
        units = UNITS.get(field_name, {})
        if unit not in units:
            problems.append(N_(
                "cột «%(header)s»: đơn vị «%(unit)s» không dùng được cho «%(field)s» (dùng "
                "%(units)s)", header=header, unit=unit, field=field_name,
                units=", ".join(units) or "—"))
            return nothing
        value = with_unit(header, field_name, units[unit]).value
    required = column.get("required", False)
    max_length = column.get("max_length")
    if not isinstance(required, bool):
        problems.append(N_("mục «%(key)s» phải là %(kind)s", key="required", kind=_FLAG))
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(
            max_length, int) or max_length < 1):
        problems.append(N_("mục «%(key)s» phải là %(kind)s", key="max_length", kind=_WHOLE))
        max_length = None
    return ProfileColumn(Column(header, value, product_level), required is True, max_length,
                         field_name)
