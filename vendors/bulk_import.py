"""Bulk import of a commune's vendor list (XLSX or CSV, read by vendors.import_file): every row
checked as the onboarding form checks a registration, in a dry run that writes nothing, then
all rows registered at once, or none."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import REGISTER_VENDORS, market_scope
from domain_errors import N_, DomainError, Invalid, Message
from market.models import Market
from market.service import search_markets
from qr.models import Bank
from schema_fields import flat_messages
from textnorm import search_key
from vendors.duplicates import DuplicateMatch, DuplicateVendorError
from vendors.import_file import Sheet
from vendors.models import PaymentMethodKind
from vendors.registration import register_vendor
from vendors.schemas import VendorRegistrationInput


@dataclass(frozen=True)
class ImportIssue:
    row: int  # as Excel numbers it, so people find it
    # The column as the file names it, "SĐT (cột C)"; None for the whole row.
    column: Message | None
    message: Message | str  # a schema's message is already a string in the reader's language


@dataclass
class ImportReport:
    format: Message
    rows: int
    errors: list[ImportIssue]
    # Worth a second look, but no reason to refuse the row.
    warnings: list[ImportIssue]
    ignored_columns: list[Message]
    vendor_ids: list[int]
    committed: bool = False
    # Rows with at least one error.
    refused_rows: int = 0
    # Issues counted but not listed: a report read back from the database (from_record) lists
    # only the first ones.
    more_errors: int = 0
    more_warnings: int = 0

    @property
    def valid_rows(self) -> int:
        return self.rows - self.refused_rows

    def as_record(self, issues_kept: int) -> dict:
        """The report as JSON for the database (vendors.models.ImportUpload), with the first
        `issues_kept` errors and warnings listed and the rest counted. Sentences are kept as
        their msgid and values, so each reader gets them in their language; a schema's message
        is already text."""
        return {
            "format": _message_record(self.format), "rows": self.rows,
            "refused_rows": self.refused_rows, "committed": self.committed,
            "vendors": len(self.vendor_ids),
            "errors": [_issue_record(issue) for issue in self.errors[:issues_kept]],
            "more_errors": self.more_errors + max(0, len(self.errors) - issues_kept),
            "warnings": [_issue_record(issue) for issue in self.warnings[:issues_kept]],
            "more_warnings": self.more_warnings + max(0, len(self.warnings) - issues_kept),
            "ignored_columns": [_message_record(column) for column in self.ignored_columns],
        }

    @classmethod
    def from_record(cls, record: dict) -> ImportReport:
        """A report as_record kept; its vendor_ids are not kept (only how many there were)."""
        return cls(
            format=_message_from(record["format"]), rows=record["rows"],
            errors=[_issue_from(issue) for issue in record["errors"]],
            warnings=[_issue_from(issue) for issue in record["warnings"]],
            ignored_columns=[_message_from(column) for column in record["ignored_columns"]],
            vendor_ids=[], committed=record["committed"], refused_rows=record["refused_rows"],
            more_errors=record["more_errors"], more_warnings=record["more_warnings"],
        )


def _message_record(message: Message | str | None):
    if not isinstance(message, Message):
        return None if message is None else str(message)
    params = {}
    for name, value in message.params.items():
        if isinstance(value, Message):
            value = _message_record(value)
        elif isinstance(value, (list, tuple)):
            value = [_message_record(v) if isinstance(v, Message) else v for v in value]
        elif not isinstance(value, (int, float, str, bool, type(None))):
            value = str(value)
        params[name] = value
    return {"msgid": message.msgid, "params": params}


def _message_from(record) -> Message | str | None:
    if not isinstance(record, dict):
        return record

    def value(v):
        if isinstance(v, dict):
            return _message_from(v)
        if isinstance(v, list):
            return [value(item) for item in v]
        return v

    return Message(record["msgid"], **{name: value(v) for name, v in record["params"].items()})


def _issue_record(issue: ImportIssue) -> dict:
    return {"row": issue.row, "column": _message_record(issue.column),
            "message": _message_record(issue.message)}


def _issue_from(record: dict) -> ImportIssue:
    return ImportIssue(record["row"], _message_from(record["column"]),
                       _message_from(record["message"]))


# How often, in rows, an import reports how far it got.
PROGRESS_EVERY = 100
Progress = Callable[[int, int], None]


# Where a key of VendorRegistrationInput's or register_vendor's messages shows in the file.
_IMPORT_FIELDS = {
    "kind": "kind", "name": "name", "phone": "phone", "citizen_id": "citizen_id",
    "tax_code": "tax_code", "market_id": "market", "ward_code": "market",
    "stall_code": "stall_code", "joined_on": "joined_on", "bank_bin": "bank",
    "account_number": "account_number", "account_holder": "account_holder",
}


def plan_import(session: Session, actor: User, sheet: Sheet,
                default_market_id: int | None = None, *,
                progress: Progress | None = None) -> ImportReport:
    """Check every row of `sheet` by registering it, as the onboarding form would, inside a
    savepoint that is then rolled back: the dry run writes nothing. `progress(rows checked,
    rows)` is called every PROGRESS_EVERY rows."""
    return _import_sheet(session, actor, sheet, default_market_id, keep=False,
                         progress=progress)


def commit_import(session: Session, actor: User, sheet: Sheet,
                  default_market_id: int | None = None, *,
                  progress: Progress | None = None) -> ImportReport:
    """Check every row again and register all of them, or none if any row is refused.
    The caller commits when `report.committed`."""
    return _import_sheet(session, actor, sheet, default_market_id, keep=True, progress=progress)


def check_import_market(session: Session, actor: User, market_id: int | None) -> None:
    """Refuse a user who may not register vendors, or a default market outside their area."""
    REGISTER_VENDORS.check(actor)
    if market_id is not None and session.scalar(select(Market.id).where(
            Market.id == market_id, market_scope(actor))) is None:
        raise Invalid(fields={"market_id": N_("Không có chợ này trong địa bàn của bạn.")})


def _import_sheet(session: Session, actor: User, sheet: Sheet, default_market_id: int | None,
                  keep: bool, progress: Progress | None) -> ImportReport:
    check_import_market(session, actor, default_market_id)
    report = ImportReport(
        format=sheet.format, rows=len(sheet.rows), errors=[], warnings=[],
        ignored_columns=[column.label for column in sheet.ignored], vendor_ids=[],
    )
    banks = _bank_index(session)
    markets = _ImportMarkets(session, actor)
    schema = VendorRegistrationInput()
    seen: dict[tuple, int] = {}
    created: dict[int, int] = {}  # vendor id -> row
    everything = session.begin_nested()
    try:
        for done, row in enumerate(sheet.rows, start=1):
            errors = {name: list(messages) for name, messages in row.errors.items()}
            raw = _registration_input(row, errors, banks, markets, default_market_id)
            refused = set(errors)
            data = None
            try:
                data = schema.load(raw)
            except ValidationError as error:
                for key, messages in flat_messages(error.messages).items():
                    name = _IMPORT_FIELDS.get(key)
                    # A cell already refused (an unknown bank, say) needs no second message.
                    if name is None or name not in refused:
                        errors.setdefault(name, []).extend(messages)
            _same_as_earlier_row(row.number, _identity(schema, raw, data), seen, errors)
            refused_by_database = False
            if data is not None and not errors:
                refused_by_database = _register_row(session, actor, data, row.number, created,
                                                    errors)
            for name, messages in errors.items():
                report.errors.extend(ImportIssue(row.number, sheet.label(name), m)
                                     for m in messages)
            for name, messages in row.warnings.items():
                report.warnings.extend(ImportIssue(row.number, sheet.label(name), m)
                                       for m in messages)
            if refused_by_database:
                break
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, report.rows)
        report.refused_rows = len({issue.row for issue in report.errors})
        if keep and not report.errors:
            everything.commit()
            report.committed = True
            report.vendor_ids = list(created)
        else:
            everything.rollback()
    except BaseException:
        if everything.is_active:
            everything.rollback()
        raise
    return report


def _register_row(session: Session, actor: User, data: dict, number: int,
                  created: dict[int, int], errors: dict) -> bool:
    """Register one row, or record why not; True when the database refused it, which ends the
    check. register_vendor refuses before it writes, so a refused row leaves nothing behind and
    no savepoint per row is needed (thousands of them overflow PostgreSQL's subtransaction
    cache and slow every session down)."""
    try:
        registration = register_vendor(session, actor, data)
    except DuplicateVendorError as error:
        errors.setdefault(None, []).extend(_duplicate_message(m, created) for m in error.matches)
    except DomainError as error:
        if error.code == "stall_near_match":
            # A file cannot answer the form's question: it names the stall meant, or the stall
            # is added on the market's stalls page first.
            error = Invalid(fields={"stall_code": N_(
                "Có phải quầy %(codes)s? Chợ đã có quầy này, chỉ khác cách viết. Ghi đúng số "
                "quầy đó trong tệp, hoặc thêm quầy «%(code)s» ở trang Quầy của chợ trước khi "
                "nhập.", codes=", ".join(c["code"] for c in error.details["stall_choices"]),
                code=error.details["new_stall_code"])})
        if error.message is not None:
            errors.setdefault(None, []).append(error.message)
        for key, messages in error.fields.items():
            errors.setdefault(_IMPORT_FIELDS.get(key), []).extend(messages)
    except (IntegrityError, DataError):
        errors.setdefault(None, []).append(N_(
            "Cơ sở dữ liệu không nhận dòng này; kiểm tra độ dài và định dạng các ô. Các dòng "
            "sau chưa được kiểm tra."))
        return True
    else:
        created[registration.vendor.id] = number
    return False


def _registration_input(row, errors: dict, banks: dict[str, str], markets: _ImportMarkets,
                        default_market_id: int | None) -> dict:
    """What VendorRegistrationInput loads, from a row; cells refused while reading are left out."""
    values = {name: value for name, value in row.values.items() if name not in errors}
    raw = {name: values[name] for name in ("kind", "name", "phone", "citizen_id", "tax_code",
                                           "stall_code") if name in values}
    if "joined_on" in values:
        raw["joined_on"] = values["joined_on"].isoformat()
    raw["market_id"] = default_market_id
    if "market" in values:
        raw["market_id"], problem = markets.find(values["market"])
        if problem:
            errors["market"] = [problem]
    if any(row.values.get(name) for name in ("bank", "account_number", "account_holder")):
        bank_bin = None
        if "bank" in values:
            bank_bin = banks.get(_bank_key(values["bank"]))
            if bank_bin is None:
                errors["bank"] = [N_(
                    "Không nhận ra ngân hàng «%(bank)s». Ghi tên viết tắt như Vietcombank, "
                    "Agribank, BIDV, VietinBank, hoặc mã BIN 6 chữ số (xem trang Ngân hàng).",
                    bank=values["bank"])]
        raw["payment_methods"] = [{
            "kind": PaymentMethodKind.BANK_ACCOUNT.value, "bank_bin": bank_bin,
            "account_number": values.get("account_number"),
            "account_holder": values.get("account_holder"),
        }]
    return raw


_IDENTITY_FIELDS = {"phone": N_("số điện thoại"), "citizen_id": N_("số CCCD"),
                    "bank_account": N_("tài khoản ngân hàng")}


def _identity(schema: VendorRegistrationInput, raw: dict, data: dict | None) -> dict:
    """What makes two rows the same person, normalised as registration stores it; taken from
    the row even when another cell of it is wrong, so a repeat further down is still found."""
    found = {}
    for name in ("phone", "citizen_id"):
        if data is not None:
            found[name] = data.get(name)
        elif raw.get(name):
            try:
                found[name] = schema.fields[name].deserialize(raw[name])
            except ValidationError:
                pass
    for method in raw.get("payment_methods", []):
        digits = re.sub(r"[^0-9]", "", method.get("account_number") or "")
        if method.get("bank_bin") and digits:
            found["bank_account"] = (method["bank_bin"], digits)
    return {name: value for name, value in found.items() if value}


def _same_as_earlier_row(number: int, identity: dict, seen: dict[tuple, int],
                         errors: dict) -> None:
    for name, value in identity.items():
        earlier = seen.setdefault((name, value), number)
        if earlier != number:
            column = "account_number" if name == "bank_account" else name
            errors.setdefault(column, []).append(N_(
                "Trùng %(what)s với dòng %(row)s trong tệp.", what=_IDENTITY_FIELDS[name],
                row=earlier))


def _duplicate_message(match: DuplicateMatch, created: dict[int, int]) -> Message:
    reasons = match.reason_labels
    if match.vendor_id in created:
        return N_("Trùng %(reasons)s với dòng %(row)s trong tệp.", reasons=reasons,
                  row=created[match.vendor_id])
    if match.name is None:
        return N_("Đã có tiểu thương trùng %(reasons)s ở ngoài địa bàn của bạn. Liên hệ cán bộ "
                  "xã/phường để kiểm tra.", reasons=reasons)
    if match.market_name:
        return N_("Đã có tiểu thương trùng %(reasons)s: %(name)s (%(market)s). Bỏ dòng này khỏi "
                  "tệp nếu là cùng một người.", reasons=reasons, name=match.name,
                  market=match.market_name)
    return N_("Đã có tiểu thương trùng %(reasons)s: %(name)s. Bỏ dòng này khỏi tệp nếu là cùng "
              "một người.", reasons=reasons, name=match.name)


def _bank_key(text: str) -> str:
    words = search_key(text).split()
    if words[:2] == ["ngan", "hang"]:
        words = words[2:]
    elif words[:1] == ["nh"]:
        words = words[1:]
    return "".join(words)


def _bank_index(session: Session) -> dict[str, str]:
    """BIN by every way a list may name the bank: BIN, code, short or full name."""
    banks = list(session.scalars(select(Bank)))
    index: dict[str, str] = {}
    for bank in banks:
        for name in (bank.bin, bank.code, bank.short_name, bank.full_name):
            index.setdefault(_bank_key(name), bank.bin)
    for bank in banks:
        # "MB" for "MB Bank": only where no bank is already known by that word.
        key = _bank_key(bank.short_name)
        if key.endswith("bank") and len(key) > 5:
            index.setdefault(key[:-4], bank.bin)
    return index


class _ImportMarkets:
    """Markets named in the "Chợ" column, found within the user's scope, diacritics optional."""

    def __init__(self, session: Session, actor: User):
        self.session, self.scope = session, market_scope(actor)
        self.found: dict[str, tuple[int | None, Message | None]] = {}

    def find(self, name: str) -> tuple[int | None, Message | None]:
        """(market id, None), or (None, why not)."""
        key = search_key(name)
        if key not in self.found:
            self.found[key] = self._find(name, key)
        return self.found[key]

    def _find(self, name: str, key: str) -> tuple[int | None, Message | None]:
        # Closed markets too: registering there is then refused saying so.
        candidates = search_markets(self.session, self.scope, name, limit=10,
                                    include_closed=True)
        exact = [m for m in candidates if m.search_key in (key, f"cho {key}")]
        if len(exact) == 1:
            return exact[0].id, None
        if len(candidates) == 1 and not exact:
            return candidates[0].id, None
        if not candidates:
            return None, N_("Không có chợ «%(name)s» trong địa bàn của bạn.", name=name)
        names = ", ".join(f"{m.name} ({m.ward.name})" for m in (exact or candidates)[:5])
        return None, N_("«%(name)s» khớp nhiều chợ: %(markets)s. Ghi đủ tên chợ, hoặc tách tệp "
                        "theo chợ và chọn chợ khi tải lên.", name=name, markets=names)
