"""Turning one cell of a vendor list, as Excel or a CSV file holds it, into a field's value:
numbers Excel has stripped of leading zeros, rounded or written with an exponent are repaired
or reported, dates are read from date cells, serial numbers or day-first text. Pure: no Flask,
no database."""
from __future__ import annotations

import datetime as dt
import re

from domain_errors import N_, Message, RefusedValue
from textnorm import nfc
from vendors.import_columns import DIGIT_FIELDS, LABELS, header_key

KINDS = {
    "tieu thuong": "trader", "tt": "trader", "ca nhan": "trader",
    "ho kinh doanh": "household_business", "hkd": "household_business",
    "ho kd": "household_business", "ho kinh doanh ca the": "household_business",
    "hop tac xa": "cooperative", "htx": "cooperative",
}

# Excel keeps 15 significant digits; a longer number typed into a General cell is rounded.
EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")
_INTEGRAL_TEXT = re.compile(r"([0-9]+)[.,]0+")
_DATE_TEXT = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4}|[0-9]{2})(?:\s.*)?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T\s].*)?")


class CellError(RefusedValue):
    """A cell whose value cannot be used; `message` says what to do in Excel."""


def cell_text(cell) -> str:
    """A cell as the text it shows: whole numbers without ".0", dates day first, NFC."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    if isinstance(cell, dt.date):
        return cell.strftime("%d/%m/%Y")
    return nfc(str(cell)) or ""


def cell_value(name: str, cell) -> tuple[object, Message | None]:
    """The value of one cell for `name`, and a warning to show beside it, if any."""
    if name == "joined_on":
        return parse_date(cell), None
    if name in DIGIT_FIELDS:
        return _digits(name, cell)
    text = cell_text(cell)
    if name == "kind":
        kind = KINDS.get(header_key(text))
        if kind is None:
            raise CellError(N_(
                "Loại «%(kind)s» không rõ; ghi một trong: tiểu thương, hộ kinh doanh, hợp tác xã.",
                kind=text))
        return kind, None
    return text, None


def _digits(name: str, cell) -> tuple[str, Message | None]:
    label = LABELS[name]
    warning = None
    if isinstance(cell, bool):
        raise CellError(N_("%(label)s «%(value)s» không phải số.", label=label, value=cell))
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and not cell.is_integer():
            raise CellError(N_(
                "%(label)s «%(value)s» không phải số nguyên; định dạng cột này là Văn bản (Text) "
                "trong Excel rồi nhập lại.", label=label, value=cell))
        number = int(cell)
        text = str(number)
        if len(text.lstrip("-")) > EXCEL_DIGITS:
            raise CellError(N_(
                "%(label)s «%(value)s» dài hơn %(digits)s chữ số nên Excel đã làm tròn các chữ số "
                "cuối; không thể khôi phục. Định dạng cột này là Văn bản (Text) trong Excel, "
                "nhập lại số rồi lưu tệp.", label=label, value=text, digits=EXCEL_DIGITS))
        if name == "account_number":
            warning = N_("Excel lưu số tài khoản này dạng số: nếu số tài khoản thật bắt đầu bằng "
                         "số 0 thì Excel đã bỏ mất số 0 đó. Hãy đối chiếu lại.")
    else:
        text = cell_text(cell).lstrip("'")
        if _SCIENTIFIC.fullmatch(text.replace(" ", "")):
            raise CellError(N_(
                "%(label)s «%(value)s» đã bị Excel đổi sang dạng số mũ (E+) khi lưu, các chữ số bị "
                "mất không thể khôi phục. Trong Excel, định dạng cột này là Văn bản (Text), nhập "
                "lại số rồi lưu tệp.", label=label, value=text))
        integral = _INTEGRAL_TEXT.fullmatch(text)
        if integral:
            text = integral.group(1)
    return _restore_leading_zeros(name, text), warning


def _restore_leading_zeros(name: str, text: str) -> str:
    """Put back the zeros Excel drops from a number, where the format says how many there were.

    A mobile number is 0 and 9 digits, a landline 0, 2 and 9 more (Decree 91/2020 numbering
    plan); a CCCD is 12 digits starting with the 3-digit province code 001–096 (Circular
    59/2021/TT-BCA, art. 7), so it always starts with 0; a tax code is 10 digits starting with a
    2-digit province code from 01. Account numbers have no such rule and are left alone.
    """
    if not text.isdigit():
        return text
    if name == "phone" and (len(text) == 9 or (len(text) == 10 and text[0] == "2")):
        return "0" + text
    if name == "citizen_id" and len(text) in (10, 11):
        return text.zfill(12)
    if name == "tax_code" and len(text) == 9:
        return "0" + text
    return text


def parse_date(cell) -> dt.date:
    """A date from an Excel date cell, an Excel serial number, or text written day first."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        # An Excel serial day number (1900 date system) in a cell not formatted as a date.
        if 1 <= cell < 2958466:
            from openpyxl.utils.datetime import from_excel

            value = from_excel(cell)
            return value.date() if isinstance(value, dt.datetime) else value
        raise CellError(_unreadable_date(cell))
    text = cell_text(cell)
    day_first = _DATE_TEXT.fullmatch(text)
    iso = _ISO_DATE.fullmatch(text)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            if year < 100:
                year += 2000 if year < 70 else 1900
            return dt.date(year, month, day)
        if iso:
            return dt.date(*(int(part) for part in iso.groups()))
    except ValueError:
        raise CellError(N_("Ngày «%(value)s» không có thật; ghi theo dạng ngày/tháng/năm, ví dụ "
                           "15/03/2024.", value=text)) from None
    raise CellError(_unreadable_date(text))


def _unreadable_date(value) -> Message:
    return N_("Ngày «%(value)s» không đọc được; ghi theo dạng ngày/tháng/năm, ví dụ 15/03/2024.",
              value=value)
