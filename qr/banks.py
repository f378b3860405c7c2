"""The bank directory: reading the shipped list of NAPAS members, loading it into the database,
and checking a trader's account number against the bank it is held at."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from db import vietnamese_order
from domain_errors import N_, Invalid, Message
from qr.models import Bank
from reference_csv import ReferenceListError, read_reference_csv, read_reference_file, source_line
from textnorm import nfc

BANKS_CSV = Path(__file__).parent / "data" / "banks.csv"

REQUIRED_COLUMNS = ("bin", "code", "short_name", "full_name")
OPTIONAL_COLUMNS = ("swift", "vietqr_status")
# Widths of the columns of qr.models.Bank: a longer value would be refused by PostgreSQL mid-load.
_MAX_LENGTHS = {"code": 20, "short_name": 50, "full_name": 200}
# ISO 9362: institution (4 letters), country (2), location (2), optional branch (3).
_SWIFT = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_BIN = re.compile(r"[0-9]{6}")

# NAPAS "Quy định về định dạng mã VietQR" v1.0 (09/2021) §5.2.3.2.2 and EMVCo MPM: the consumer
# ID (account or card number) in a VietQR code is at most 19 characters. The floor of 6 is
# cho40's own guard against truncated entries, not a published rule.
ACCOUNT_NUMBER_MIN_LENGTH = 6
ACCOUNT_NUMBER_MAX_LENGTH = 19
# Tighter (shortest, longest) digit counts by BIN, each only with a published source beside it.
# None is listed yet: no bank in the directory publishes its account-number format, and most
# large ones sell chosen numbers ("số tài khoản đẹp", often the owner's phone number) whose
# length differs from their standard accounts, so ranges observed in practice would refuse real
# accounts. Banks not listed get the general range above.
ACCOUNT_NUMBER_LENGTHS: dict[str, tuple[int, int]] = {}
# What people type between groups of digits: spaces (also non-breaking), dots, hyphens and the
# dashes phone keyboards substitute for them.
_ACCOUNT_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")
_DIGITS = re.compile(r"[0-9]+")


class BankListError(ReferenceListError):
    """The bank list file is not usable; the message names the line."""

    code = "invalid_bank_list"


class BankAccountError(Invalid):
    """An account number that cannot be at the bank given; the message names the bank."""

    code = "invalid_account_number"

    def __init__(self, message: Message):
        super().__init__(fields={"account_number": message})


class UnknownBankError(BankAccountError):
    """No bank in the directory has the BIN given."""

    code = "unknown_bank"


class BankLike(Protocol):
    """What the account check needs of a bank: a `Bank` row, a `BankRow`, or any plain object."""

    bin: str
    short_name: str


@dataclass(frozen=True)
class BankRow:
    bin: str
    code: str
    short_name: str
    full_name: str
    swift_code: str | None
    vietqr_status: int


@dataclass(frozen=True)
class Rename:
    bin: str
    old_short_name: str
    old_full_name: str
    short_name: str
    full_name: str


@dataclass
class BankLoadReport:
    """What a load changed. Banks missing from the file are kept (payment methods point to them)."""

    added: list[BankRow] = field(default_factory=list)
    renamed: list[Rename] = field(default_factory=list)
    # Same names, other details changed: code, SWIFT or VietQR status.
    updated: list[BankRow] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.renamed or self.updated)


class ValidatedAccount(NamedTuple):
    bank: BankLike
    account_number: str


def read_bank_list(text: str) -> tuple[list[BankRow], str]:
    """Parse the CSV (comment lines start with '#'); returns the rows and the source line.

    Refuses the whole file at its first bad row, naming the line as an editor numbers it.
    """
    records, comments = read_reference_csv(
        text, REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, error=BankListError, nothing_in_it=N_(
            "Tệp không có ngân hàng nào: cần dòng tiêu đề và ít nhất một dòng."))
    rows: list[BankRow] = []
    seen: dict[str, int] = {}
    for line_no, record in records:
        row = _bank_row(record, line_no)
        if row.bin in seen:
            raise BankListError(N_(
                "Dòng %(line)s: BIN %(bin)s đã có ở dòng %(earlier)s; mỗi BIN chỉ một dòng.",
                line=line_no, bin=row.bin, earlier=seen[row.bin]))
        seen[row.bin] = line_no
        rows.append(row)
    return rows, source_line(comments, "cho40 bank list")


def _bank_row(record: dict[str, str], line_no: int) -> BankRow:
    bin_ = record["bin"].strip()
    if not _BIN.fullmatch(bin_):
        raise BankListError(N_("Dòng %(line)s: BIN «%(bin)s» phải gồm đúng 6 chữ số.",
                               line=line_no, bin=bin_))
    values = {column: nfc(record[column]) or "" for column in ("code", "short_name", "full_name")}
    for column, value in values.items():
        if not value:
            raise BankListError(N_("Dòng %(line)s (BIN %(bin)s): cột %(column)s để trống.",
                                   line=line_no, bin=bin_, column=column))
        if len(value) > _MAX_LENGTHS[column]:
            raise BankListError(N_(
                "Dòng %(line)s (BIN %(bin)s): cột %(column)s dài %(length)s ký tự, tối đa "
                "%(max)s.", line=line_no, bin=bin_, column=column, length=len(value),
                max=_MAX_LENGTHS[column]))
    swift = (record.get("swift") or "").strip().upper()
    if swift and not _SWIFT.fullmatch(swift):
        raise BankListError(N_(
            "Dòng %(line)s (BIN %(bin)s): mã SWIFT «%(swift)s» phải gồm 8 hoặc 11 ký tự "
            "(ISO 9362).", line=line_no, bin=bin_, swift=swift))
    status = (record.get("vietqr_status") or "").strip() or "0"
    if status not in ("-1", "0", "1"):
        raise BankListError(N_(
            "Dòng %(line)s (BIN %(bin)s): vietqr_status «%(status)s» phải là 1, 0 hoặc -1.",
            line=line_no, bin=bin_, status=status))
    return BankRow(bin=bin_, code=values["code"], short_name=values["short_name"],
                   full_name=values["full_name"], swift_code=swift or None,
                   vietqr_status=int(status))


def load_banks(session: Session, rows: list[BankRow], source: str, on: dt.date) -> BankLoadReport:
    """Insert new banks and update known ones in place by BIN; banks are never deleted (payment
    methods point to them). Loading the same rows again changes nothing.

    Every bank in the file takes its `source`; `updated_on` moves only when its details change.
    """
    known = {bank.bin: bank for bank in session.scalars(select(Bank))}
    report = BankLoadReport()
    for row in rows:
        bank = known.get(row.bin)
        if bank is None:
            bank = Bank(bin=row.bin)
            session.add(bank)
            report.added.append(row)
        elif (bank.short_name, bank.full_name) != (row.short_name, row.full_name):
            report.renamed.append(Rename(row.bin, bank.short_name, bank.full_name,
                                         row.short_name, row.full_name))
        elif (bank.code, bank.swift_code, bank.vietqr_status) != (
            row.code, row.swift_code, row.vietqr_status
        ):
            report.updated.append(row)
        else:
            report.unchanged += 1
            bank.source = source[:200]
            continue
        bank.code, bank.short_name, bank.full_name = row.code, row.short_name, row.full_name
        bank.swift_code, bank.vietqr_status = row.swift_code, row.vietqr_status
        bank.source, bank.updated_on = source[:200], on
    in_file = {row.bin for row in rows}
    report.kept = sorted(bin_ for bin_ in known if bin_ not in in_file)
    session.flush()
    return report


def shipped_bank_list() -> tuple[list[BankRow], str]:
    return read_reference_file(BANKS_CSV, read_bank_list)


def list_banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(vietnamese_order(Bank.short_name))))


def account_number_lengths(
    bank_bin: str, lengths: Mapping[str, tuple[int, int]] = ACCOUNT_NUMBER_LENGTHS
) -> tuple[int, int]:
    """The (shortest, longest) number of digits an account at this bank may have."""
    return lengths.get(bank_bin, (ACCOUNT_NUMBER_MIN_LENGTH, ACCOUNT_NUMBER_MAX_LENGTH))


def validate_account_number(
    bank: BankLike, number: str, lengths: Mapping[str, tuple[int, int]] = ACCOUNT_NUMBER_LENGTHS
) -> str:
    """The account number as it goes into a VietQR code (separators removed), or
    `BankAccountError` with a message in Vietnamese that names the bank."""
    digits = _ACCOUNT_SEPARATORS.sub("", number or "")
    if not digits:
        raise BankAccountError(N_("Chưa nhập số tài khoản %(bank)s.", bank=bank.short_name))
    if not _DIGITS.fullmatch(digits):
        wrong = next(ch for ch in digits if not ("0" <= ch <= "9"))
        raise BankAccountError(N_(
            "Số tài khoản %(bank)s chỉ gồm chữ số; «%(digits)s» có ký tự «%(wrong)s».",
            bank=bank.short_name, digits=digits, wrong=wrong))
    shortest, longest = account_number_lengths(bank.bin, lengths)
    if not shortest <= len(digits) <= longest:
        if shortest == longest:
            raise BankAccountError(N_(
                "Số tài khoản %(bank)s phải có đúng %(length)s chữ số; «%(digits)s» có "
                "%(count)s chữ số.", bank=bank.short_name, length=shortest, digits=digits,
                count=len(digits)))
        raise BankAccountError(N_(
            "Số tài khoản %(bank)s phải có từ %(shortest)s đến %(longest)s chữ số; «%(digits)s» "
            "có %(count)s chữ số.", bank=bank.short_name, shortest=shortest, longest=longest,
            digits=digits, count=len(digits)))
    return digits


# Every registration with a bank account runs it: built once, and reading plain columns rather
# than a Bank object (which costs twice as much to load).
_BANKS = Bank.__table__
_BANK_BY_BIN = select(_BANKS.c.bin, _BANKS.c.short_name).where(_BANKS.c.bin == bindparam("bin"))


def validate_bank_account(session: Session, bank_bin: str, number: str) -> ValidatedAccount:
    """Find the bank by BIN and check the account number against it."""
    bank_bin = (bank_bin or "").strip()
    bank = None
    if _BIN.fullmatch(bank_bin):
        # On the session's connection: a Core statement needs none of the ORM's handling.
        bank = session.connection().execute(_BANK_BY_BIN, {"bin": bank_bin}).first()
    if bank is None:
        raise UnknownBankError(N_("Không có ngân hàng nào có mã BIN %(bin)s.", bin=bank_bin))
    return ValidatedAccount(bank, validate_account_number(bank, number))
