"""Reading the reference lists cho40 ships as CSV files (the bank directory, the administrative
units) or is given to refresh them: '#' lines carry the source, one header row names the columns,
and the file is refused whole at its first bad line, named as an editor numbers it."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from domain_errors import N_, Invalid, Message, N_plural


class ReferenceListError(Invalid):
    """The reference file is not usable; the message names the line."""

    code = "invalid_reference_list"


Parsed = TypeVar("Parsed")


def read_reference_file(path: Path, read: Callable[[str], Parsed]) -> Parsed:
    """`read` applied to the text of the file (UTF-8, with or without Excel's byte-order mark);
    a file in another encoding is refused as a bad line would be."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as problem:
        raise ReferenceListError(N_("Tệp không phải UTF-8 (byte %(byte)s).",
                                    byte=problem.start)) from problem
    return read(text)


def read_reference_csv(text: str, columns: tuple[str, ...], *, nothing_in_it: Message,
                       optional: tuple[str, ...] = (),
                       error: type[ReferenceListError] = ReferenceListError,
                       ) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The data rows as (line number, {column: text}), and the comment lines' text. `columns`
    must all be in the header (`optional` ones may be); a row of another length, or no row at
    all (`nothing_in_it` says so), refuses the file with `error`."""
    lines = text.splitlines()
    comments = [line[1:].strip() for line in lines if line.startswith("#")]
    # Comment lines are blanked, not removed, so the reader's line numbers are the file's.
    reader = csv.reader(io.StringIO("\n".join("" if line.startswith("#") else line
                                              for line in lines)))
    header: list[str] | None = None
    rows = []
    for record in _records(reader, error):
        if not any(value.strip() for value in record):
            continue
        line_no = reader.line_num
        if header is None:
            header = [value.strip().lower() for value in record]
            missing = [column for column in columns if column not in header]
            if missing:
                raise error(N_("Dòng %(line)s: dòng tiêu đề thiếu cột %(missing)s (cần các cột "
                               "%(columns)s).", line=line_no, missing=", ".join(missing),
                               columns=",".join(columns + optional)))
            continue
        if len(record) != len(header):
            raise error(N_plural("Dòng %(line)s: có %(count)s cột, dòng tiêu đề có %(header)s.",
                                 "Dòng %(line)s: có %(count)s cột, dòng tiêu đề có %(header)s.",
                                 count=len(record), line=line_no, header=len(header)))
        rows.append((line_no, dict(zip(header, record))))
    if not rows:
        raise error(nothing_in_it)
    return rows, comments


def source_line(comments: list[str], default: str) -> str:
    """The comment line naming the file's source ("Source: ..."), or `default`."""
    return next((line for line in comments if line.lower().startswith("source")), default)


def _records(reader, error: type[ReferenceListError]) -> Iterator[list[str]]:
    # The csv module's own refusals (a field past its size limit) name the line too.
    try:
        yield from reader
    except csv.Error as problem:
        raise error(N_("Dòng %(line)s: không đọc được theo dạng CSV (%(problem)s).",
                       line=reader.line_num, problem=str(problem))) from problem
