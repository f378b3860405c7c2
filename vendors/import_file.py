"""Reading the vendor lists commune offices keep in Excel (XLSX, or CSV as Excel saves it) into
rows keyed by field: finding the header row, then each row's cells read by vendors.import_cells,
which repairs or reports Excel's damage to numbers and dates. Pure: no Flask, no database;
vendors.bulk_import checks the rows and registers them."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from domain_errors import N_, Invalid, Message
from uploads import (
    DEFAULTS,
    bounded_records,
    check_bytes,
    check_xlsx,
    column_letter,
    csv_records,
    limits,
)
from vendors.import_cells import CellError, cell_text, cell_value
from vendors.import_columns import COLUMNS, IGNORED_HEADERS, LABELS, header_key

# The most vendor rows a file may hold (config UPLOAD_TABLE_MAX_ROWS); the template's figure.
MAX_ROWS = DEFAULTS.table_max_rows
# The header row is looked for among the first rows: lists often start with a title block
# ("DANH SÁCH TIỂU THƯƠNG CHỢ ...", the commune's name, a date).
HEADER_SEARCH_ROWS = 20
# A run of this many empty rows ends the data: a sheet formatted down to row 1,048,576 is not
# read to the end.
EMPTY_ROWS_ENDING_DATA = 1000


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


def _sheet_from_records(records, fmt: Message, max_rows: int) -> Sheet:
    records = iter(records)
    head = []
    for record in records:
        head.append(tuple(record))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    found = _find_header(head)
    if found is None:
        if not any(cell_text(cell) for record in head for cell in record):
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
        text = cell_text(cell)
        if not text:
            continue
        name = _field_of(text)
        column = Column(name or "", text, column_letter(position))
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
            value, warning = cell_value(name, cell)
        except CellError as error:
            row.errors.setdefault(name, []).append(error.message)
            row.values[name] = cell_text(cell)
            continue
        if value is None or value == "":
            continue
        row.values[name] = value
        if warning:
            row.warnings.setdefault(name, []).append(warning)
    if not row.values and not row.errors:
        return None
    return row
