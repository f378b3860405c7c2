"""Administrative units after the 1 July 2025 reform: reading the shipped list of provinces and
commune-level units (or another CSV of the same columns) and loading it by official code."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain_errors import N_, Message
from market.models import Province, Ward, WardKind
from reference_csv import ReferenceListError, read_reference_csv, read_reference_file, source_line
from textnorm import nfc, search_key

ADMIN_UNITS_CSV = Path(__file__).parent / "data" / "admin_units.csv"

# One row per commune-level unit, with its province; the names of AdminUnitRow's fields.
COLUMNS = (
    "province_code", "province_name", "province_short_name", "province_latitude",
    "province_longitude", "ward_code", "ward_name", "ward_short_name", "ward_type",
    "ward_latitude", "ward_longitude",
)
_PROVINCE_COLUMNS = COLUMNS[:5]
WARD_KINDS = {"Phường": WardKind.WARD, "Xã": WardKind.COMMUNE, "Đặc khu": WardKind.SPECIAL_ZONE}
# Widths of the columns of market.models: a longer value would be refused by PostgreSQL mid-load.
_NAME_MAX_LENGTH = 100
# Official codes: 2 digits for a province, 5 for a commune-level unit (String(2), String(5)).
_CODE_DIGITS = {"province_code": 2, "ward_code": 5}
_COORDINATE_RANGES = {"latitude": 90, "longitude": 180}


class AdminUnitListError(ReferenceListError):
    """The administrative-unit file is not usable; the message names the line."""

    code = "invalid_admin_unit_list"


@dataclass(frozen=True)
class AdminUnitRow:
    province_code: str
    province_name: str
    province_short_name: str
    province_latitude: float | None
    province_longitude: float | None
    ward_code: str
    ward_name: str
    ward_short_name: str
    ward_type: str
    ward_latitude: float | None
    ward_longitude: float | None


def read_admin_unit_list(text: str) -> tuple[list[AdminUnitRow], str]:
    """Parse the CSV (comment lines start with '#'); returns the rows and the source line.

    Refuses the whole file at its first bad row, naming the line as an editor numbers it.
    """
    records, comments = read_reference_csv(text, COLUMNS, error=AdminUnitListError, nothing_in_it=N_(
        "Tệp không có đơn vị hành chính nào: cần dòng tiêu đề và ít nhất một dòng."))
    rows: list[AdminUnitRow] = []
    ward_lines: dict[str, int] = {}
    # A province is repeated on each of its wards' rows: every repetition must agree.
    provinces: dict[str, tuple[tuple, int]] = {}
    for line_no, record in records:
        row = _admin_unit_row(record, line_no)
        if row.ward_code in ward_lines:
            raise AdminUnitListError(N_(
                "Dòng %(line)s: mã xã/phường %(code)s đã có ở dòng %(earlier)s; mỗi mã chỉ một "
                "dòng.", line=line_no, code=row.ward_code, earlier=ward_lines[row.ward_code]))
        ward_lines[row.ward_code] = line_no
        province = tuple(getattr(row, column) for column in _PROVINCE_COLUMNS)
        first, first_line = provinces.setdefault(row.province_code, (province, line_no))
        if province != first:
            raise AdminUnitListError(N_(
                "Dòng %(line)s (mã xã/phường %(code)s): tỉnh/thành mã %(province)s có tên hoặc "
                "toạ độ khác với dòng %(first)s; mỗi tỉnh/thành chỉ một bộ giá trị.",
                line=line_no, code=row.ward_code, province=row.province_code, first=first_line))
        rows.append(row)
    return rows, source_line(comments, "cho40 administrative units")


def _admin_unit_row(record: dict[str, str], line_no: int) -> AdminUnitRow:
    values: dict[str, object] = {}
    for column, digits in _CODE_DIGITS.items():
        code = record[column].strip()
        if not re.fullmatch(f"[0-9]{{{digits}}}", code):
            raise AdminUnitListError(N_(
                "Dòng %(line)s: cột %(column)s «%(code)s» phải gồm đúng %(digits)s chữ số.",
                line=line_no, column=column, code=code, digits=digits))
        values[column] = code
    where = N_("Dòng %(line)s (mã xã/phường %(code)s)", line=line_no, code=values["ward_code"])
    for column in ("province_name", "province_short_name", "ward_name", "ward_short_name",
                   "ward_type"):
        value = nfc(record[column]) or ""
        if not value:
            raise AdminUnitListError(N_("%(where)s: cột %(column)s để trống.", where=where,
                                        column=column))
        if len(value) > _NAME_MAX_LENGTH:
            raise AdminUnitListError(N_(
                "%(where)s: cột %(column)s dài %(length)s ký tự, tối đa %(max)s.", where=where,
                column=column, length=len(value), max=_NAME_MAX_LENGTH))
        values[column] = value
    if values["ward_type"] not in WARD_KINDS:
        raise AdminUnitListError(N_(
            "%(where)s: cột ward_type «%(value)s» phải là một trong %(kinds)s.", where=where,
            value=values["ward_type"], kinds=", ".join(WARD_KINDS)))
    for column in ("province_latitude", "province_longitude", "ward_latitude", "ward_longitude"):
        values[column] = _coordinate_value(record[column].strip(), column, where)
    return AdminUnitRow(**values)


def _coordinate_value(text: str, column: str, where: Message) -> float | None:
    if not text:
        return None
    limit = _COORDINATE_RANGES[column.rpartition("_")[2]]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:  # also false for nan
        raise AdminUnitListError(N_(
            "%(where)s: cột %(column)s «%(value)s» phải là số độ thập phân từ -%(limit)s đến "
            "%(limit)s.", where=where, column=column, value=text, limit=limit))
    return value


def shipped_admin_units() -> tuple[list[AdminUnitRow], str]:
    return read_reference_file(ADMIN_UNITS_CSV, read_admin_unit_list)


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def load_admin_units(session: Session, rows: list[AdminUnitRow]) -> tuple[int, int]:
    """Insert or update provinces and wards by official code; returns (provinces, wards)."""
    provinces: dict[str, dict] = {}
    wards: list[dict] = []
    for row in rows:
        provinces[row.province_code] = {
            "code": row.province_code,
            "name": nfc(row.province_name),
            "short_name": nfc(row.province_short_name),
            "latitude": _coordinate(row.province_latitude),
            "longitude": _coordinate(row.province_longitude),
        }
        wards.append({
            "code": row.ward_code,
            "province_code": row.province_code,
            "name": nfc(row.ward_name),
            "short_name": nfc(row.ward_short_name),
            "kind": WARD_KINDS[row.ward_type],
            "latitude": _coordinate(row.ward_latitude),
            "longitude": _coordinate(row.ward_longitude),
            "search_key": search_key(row.ward_name),
        })
    _upsert(session, Province, "code", list(provinces.values()))
    _upsert(session, Ward, "code", wards)
    return len(provinces), len(wards)


def _upsert(session: Session, model, key: str, rows: list[dict]) -> None:
    existing = set(session.scalars(select(getattr(model, key))))
    new_rows = [r for r in rows if r[key] not in existing]
    changed_rows = [r for r in rows if r[key] in existing]
    if new_rows:
        session.execute(model.__table__.insert(), new_rows)
    if changed_rows:
        session.bulk_update_mappings(model, changed_rows)
