"""Administrative units after the 1 July 2025 reform: reading the shipped list of provinces and
commune-level units (or another CSV of the same columns) and loading it by official code."""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from market.models import Province, Ward, WardKind
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


class AdminUnitListError(ValueError):
    """The administrative-unit file is not usable; the message names the line."""


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
    lines = text.splitlines()
    source_lines = [line[1:].strip() for line in lines if line.startswith("#")]
    # Comment lines are blanked, not removed, so the reader's line numbers are the file's.
    data = "\n".join("" if line.startswith("#") else line for line in lines)
    reader = csv.reader(io.StringIO(data))
    header: list[str] | None = None
    rows: list[AdminUnitRow] = []
    ward_lines: dict[str, int] = {}
    # A province is repeated on each of its wards' rows: every repetition must agree.
    provinces: dict[str, tuple[tuple, int]] = {}
    for record in _csv_records(reader):
        if not any(value.strip() for value in record):
            continue
        line_no = reader.line_num
        if header is None:
            header = [value.strip().lower() for value in record]
            missing = [column for column in COLUMNS if column not in header]
            if missing:
                raise AdminUnitListError(
                    f"Dòng {line_no}: dòng tiêu đề thiếu cột {', '.join(missing)} (cần các cột "
                    f"{','.join(COLUMNS)})."
                )
            continue
        if len(record) != len(header):
            raise AdminUnitListError(
                f"Dòng {line_no}: có {len(record)} cột, dòng tiêu đề có {len(header)}."
            )
        row = _admin_unit_row(dict(zip(header, record)), line_no)
        if row.ward_code in ward_lines:
            raise AdminUnitListError(
                f"Dòng {line_no}: mã xã/phường {row.ward_code} đã có ở dòng "
                f"{ward_lines[row.ward_code]}; mỗi mã chỉ một dòng."
            )
        ward_lines[row.ward_code] = line_no
        province = tuple(getattr(row, column) for column in _PROVINCE_COLUMNS)
        first, first_line = provinces.setdefault(row.province_code, (province, line_no))
        if province != first:
            raise AdminUnitListError(
                f"Dòng {line_no} (mã xã/phường {row.ward_code}): tỉnh/thành mã {row.province_code} "
                f"có tên hoặc toạ độ khác với dòng {first_line}; mỗi tỉnh/thành chỉ một bộ giá trị."
            )
        rows.append(row)
    if not rows:
        raise AdminUnitListError(
            "Tệp không có đơn vị hành chính nào: cần dòng tiêu đề và ít nhất một dòng."
        )
    source = next((s for s in source_lines if s.lower().startswith("source")),
                  "cho40 administrative units")
    return rows, source


def _csv_records(reader):
    # The csv module's own refusals (a field past its size limit) name the line too.
    try:
        yield from reader
    except csv.Error as error:
        raise AdminUnitListError(
            f"Dòng {reader.line_num}: không đọc được theo dạng CSV ({error})."
        ) from error


def _admin_unit_row(record: dict[str, str], line_no: int) -> AdminUnitRow:
    values: dict[str, object] = {}
    for column, digits in _CODE_DIGITS.items():
        code = record[column].strip()
        if not re.fullmatch(f"[0-9]{{{digits}}}", code):
            raise AdminUnitListError(
                f"Dòng {line_no}: cột {column} «{code}» phải gồm đúng {digits} chữ số."
            )
        values[column] = code
    where = f"Dòng {line_no} (mã xã/phường {values['ward_code']})"
    for column in ("province_name", "province_short_name", "ward_name", "ward_short_name",
                   "ward_type"):
        value = nfc(record[column]) or ""
        if not value:
            raise AdminUnitListError(f"{where}: cột {column} để trống.")
        if len(value) > _NAME_MAX_LENGTH:
            raise AdminUnitListError(
                f"{where}: cột {column} dài {len(value)} ký tự, tối đa {_NAME_MAX_LENGTH}."
            )
        values[column] = value
    if values["ward_type"] not in WARD_KINDS:
        raise AdminUnitListError(
            f"{where}: cột ward_type «{values['ward_type']}» phải là một trong "
            f"{', '.join(WARD_KINDS)}."
        )
    for column in ("province_latitude", "province_longitude", "ward_latitude", "ward_longitude"):
        values[column] = _coordinate_value(record[column].strip(), column, where)
    return AdminUnitRow(**values)


def _coordinate_value(text: str, column: str, where: str) -> float | None:
    if not text:
        return None
    limit = _COORDINATE_RANGES[column.rpartition("_")[2]]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:  # also false for nan
        raise AdminUnitListError(
            f"{where}: cột {column} «{text}» phải là số độ thập phân từ -{limit} đến {limit}."
        )
    return value


def shipped_admin_units() -> tuple[list[AdminUnitRow], str]:
    return read_admin_unit_list(ADMIN_UNITS_CSV.read_text(encoding="utf-8"))


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
