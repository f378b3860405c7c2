"""A market whose vendors do and do not get a placard, entered out of stall order, shared by the
tests of the placard queries, their PDFs and the pages; and the QR package on the libraries'
public API, as with versions other than those qr.library_internals was tested against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from qr import library_internals
from qr.payload_parse import parse_payload
from qr.payload_read import extract_vietqr_transfer
from qr.render import qr_symbol
from tests.factories import make_bank_account, make_market, make_stall, make_vendor
from vendors.models import PaymentMethod, PaymentMethodKind, WalletProvider

TODAY = dt.date.today()
BANK_NAMES = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970422": "MB Bank",
    "970418": "BIDV",
}


@dataclass
class Market:
    id: int
    name: str
    expected: list[tuple[str, str, str, str]]  # (stall, holder as printed, bin, account), in order
    without_account: int  # an active vendor with no bank account
    elsewhere: int  # a vendor of another market


@pytest.fixture
def market(session) -> Market:
    """A market of 10 vendors who get a placard, and 5 who do not, entered out of stall order."""
    market = make_market(session, name="Chợ Đại Từ")
    stalls = {code: make_stall(session, market, code)
              for code in ["A-10", "A-2", "A-1", "B-3", "B-12", "C-1", "A-3", "B-1", "C-2", "D-9",
                           "D-1", "D-2"]}

    def trader(stall, name, bin_, account, holder, **kw):
        vendor = make_vendor(session, market, name=name,
                             stall_id=stalls[stall].id if stall else None)
        make_bank_account(session, vendor, bank_bin=bin_, account_number=account,
                          account_holder=holder, **kw)
        return vendor

    # Banks keep holder names upper case without marks: printed with the vendor's own marks.
    trader("A-10", "Nguyễn Thị Thu", "970436", "0011001234567", "NGUYEN THI THU")
    trader("A-2", "Trần Văn Đức", "970415", "101872445566", "TRAN VAN DUC")
    trader("A-1", "Lê Thị Hồng Nhung", "970422", "0961234567", "LE THI HONG NHUNG")
    # A holder stored with its marks is printed as stored.
    trader("B-3", "Phạm Thị Ánh", "970418", "21510000123456", "PHẠM THỊ ÁNH")
    # A shop account in another name: printed as the bank has it.
    trader("B-12", "Hoàng Văn Bình", "970436", "1023456789", "CONG TY TNHH BINH AN")
    trader("C-1", "Đỗ Thị Mai", "970436", "0451000123456", "DO THI MAI")
    trader("A-3", "Vũ Văn Hải", "970415", "108000222333", "VU VAN HAI")
    trader(None, "Bùi Thị Lan", "970422", "0987000111", "BUI THI LAN")  # no stall: last
    # Two accounts in use: the one opened last is printed.
    two = trader("B-1", "Ngô Thị Yến", "970436", "0011000000001", "NGO THI YEN",
                 started_on=dt.date(2023, 1, 1))
    make_bank_account(session, two, bank_bin="970418", account_number="31410000999888",
                      account_holder="NGO THI YEN", started_on=dt.date(2024, 6, 1))
    # An account closed, then another opened.
    moved = trader("C-2", "Đinh Văn Tú", "970415", "100000000001", "DINH VAN TU",
                   started_on=dt.date(2022, 1, 1), stopped_on=dt.date(2024, 1, 1))
    make_bank_account(session, moved, bank_bin="970422", account_number="0912000333",
                      account_holder="DINH VAN TU", started_on=dt.date(2024, 1, 1))
    expected = [
        ("A-1", "LÊ THỊ HỒNG NHUNG", "970422", "0961234567"),
        ("A-2", "TRẦN VĂN ĐỨC", "970415", "101872445566"),
        ("A-3", "VŨ VĂN HẢI", "970415", "108000222333"),
        ("A-10", "NGUYỄN THỊ THU", "970436", "0011001234567"),
        ("B-1", "NGÔ THỊ YẾN", "970418", "31410000999888"),
        ("B-3", "PHẠM THỊ ÁNH", "970418", "21510000123456"),
        ("B-12", "CONG TY TNHH BINH AN", "970436", "1023456789"),
        ("C-1", "ĐỖ THỊ MAI", "970436", "0451000123456"),
        ("C-2", "ĐINH VĂN TÚ", "970422", "0912000333"),
        (None, "BÙI THỊ LAN", "970422", "0987000111"),
    ]

    # No placard for these five:
    gone = trader("D-9", "Mai Văn Cũ", "970436", "0011002222222", "MAI VAN CU")  # left the market
    gone.status_periods[0].left_on = dt.date(2024, 6, 1)
    trader("D-1", "Lý Thị Đóng", "970436", "0011003333333", "LY THI DONG",  # account closed
           started_on=dt.date(2023, 1, 1), stopped_on=dt.date(2024, 3, 1))
    trader("D-2", "Tạ Văn Sau", "970436", "0011004444444", "TA VAN SAU",  # opens next month
           started_on=TODAY + dt.timedelta(days=31))
    wallet_only = make_vendor(session, market, name="Cao Thị Ví")
    session.add(PaymentMethod(vendor_id=wallet_only.id, kind=PaymentMethodKind.EWALLET,
                              wallet_provider=WalletProvider.MOMO, started_on=dt.date(2024, 1, 1)))
    without_account = make_vendor(session, market, name="Lương Văn Không")
    other = make_vendor(session, make_market(session, name="Chợ Khác"), name="Người Chợ Khác")
    make_bank_account(session, other, account_number="0011005555555")
    session.commit()
    return Market(market.id, market.name, expected, without_account.id, other.id)


def transfer_of(payload: str):
    return extract_vietqr_transfer(parse_payload(payload))



def use_public_api(monkeypatch) -> None:
    """From here on in the test, qr.render and qr.pdf take WeasyPrint's and python-qrcode's
    public API, and every QR code is encoded afresh."""
    monkeypatch.setattr(library_internals, "USE_WEASYPRINT_INTERNALS", False)
    monkeypatch.setattr(library_internals, "USE_QRCODE_INTERNALS", False)
    qr_symbol.cache_clear()


@pytest.fixture
def public_api(monkeypatch):
    use_public_api(monkeypatch)
    yield
    qr_symbol.cache_clear()  # the symbols are the same, but the next test encodes its own
