"""What an uploaded file may be, checked before a parser sees it: its bytes; for a ZIP (an .xlsx)
each member's unpacked size and compression ratio, read from the ZIP's directory before openpyxl
opens it, and the number of its shared strings; a table's rows, columns and cell lengths; a
picture's pixels. The limits are settings (config.UPLOAD_LIMITS); every upload path calls here.
No Flask at import: limits() reads the settings of the app at work, if any, so the readers that
call this (vendors.import_file, the exporters) stay plain modules."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import config
from domain_errors import N_, DomainError, Invalid, TooLarge

MIB = config.MIB
# An upload kept for a job (the vendor import's file in the database, an export's template in the
# jobs folder) is deleted once used, or once this old if it never was.
KEPT_AT_MOST = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """config.UPLOAD_LIMITS, each setting UPLOAD_<NAME> as a field <name>."""

    spreadsheet_max_bytes: int
    zip_max_members: int
    zip_max_member_bytes: int
    zip_max_unpacked_bytes: int
    zip_max_ratio: int
    xlsx_max_shared_strings: int
    table_max_rows: int
    table_max_columns: int
    table_max_cell_chars: int
    image_max_bytes: int
    image_max_pixels: int
    scan_max_pixels: int

    @classmethod
    def from_settings(cls, settings) -> Limits:
        values = {}
        for field in fields(cls):
            name = f"UPLOAD_{field.name.upper()}"
            values[field.name] = int(settings.get(name, config.UPLOAD_LIMITS[name]))
        return cls(**values)


DEFAULTS = Limits.from_settings({})


def limits() -> Limits:
    """The app's limits inside a request, job or command; the defaults outside any app."""
    from flask import current_app, has_app_context

    return Limits.from_settings(current_app.config) if has_app_context() else DEFAULTS


class UploadTooLarge(TooLarge, code="upload_too_large"):
    """An upload over a limit of size (HTTP 413); details["limit"] names the setting."""


class UploadRefused(Invalid, code="upload_refused"):
    """An upload whose shape is over a limit (HTTP 422): a cell, a row; details["limit"] too."""


def size_text(size: int) -> str:
    """Bytes as whole megabytes rounded up ("1 MB" for 1 byte over 0), or kilobytes under one."""
    if size < MIB:
        return f"{math.ceil(size / 1024)} KB"
    return f"{math.ceil(size / MIB)} MB"


# --- Bytes ------------------------------------------------------------------------------------


def check_bytes(data: bytes, max_bytes: int, *, limit: str = "spreadsheet_max_bytes",
                too_large: type[DomainError] = UploadTooLarge) -> None:
    if len(data) > max_bytes:
        raise too_large(N_(
            "Tệp nặng %(size)s, quá mức %(limit)s cho một tệp tải lên.",
            size=size_text(len(data)), limit=size_text(max_bytes)), limit=limit)


def read_stream(stream, max_bytes: int, *, limit: str = "spreadsheet_max_bytes") -> bytes:
    """An uploaded file's bytes, reading no more than one past `max_bytes` (then 413)."""
    data = stream.read(max_bytes + 1)
    check_bytes(data, max_bytes, limit=limit)
    return data


# --- ZIP and .xlsx ----------------------------------------------------------------------------

# A member this small is not judged by its ratio: tiny XML parts pack oddly well or badly.
RATIO_FROM_BYTES = MIB


def check_zip(data: bytes, *, max_members: int, max_member_bytes: int, max_unpacked_bytes: int,
              max_ratio: int, too_large: type[DomainError] = UploadTooLarge
              ) -> list[zipfile.ZipInfo]:
    """The members of a ZIP once their count, unpacked sizes and ratios are within the limits;
    zipfile.BadZipFile when it is no ZIP. The sizes come from the ZIP's central directory, and
    zipfile never unpacks more of a member than its declared size (a member that lies fails its
    CRC check instead), so they bound what any reader of the file can be made to unpack."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > max_members:
        raise too_large(N_(
            "Tệp nén có %(count)s phần, quá mức %(limit)s phần của một bảng tính.",
            count=len(members), limit=max_members), limit="zip_max_members")
    for member in members:
        if member.file_size > max_member_bytes:
            raise too_large(N_(
                "Phần «%(member)s» của tệp giải nén ra %(size)s, quá mức %(limit)s cho một phần.",
                member=member.filename[:100], size=size_text(member.file_size),
                limit=size_text(max_member_bytes)), limit="zip_max_member_bytes")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > max_ratio:
            raise too_large(N_(
                "Phần «%(member)s» của tệp nén gấp %(ratio)s lần, quá mức %(limit)s lần của một "
                "bảng tính thường (đây là dấu hiệu của tệp «bom nén»).",
                member=member.filename[:100], ratio=int(ratio), limit=max_ratio),
                limit="zip_max_ratio")
    unpacked = sum(member.file_size for member in members)
    if unpacked > max_unpacked_bytes:
        raise too_large(N_(
            "Tệp giải nén ra %(size)s, quá mức %(limit)s.", size=size_text(unpacked),
            limit=size_text(max_unpacked_bytes)), limit="zip_max_unpacked_bytes")
    return members


# openpyxl finds the shared strings by their content type in [Content_Types].xml, whatever the
# part is called: so does this.
_SHARED_STRINGS_PART = re.compile(
    rb'<(?:[\w.-]+:)?Override\b[^>]*?PartName="/?([^"]+)"[^>]*?ContentType="[^"]*sharedStrings'
    rb'\+xml"|<(?:[\w.-]+:)?Override\b[^>]*?ContentType="[^"]*sharedStrings\+xml"[^>]*?'
    rb'PartName="/?([^"]+)"')
# One shared string is one <si> element, with or without a namespace prefix.
_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?si\b")
_ITEM_OVERLAP = 64
CONTENT_TYPES_MAX_BYTES = MIB


def check_xlsx(data: bytes, lim: Limits | None = None) -> None:
    """An .xlsx within the limits before openpyxl opens it: its ZIP members (check_zip) and the
    number of its shared strings, counted by unpacking that part a megabyte at a time
    (openpyxl keeps every one in memory at once, about 250 bytes each). BadZipFile when it is
    no ZIP."""
    lim = lim or limits()
    members = check_zip(data, max_members=lim.zip_max_members,
                        max_member_bytes=lim.zip_max_member_bytes,
                        max_unpacked_bytes=lim.zip_max_unpacked_bytes, max_ratio=lim.zip_max_ratio)
    names = {member.filename: member for member in members}
    types = names.get("[Content_Types].xml")
    if types is None or types.file_size > CONTENT_TYPES_MAX_BYTES:
        return  # openpyxl refuses it as no workbook
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        declared = archive.read(types)
        parts = {(match.group(1) or match.group(2)).decode("utf-8", "replace")
                 for match in _SHARED_STRINGS_PART.finditer(declared)}
        for part in parts:
            if part in names:
                _count_strings(archive, names[part], lim.xlsx_max_shared_strings)


def _count_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo, most: int) -> None:
    count = 0
    carry = b""
    with archive.open(member) as part:
        while True:
            chunk = part.read(MIB)
            buffer = carry + chunk
            # An item starting in the last bytes is counted with the next chunk, whole; a match
            # holds "<" only at its start, so what is carried of a counted one matches nothing.
            end = len(buffer) if not chunk else max(len(buffer) - _ITEM_OVERLAP, 0)
            count += sum(1 for match in _STRING_ITEM.finditer(buffer) if match.start() < end)
            if count > most:
                raise UploadTooLarge(N_(
                    "Tệp Excel có hơn %(limit)s đoạn chữ khác nhau, quá mức của một danh sách. "
                    "Hãy chia thành nhiều tệp nhỏ hơn.", limit=f"{most:,}".replace(",", ".")),
                    limit="xlsx_max_shared_strings")
            if not chunk:
                return
            carry = buffer[end:]


# --- Tables -----------------------------------------------------------------------------------


def column_letter(position: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: as Excel names its columns."""
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def bounded_records(records: Iterable, lim: Limits | None = None) -> Iterator[tuple]:
    """The rows of a table, each refused as it comes when it has a value past the last column
    allowed or a cell longer than allowed (UploadRefused, naming the row, the column and the
    limit). Rows are counted by the reader, which knows which are empty."""
    lim = lim or limits()
    for number, record in enumerate(records, start=1):
        record = tuple(record)
        if len(record) > lim.table_max_columns and any(
                cell not in (None, "") for cell in record[lim.table_max_columns:]):
            raise UploadRefused(N_(
                "Dòng %(line)s có dữ liệu quá cột %(letter)s: một bảng tối đa %(limit)s cột.",
                line=number, letter=column_letter(lim.table_max_columns - 1),
                limit=lim.table_max_columns), limit="table_max_columns")
        for position, cell in enumerate(record[:lim.table_max_columns]):
            if isinstance(cell, str) and len(cell) > lim.table_max_cell_chars:
                raise cell_too_long(number, column_letter(position), lim.table_max_cell_chars,
                                    len(cell))
        yield record[:lim.table_max_columns]


def cell_too_long(line: int, letter: str | None, most: int, length: int | None = None
                  ) -> UploadRefused:
    if letter is None or length is None:
        message = N_("Dòng %(line)s có một ô dài quá %(limit)s ký tự.", line=line, limit=most)
    else:
        message = N_("Ô %(letter)s ở dòng %(line)s dài %(length)s ký tự, quá mức %(limit)s ký "
                     "tự một ô.", letter=letter, line=line, length=length, limit=most)
    return UploadRefused(message, limit="table_max_cell_chars")


def csv_records(text: str, delimiter: str, lim: Limits | None = None) -> Iterator[list[str]]:
    """The records of a CSV text. The csv module refuses a field over its own limit (131,072
    characters, process-wide) with csv.Error: said here as the cell limit it is over, not a 500."""
    lim = lim or limits()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                raise cell_too_long(reader.line_num, None, lim.table_max_cell_chars) from None
            raise UploadRefused(N_("Dòng %(line)s của tệp CSV không đọc được: %(reason)s.",
                                   line=reader.line_num, reason=str(error)),
                                limit="csv") from None
        yield record


# --- Pictures ---------------------------------------------------------------------------------


def too_many_pixels(size: tuple[int, int], max_pixels: int) -> bool:
    """Whether a picture declaring `size` in its header is over `max_pixels`: asked before a
    pixel is decoded."""
    return size[0] * size[1] > max_pixels


# --- Files kept for a job ---------------------------------------------------------------------


def delete_stale_files(folder: Path, pattern: str, *, older_than: dt.timedelta = KEPT_AT_MOST,
                       now: float | None = None) -> int:
    """Delete the files of `folder` matching `pattern` last written more than `older_than` ago
    (uploads a job was to use and never did); how many."""
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - older_than.total_seconds()
    deleted = 0
    for path in folder.glob(pattern):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue  # another process deleted it first
    return deleted
