"""`flask banks ...`: load or update the bank directory."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from db import db
from domain_errors import Message
from files import atomic_output
from i18n import in_language
from qr.banks import (
    BANKS_CSV,
    BankLoadReport,
    list_banks,
    load_banks,
    read_bank_list,
)
from reference_csv import ReferenceListError, read_reference_file


@click.group("banks", help="Danh bạ ngân hàng thành viên NAPAS.")
def banks_cli() -> None:
    pass


@banks_cli.command("load")
@click.argument("csv_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Chỉ báo những gì sẽ thay đổi, không ghi gì.")
@with_appcontext
def load_command(csv_file: str | None, dry_run: bool) -> None:
    """Nạp danh sách ngân hàng đi kèm, hoặc từ CSV_FILE (cùng cột với qr/data/banks.csv).

    Ngân hàng đã có được cập nhật theo BIN và không bao giờ bị xoá. Một dòng sai là cả tệp bị
    từ chối (mã thoát 2), không nạp gì.
    """
    path = Path(csv_file) if csv_file else BANKS_CSV
    try:
        rows, source = read_reference_file(path, read_bank_list)
    except ReferenceListError as error:
        raise click.UsageError(f"{path}: {error}") from error
    report = load_banks(db.session, rows, source, dt.date.today())
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    _echo_load_report(report, len(rows), source, dry_run)


def _echo_load_report(report: BankLoadReport, count: int, source: str, dry_run: bool) -> None:
    for row in report.added:
        click.echo(f"+ {row.bin} {row.short_name}: {row.full_name}")
    for rename in report.renamed:
        click.echo(f"~ {rename.bin} {rename.old_short_name} ({rename.old_full_name})"
                   f" → {rename.short_name} ({rename.full_name})")
    for row in report.updated:
        click.echo(f"* {row.bin} {row.short_name}: mã, SWIFT hoặc trạng thái VietQR đổi")
    click.echo(
        f"{'Chạy thử, không ghi' if dry_run else 'Đã nạp'}: {count} ngân hàng ({source}); "
        f"{len(report.added)} thêm mới, {len(report.renamed)} đổi tên, "
        f"{len(report.updated)} cập nhật, {report.unchanged} không đổi."
    )
    if report.kept:
        click.echo(f"{len(report.kept)} ngân hàng không có trong tệp vẫn được giữ: "
                   f"{', '.join(report.kept)}.")


@banks_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Liệt kê danh bạ: BIN, tên viết tắt, tên đầy đủ, VietQR (1 có, 0 chưa rõ, -1 không)."""
    banks = list_banks(db.session)
    for bank in banks:
        click.echo(f"{bank.bin}\t{bank.short_name}\t{bank.full_name}\t{bank.vietqr_status}")
    click.echo(f"{len(banks)} ngân hàng.")


# ---------------------------------------------------------------------------------------------
# `flask qr ...`: payloads for staff and automation; `flask placards ...`: placard PDFs.
# Bad input exits with status 2 and says why, in Vietnamese then English, on standard error.


@click.group("qr", help="Mã VietQR: tạo nội dung mã, đọc mã từ nội dung hoặc ảnh.")
def qr_cli() -> None:
    pass


def _refuse(message: Message | str, english: str | None = None) -> None:
    """Exit with status 2 after saying why: a catalogue Message in Vietnamese and in English, or
    the Vietnamese and English texts given."""
    if isinstance(message, Message):
        message, english = str(message), in_language(message, "en")
    click.echo(f"Lỗi: {message}", err=True)
    if english:
        click.echo(f"Error: {english}", err=True)
    raise SystemExit(2)


@qr_cli.command("encode")
@click.option("--bin", "bin_", required=True,
              help="Mã BIN ngân hàng, 6 chữ số (xem `flask banks list`).")
@click.option("--account", required=True, help="Số tài khoản (hoặc số thẻ với --card).")
@click.option("--amount", type=int, help="Số tiền cố định, đồng (mã dùng một lần).")
@click.option("--purpose", help="Nội dung chuyển khoản, tối đa 25 ký tự, bỏ dấu.")
@click.option("--card", is_flag=True, help="Chuyển đến số thẻ thay vì số tài khoản.")
def encode_command(bin_: str, account: str, amount: int | None, purpose: str | None,
                   card: bool) -> None:
    """In nội dung mã VietQR chuyển khoản NAPAS 247."""
    from qr.payload import SERVICE_TO_ACCOUNT, SERVICE_TO_CARD, PayloadError, build_vietqr

    try:
        payload = build_vietqr(bin_, account, amount=amount, purpose=purpose,
                               service=SERVICE_TO_CARD if card else SERVICE_TO_ACCOUNT)
    except PayloadError as error:
        _refuse(error.message)
    click.echo(payload)


@qr_cli.command("decode")
@click.argument("payload_or_image")
@with_appcontext
def decode_command(payload_or_image: str) -> None:
    """In các trường của một mã (nội dung mã, hoặc tệp ảnh có mã QR) dạng JSON.

    Ảnh có nhiều mã (một trang bảng mã) cho một mảng JSON, mỗi mã một phần tử."""
    import json

    path = Path(payload_or_image)
    if path.is_file():
        payloads = _read_image_codes(path)
    else:
        payloads = [payload_or_image.strip()]
    decoded = [_decoded(payload) for payload in payloads]
    output = decoded[0] if len(decoded) == 1 else decoded
    click.echo(json.dumps(output, ensure_ascii=False, indent=2))


def _read_image_codes(path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except (UnidentifiedImageError, OSError) as error:
        _refuse(f"Không mở được ảnh {path}: {error}", f"Cannot open image {path}: {error}")
    payloads = [barcode.text for barcode in found if barcode.valid and barcode.text]
    if not payloads:
        _refuse(f"Không tìm thấy mã QR nào đọc được trong ảnh {path}.",
                f"No readable QR code in image {path}.")
    return payloads


def _decoded(payload: str) -> dict:
    from qr.payload import PayloadError
    from qr.payload_parse import parse_payload
    from qr.payload_read import extract_vietqr_transfer

    try:
        parsed = parse_payload(payload)
    except PayloadError as error:
        _refuse(error.message)
    result = {"payload": parsed.payload, "fields": _fields(parsed.fields, parsed.templates)}
    try:
        transfer = extract_vietqr_transfer(parsed)
    except PayloadError as error:
        # A valid code that is no plain NAPAS 247 transfer (a wallet's, another network's).
        result["vietqr"] = None
        result["not_vietqr_transfer"] = {"code": error.code, "message_vi": str(error.message)}
    else:
        result["vietqr"] = {
            "bin": transfer.bin, "bank": _bank_name(transfer.bin), "account": transfer.account,
            "service": transfer.service, "amount": transfer.amount, "purpose": transfer.purpose,
        }
    return result


def _fields(fields, templates) -> dict:
    return {
        tag: _fields(templates[tag].fields, templates[tag].templates) if tag in templates else value
        for tag, value in fields.items()
    }


def _bank_name(bin_: str) -> str | None:
    """The bank's short name from the directory, if there is a database to ask."""
    from sqlalchemy.exc import SQLAlchemyError

    from qr.models import Bank

    try:
        bank = db.session.get(Bank, bin_)
    except (SQLAlchemyError, RuntimeError):
        return None
    return bank.short_name if bank else None


@click.group("placards", help="Bảng mã QR thanh toán in được (PDF).")
def placards_cli() -> None:
    pass


@placards_cli.command("vendor")
@click.argument("vendor_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp PDF ghi ra.")
@click.option("--format", "size", type=click.Choice(["a6", "a4"]), default="a6", show_default=True,
              help="a6: thẻ đứng; a4: áp phích.")
@with_appcontext
def placard_vendor_command(vendor_id: int, output: str, size: str) -> None:
    """Bảng mã QR của một tiểu thương."""
    from qr.pdf import render_vendor_placard
    from qr.placard_data import vendor_placard
    from vendors.models import Vendor

    placard = vendor_placard(db.session, vendor_id)
    if placard is None:
        if db.session.get(Vendor, vendor_id) is None:
            _refuse(f"Không có tiểu thương số {vendor_id}.", f"No vendor {vendor_id}.")
        _refuse(f"Tiểu thương số {vendor_id} chưa có tài khoản ngân hàng đang dùng (hoặc không còn "
                "kinh doanh): chưa có bảng mã QR.",
                f"Vendor {vendor_id} has no bank account in use (or is not active): no placard.")
    _write(Path(output), render_vendor_placard(placard, size))
    click.echo(f"Đã ghi {output}: {placard.vendor_name}, "
               f"{placard.bank_short_name} {placard.account_number}.")


@placards_cli.command("market")
@click.argument("market_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp PDF ghi ra.")
@click.option("--per-page", type=click.Choice(["1", "2", "4"]), default="4", show_default=True,
              help="Số bảng trên mỗi trang A4 (có vạch cắt).")
@with_appcontext
def placard_market_command(market_id: int, output: str, per_page: str) -> None:
    """Bảng mã QR của mọi tiểu thương đang kinh doanh có tài khoản ngân hàng ở một chợ."""
    from market.models import Market
    from qr.pdf import render_market_placards
    from qr.placard_data import market_placards

    market = db.session.get(Market, market_id)
    if market is None:
        _refuse(f"Không có chợ số {market_id}.", f"No market {market_id}.")
    placards = market_placards(db.session, market_id)
    if not placards:
        _refuse(f"{market.name} chưa có tiểu thương nào có tài khoản ngân hàng đang dùng.",
                f"No vendor of market {market_id} has a bank account in use.")
    pdf = render_market_placards(placards, int(per_page), title=f"Mã QR thanh toán — {market.name}")
    _write(Path(output), pdf)
    click.echo(f"Đã ghi {output}: {len(placards)} bảng, {per_page} bảng mỗi trang.")


def _write(path: Path, data: bytes) -> None:
    try:
        with atomic_output(path.resolve()) as out:
            out.write(data)
    except OSError as error:
        _refuse(f"Không ghi được {path}: {error}", f"Cannot write {path}: {error}")
