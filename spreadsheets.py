"""Writing tables that spreadsheets open as written: CSV for Excel (UTF-8 with a byte-order mark)
and .xlsx through openpyxl, text that would start a formula kept as text. Every download of a
table (catalogue exports, digitisation figures) writes through here. No Flask, no database."""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell

_FORMULA_START = frozenset("=+-@\t\r")


def cell_text(value: object) -> str:
    """A value as a spreadsheet cell's text: numbers with a decimal point (never a comma), and
    text that would start a formula (=, +, -, @; OWASP's CSV injection list) kept as text by a
    leading apostrophe."""
    if type(value) is str:  # most cells: tested first, and by their first character only
        return "'" + value if value[:1] in _FORMULA_START else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text[:1] in _FORMULA_START else text


def write_csv(out: BinaryIO, header: Sequence[str], rows: Iterable[Sequence[object]], *,
              delimiter: str = ",") -> int:
    """UTF-8 with a byte-order mark (Excel reads it as UTF-8 only then), CRLF line ends; returns
    the rows written."""
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
        count += 1
    text.detach()
    return count


def put_xlsx_value(cell: Cell, value: object) -> None:
    """Set a workbook cell: numbers as numbers, every text as text. openpyxl would store a text
    starting with "=" as a formula, so the cell's type is set back to text; characters an XML
    file cannot hold (control characters other than tab and line ends) are removed."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value


def write_xlsx(out: BinaryIO, sheet_title: str, header_rows: Sequence[Sequence[object]],
               rows: Iterable[Sequence[object]]) -> int:
    """An .xlsx of one sheet: the header rows, then the rows, written as they come (openpyxl's
    write-only mode keeps memory flat); returns the rows written after the header.

    Not the workbook's XML written by hand: a file Excel or a platform's importer refuses is worse
    than a slower export (bench/README.md has what openpyxl costs here)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)

    def cells(values: Sequence[object]) -> list[object]:
        # Plain values where openpyxl reads them as written (a cell object each costs more than
        # the rest of the row); a text openpyxl would take for a formula gets a text cell.
        row = []
        for value in values:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):
                    cell = WriteOnlyCell(sheet)
                    put_xlsx_value(cell, value)
                    value = cell
            row.append(value)
        return row

    for header in header_rows:
        sheet.append(cells(header))
    count = 0
    for row in rows:
        sheet.append(cells(row))
        count += 1
    workbook.save(out)
    return count
