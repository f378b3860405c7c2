"""The bank directory: reading the shipped list of NAPAS members and loading it into the database."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qr.models import Bank
from textnorm import nfc

BANKS_CSV = Path(__file__).parent / "data" / "banks.csv"


class BankListError(ValueError):
    """The bank list file is not usable; the message names the line."""


@dataclass(frozen=True)
class BankRow:
    bin: str
    code: str
    short_name: str
    full_name: str
    swift_code: str | None
    vietqr_status: int


def read_bank_list(text: str) -> tuple[list[BankRow], str]:
    """Parse the CSV (comment lines start with '#'); returns the rows and the source line."""
    source_lines = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    data = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows: list[BankRow] = []
    seen: set[str] = set()
    for line_no, record in enumerate(csv.DictReader(io.StringIO(data)), start=2):
        bin_ = (record.get("bin") or "").strip()
        if len(bin_) != 6 or not bin_.isdigit():
            raise BankListError(f"Dòng {line_no}: BIN «{bin_}» phải gồm đúng 6 chữ số.")
        if bin_ in seen:
            raise BankListError(f"Dòng {line_no}: BIN {bin_} xuất hiện hai lần.")
        seen.add(bin_)
        rows.append(BankRow(
            bin=bin_,
            code=record["code"].strip(),
            short_name=nfc(record["short_name"]),
            full_name=nfc(record["full_name"]),
            swift_code=(record.get("swift") or "").strip() or None,
            vietqr_status=int(record.get("vietqr_status") or 0),
        ))
    source = next((s for s in source_lines if s.lower().startswith("source")), "cho40 bank list")
    return rows, source


def load_banks(session: Session, rows: list[BankRow], source: str, on: dt.date) -> int:
    """Insert new banks and update known ones by BIN; banks are never deleted (accounts point to them)."""
    known = {bank.bin: bank for bank in session.scalars(select(Bank))}
    for row in rows:
        bank = known.get(row.bin) or Bank(bin=row.bin)
        bank.code, bank.short_name, bank.full_name = row.code, row.short_name, row.full_name
        bank.swift_code, bank.vietqr_status = row.swift_code, row.vietqr_status
        bank.source, bank.updated_on = source[:200], on
        session.add(bank)
    session.flush()
    return len(rows)


def shipped_bank_list() -> tuple[list[BankRow], str]:
    return read_bank_list(BANKS_CSV.read_text(encoding="utf-8"))


def list_banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.short_name)))
