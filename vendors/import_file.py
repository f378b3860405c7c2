"""Reading the vendor lists commune offices keep in Excel (XLSX, or CSV as Excel saves it) into
rows keyed by field, with Excel's damage to numbers and dates repaired or reported. Pure: no
Flask, no database; vendors.bulk_import checks the rows and registers them."""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from domain_errors import N_, Invalid, Message
from textnorm import nfc, search_key
from uploads import (
    DEFAULTS,
    bounded_records,
    check_bytes,
    check_xlsx,
    column_letter,
    csv_records,
    limits,
)

# The most vendor rows a file may hold (config UPLOAD_TABLE_MAX_ROWS); the template's figure.
MAX_ROWS = DEFAULTS.table_max_rows
# The header row is looked for among the first rows: lists often start with a title block
# ("DANH SÁCH TIỂU THƯƠNG CHỢ ...", the commune's name, a date).
HEADER_SEARCH_ROWS = 20
# A run of this many empty rows ends the data: a sheet formatted down to row 1,048,576 is not
# read to the end.
EMPTY_ROWS_ENDING_DATA = 1000

# The columns, in the template's order, each with the headers offices write for it. Headers are
# matched case-insensitively, with or without diacritics, ignoring punctuation and a trailing
# "(*)" required mark.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Họ và tên", "Họ tên", "Tên chủ hộ", "Họ tên chủ hộ", "Tên tiểu thương",
             "Họ và tên chủ hộ", "Tên hộ kinh doanh", "Tên"),
    "phone": ("Số điện thoại", "SĐT", "Điện thoại", "Số ĐT", "ĐT", "Di động"),
    "citizen_id": ("Số CCCD", "CCCD", "Số CCCD/CMND", "CCCD/CMND", "Số CMND/CCCD", "Căn cước",
                   "Số căn cước", "Căn cước công dân", "Số định danh", "Số định danh cá nhân"),
    "tax_code": ("Mã số thuế", "MST"),
    "kind": ("Loại", "Loại hình", "Đối tượng"),
    "market": ("Chợ", "Tên chợ"),
    "stall_code": ("Số quầy", "Quầy", "Ki-ốt", "Kiốt", "Ki ốt", "Ky-ốt", "Số ki-ốt", "Mã quầy",
                   "Sạp", "Số sạp", "Lô"),
    "bank": ("Ngân hàng", "Tên ngân hàng", "NH"),
    "account_number": ("Số tài khoản", "STK", "Số TK", "Tài khoản", "Số tài khoản ngân hàng"),
    "account_holder": ("Chủ tài khoản", "Tên chủ tài khoản", "Tên tài khoản"),
    "joined_on": ("Ngày bắt đầu", "Ngày bắt đầu kinh doanh", "Ngày tham gia", "Ngày đăng ký"),
}
# Headers that are expected and carry nothing to import: a running number, free notes.
IGNORED_HEADERS = ("STT", "TT", "Số TT", "Ghi chú")
LABELS = {name: headers[0] for name, headers in COLUMNS.items()}
# Fields written as digits, which Excel turns into numbers when it can.
DIGIT_FIELDS = ("phone", "citizen_id", "tax_code", "account_number")

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
_NOT_WORD = re.compile(r"[^0-9a-z]+")


class ImportFileError(Invalid):
    """The file cannot be read as a vendor list at all; the message says why."""

    code = "unreadable_file"


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # as written in the file
    letter: str  # as Excel shows it: A, B, ..., AA

    @property
    def label(self) -> Message:
        return N_("%(header)s (cột %(letter)s)", header=self.header, letter=self.letter)


@dataclass
class SheetRow:
    number: int  # the row number Excel shows, so people find the row
    # Field -> text (NFC, trimmed), or a date for joined_on; absent when the cell is empty.
    values: dict[str, object]
    # Field -> problems found while reading, such as a number Excel has rounded.
    errors: dict[str, list[Message]] = field(default_factory=dict)
    # Field -> things to double-check that do not stop the import.
    warnings: dict[str, list[Message]] = field(default_factory=dict)


@dataclass
class Sheet:
    format: Message  # "XLSX" or "CSV (UTF-8, dấu chấm phẩy)" and the like, shown to the person
    columns: dict[str, Column]
    rows: list[SheetRow]
    # Columns with a header that is not one of ours: left out, and said so.
    ignored: list[Column] = field(default_factory=list)

    def label(self, field_name: str | None) -> Message | None:
        if field_name is None:
            return None
        column = self.columns.get(field_name)
        return column.label if column else Message(LABELS.get(field_name, field_name))


def read_sheet(data: bytes, *, max_rows: int | None = None) -> Sheet:
    """Read an uploaded vendor list, XLSX or CSV, told apart by content rather than name, once
    its bytes (and an XLSX's unpacked parts) are within the upload limits (uploads.py); rows,
    columns and cells are held to them as they are read."""
    check_bytes(data, limits().spreadsheet_max_bytes)
    max_rows = max_rows or limits().table_max_rows
    if not data.strip():
        raise ImportFileError(N_("Tệp trống: không có dòng nào."))
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, max_rows=max_rows)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(N_(
            "Tệp .xls (Excel 97–2003) chưa đọc được. Trong Excel chọn Tệp → Lưu thành → "
            "«Sổ làm việc Excel (.xlsx)» hoặc «CSV UTF-8», rồi tải lên lại."))
    return read_csv(data, max_rows=max_rows)


# --- XLSX -------------------------------------------------------------------------------------


def read_xlsx(data: bytes, *, max_rows: int = MAX_ROWS) -> Sheet:
    from openpyxl import load_workbook

    unreadable = ImportFileError(N_(
        "Tệp không phải bảng tính Excel (.xlsx) đọc được. Lưu lại bằng Excel dưới dạng "
        "«Sổ làm việc Excel (.xlsx)» hoặc «CSV UTF-8» rồi tải lên lại."))
    try:
        check_xlsx(data)  # before openpyxl unpacks anything
    except zipfile.BadZipFile as error:
        raise unreadable from error
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a zip that is not a workbook fails in many ways
        raise unreadable from error
    try:
        if not workbook.worksheets:
            raise ImportFileError(N_("Tệp Excel không có trang tính nào."))
        worksheet = workbook.worksheets[0]
        # Some programs write a wrong size into the sheet; read it to the last row instead.
        worksheet.reset_dimensions()
        records = bounded_records(worksheet.iter_rows(min_row=1, values_only=True))
        return _sheet_from_records(records, Message("XLSX"), max_rows)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as error:
        raise unreadable from error
    finally:
        workbook.close()


# --- CSV --------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding.

    Excel writes "CSV UTF-8" with a byte-order mark, "Unicode Text" as UTF-16 with one, and
    plain "CSV" in the Windows code page, which for Vietnamese is Windows-1258.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = data[3:].decode("utf-8", errors="replace"), "UTF-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as error:
            raise _not_a_spreadsheet() from error
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1258"), "Windows-1258"
            except UnicodeDecodeError as error:
                raise _not_a_spreadsheet() from error
    if _looks_binary(text):
        raise _not_a_spreadsheet()
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    return "\x00" in sample or controls > len(sample) // 100


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(N_(
        "Tệp không phải bảng tính: chỉ nhận tệp Excel .xlsx hoặc .csv có dòng tiêu đề "
        "(Họ và tên, Số điện thoại, Chợ…)."))


DELIMITERS = {",": N_("dấu phẩy"), ";": N_("dấu chấm phẩy"), "\t": N_("dấu tab")}


def read_csv(data: bytes, *, max_rows: int = MAX_ROWS) -> Sheet:
    text, encoding = decode_csv(data)
    # Excel writes and honours a first line "sep=;" naming the delimiter, and hides that line,
    # so the rows it shows are numbered from the next one.
    first_line, _, rest = text.partition("\n")
    declared = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\ufeff"))
    if declared and declared.group(1) in DELIMITERS:
        text, candidates = rest, [declared.group(1)]
    else:
        candidates = list(DELIMITERS)
    # The delimiter is the one that makes a header row appear; csv.Sniffer guesses from
    # character counts and is fooled by commas inside names and addresses.
    best: tuple[int, str] | None = None
    for delimiter in candidates:
        head = list(_csv_records(text, delimiter, HEADER_SEARCH_ROWS))
        found = _find_header(head)
        score = len(found[1]) if found else 0
        if best is None or score > best[0]:
            best = (score, delimiter)
    delimiter = best[1]
    fmt = N_("CSV (%(encoding)s, %(delimiter)s)", encoding=encoding,
             delimiter=DELIMITERS[delimiter])
    return _sheet_from_records(bounded_records(_csv_records(text, delimiter)), fmt, max_rows)


def _csv_records(text: str, delimiter: str, limit: int | None = None):
    for count, record in enumerate(csv_records(text, delimiter), start=1):
        yield record
        if limit is not None and count >= limit:
            return


# --- Header and rows --------------------------------------------------------------------------


def header_key(text: str) -> str:
    """'Số CCCD/CMND (*)' -> 'so cccd cmnd': how headers are compared."""
    return _NOT_WORD.sub(" ", search_key(str(text))).strip()


_HEADER_FIELDS = {header_key(h): name for name, headers in COLUMNS.items() for h in headers}
_IGNORED_KEYS = {header_key(h) for h in IGNORED_HEADERS}


def _field_of(header: str) -> str | None:
    return _HEADER_FIELDS.get(header_key(header))


def _find_header(records: list) -> tuple[int, dict[int, str]] | None:
    """The index of the header row among `records` and its field per column position: the row
    naming the most of our columns, at least two."""
    best = None
    for index, record in enumerate(records):
        found = {}
        for position, cell in enumerate(record):
            if cell is None or isinstance(cell, (int, float)):
                continue
            name = _field_of(str(cell))
            if name and name not in found.values():
                found[position] = name
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


_letter = column_letter


def _sheet_from_records(records, fmt: Message, max_rows: int) -> Sheet:
    records = iter(records)
    head = []
    for record in records:
        head.append(tuple(record))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    found = _find_header(head)
    if found is None:
        if not any(_cell_text(cell) for record in head for cell in record):
            raise ImportFileError(N_("Tệp trống: không có dòng nào."))
        raise ImportFileError(N_(
            "Không tìm thấy dòng tiêu đề trong %(rows)s dòng đầu. Cần một dòng ghi tên các cột, "
            "ít nhất «Họ và tên» và một cột khác như «Số điện thoại», «Chợ», «Ngân hàng», «Số "
            "tài khoản». Tải tệp mẫu để xem cách ghi.", rows=HEADER_SEARCH_ROWS))
    header_index, _ = found
    header = head[header_index]
    columns, ignored, positions = _columns(header)
    if "name" not in columns:
        raise ImportFileError(N_(
            "Thiếu cột «Họ và tên» (có thể ghi «Họ tên» hoặc «Tên chủ hộ») ở dòng tiêu đề "
            "(dòng %(line)s).", line=header_index + 1))

    rows: list[SheetRow] = []
    empty_run = 0
    number = header_index + 1
    for record in _chain(head[header_index + 1:], records):
        number += 1
        row = _read_row(number, record, positions)
        if row is None:
            empty_run += 1
            if empty_run >= EMPTY_ROWS_ENDING_DATA:
                break
            continue
        empty_run = 0
        rows.append(row)
        if len(rows) > max_rows:
            raise ImportFileError(N_(
                "Tệp có hơn %(max)s dòng tiểu thương (dừng đọc ở dòng %(line)s). Hãy chia danh "
                "sách thành nhiều tệp, mỗi tệp không quá %(max)s dòng.",
                max=_thousands(max_rows), line=number))
    if not rows:
        raise ImportFileError(N_(
            "Không có dòng tiểu thương nào dưới dòng tiêu đề (dòng %(line)s).",
            line=header_index + 1))
    return Sheet(format=fmt, columns=columns, rows=rows, ignored=ignored)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _chain(first, rest):
    yield from first
    yield from rest


def _columns(header) -> tuple[dict[str, Column], list[Column], dict[int, str]]:
    columns: dict[str, Column] = {}
    ignored: list[Column] = []
    positions: dict[int, str] = {}
    for position, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue
        name = _field_of(text)
        column = Column(name or "", text, _letter(position))
        if name is None:
            if header_key(text) not in _IGNORED_KEYS:
                ignored.append(column)
            continue
        if name in columns:
            raise ImportFileError(N_(
                "Có hai cột cùng là «%(label)s»: cột %(first)s «%(first_header)s» và cột "
                "%(second)s «%(second_header)s». Xoá hoặc đổi tên một cột rồi tải lên lại.",
                label=LABELS[name], first=columns[name].letter,
                first_header=columns[name].header, second=column.letter, second_header=text))
        columns[name] = column
        positions[position] = name
    return columns, ignored, positions


def _read_row(number: int, record, positions: dict[int, str]) -> SheetRow | None:
    row = SheetRow(number=number, values={})
    for position, name in positions.items():
        cell = record[position] if position < len(record) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            value, warning = _value(name, cell)
        except CellError as error:
            row.errors.setdefault(name, []).append(error.message)
            row.values[name] = _cell_text(cell)
            continue
        if value is None or value == "":
            continue
        row.values[name] = value
        if warning:
            row.warnings.setdefault(name, []).append(warning)
    if not row.values and not row.errors:
        return None
    return row


# --- Cells ------------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell whose value cannot be used; `message` says what to do in Excel."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    if isinstance(cell, dt.date):
        return cell.strftime("%d/%m/%Y")
    return nfc(str(cell)) or ""


def _value(name: str, cell) -> tuple[object, Message | None]:
    """The value of one cell for `name`, and a warning to show beside it, if any."""
    if name == "joined_on":
        return parse_date(cell), None
    if name in DIGIT_FIELDS:
        return _digits(name, cell)
    text = _cell_text(cell)
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
        text = _cell_text(cell).lstrip("'")
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
    text = _cell_text(cell)
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


# --- The template -----------------------------------------------------------------------------

EXAMPLE_ROW = {
    "name": "Nguyễn Thị Hoa", "phone": "0912345678", "citizen_id": "001190012345",
    "tax_code": "", "kind": "Tiểu thương", "market": "Chợ Đại Từ", "stall_code": "B-12",
    "bank": "Vietcombank", "account_number": "0011001234567", "account_holder": "NGUYEN THI HOA",
    "joined_on": dt.date(2024, 3, 15),
}
GUIDE = (
    ("Cột", "Cách ghi"),
    ("Họ và tên", "Bắt buộc. Họ tên chủ hộ, có dấu."),
    ("Số điện thoại", "10 chữ số, bắt đầu bằng 0."),
    ("Số CCCD", "12 chữ số (có thể để trống)."),
    ("Mã số thuế", "10 chữ số, hoặc 10 chữ số-3 chữ số (có thể để trống)."),
    ("Loại", "Tiểu thương, Hộ kinh doanh hoặc Hợp tác xã; để trống là Tiểu thương."),
    ("Chợ", "Tên chợ trong địa bàn, có dấu hoặc không; để trống thì dùng chợ chọn khi tải lên."),
    ("Số quầy", "Ví dụ B-12 (có thể để trống)."),
    ("Ngân hàng", "Tên viết tắt (Vietcombank, Agribank, BIDV…) hoặc mã BIN 6 chữ số."),
    ("Số tài khoản", "Chỉ chữ số. Cột đã định dạng Văn bản để Excel không làm mất số 0 đầu."),
    ("Chủ tài khoản", "Tên chủ tài khoản như ngân hàng ghi, ví dụ NGUYEN THI HOA."),
    ("Ngày bắt đầu", "Ngày bắt đầu kinh doanh, ngày/tháng/năm; để trống là hôm nay."),
    ("", "Dòng 2 là ví dụ: sửa hoặc xoá trước khi tải lên."),
)


def template_workbook() -> bytes:
    """An XLSX with our header row and one example row, digit columns formatted as text so
    Excel keeps leading zeros and long numbers as typed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tiểu thương"
    names = list(COLUMNS)
    sheet.append([LABELS[name] for name in names])
    sheet.append([EXAMPLE_ROW[name] for name in names])
    for position, name in enumerate(names, start=1):
        letter = _letter(position - 1)
        sheet.cell(row=1, column=position).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(LABELS[name]) + 4)
        if name in DIGIT_FIELDS:
            # The column's style applies to every cell typed into it later.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=position).number_format = "@"
        if name == "joined_on":
            sheet.cell(row=2, column=position).number_format = "dd/mm/yyyy"
        if name == "kind":
            choices = DataValidation(type="list", formula1='"Tiểu thương,Hộ kinh doanh,Hợp tác xã"',
                                     allow_blank=True)
            sheet.add_data_validation(choices)
            choices.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.column_dimensions["A"].width = 26
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Hướng dẫn")
    for line in GUIDE:
        guide.append(line)
    guide["A1"].font = guide["B1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
