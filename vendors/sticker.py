"""Reading a trader's bank QR sticker from a photo to fill in the onboarding form: the bank and
account of a transfer code, or, for a wallet's code, an offer to keep it as an e-wallet."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from domain_errors import N_, Invalid, Message
from qr.models import Bank
from qr.scan import ScanError, ScannedCode, read_payment_code, read_payment_text
from vendors.models import WalletProvider

# qr.payload_read names the wallet a sticker pays; these are the wallets cho40 records.
_WALLETS_BY_NAME = {"MoMo": WalletProvider.MOMO, "ZaloPay": WalletProvider.ZALOPAY,
                    "Viettel Money": WalletProvider.VIETTEL_MONEY,
                    "VNPT Money": WalletProvider.VNPT_MONEY, "ShopeePay": WalletProvider.SHOPEEPAY}


@dataclass(frozen=True)
class StickerScan:
    """The bank account read from a trader's bank QR sticker, to prefill the form with."""

    bank_bin: str
    bank_name: str
    account_number: str


class StickerScanError(Invalid):
    """The photo gives no bank account. `code` is qr.scan.ScanError's code, or "wallet_code"
    when it is a wallet's code: then the detail `wallet` (provider, name, payload) offers to keep
    it as an e-wallet instead."""

    def __init__(self, code: str, message: Message, *, wallet: dict | None = None):
        super().__init__(message, code=code, wallet=wallet)
        self.wallet = wallet


def scan_payment_sticker(session: Session, image_bytes: bytes) -> StickerScan:
    """The bank and account number on the QR sticker in a photo; StickerScanError says why not."""
    try:
        code = read_payment_code(image_bytes)
    except ScanError as error:
        raise StickerScanError(error.code, error.message) from error
    return _sticker(session, code)


def read_sticker_text(session: Session, text: str) -> StickerScan:
    """The same for a sticker's code already decoded on the agent's phone: only its text is
    sent, a few hundred bytes instead of a photo."""
    try:
        code = read_payment_text(text)
    except ScanError as error:
        raise StickerScanError(error.code, error.message) from error
    return _sticker(session, code)


def _sticker(session: Session, code: ScannedCode) -> StickerScan:
    if code.wallet is not None:
        name = code.wallet.provider
        provider = _WALLETS_BY_NAME.get(name, WalletProvider.OTHER)
        if name in _WALLETS_BY_NAME:
            what = N_("mã ví %(name)s", name=name)
        elif name:
            what = N_("mã %(name)s", name=name)
        else:
            what = N_("mã thanh toán của ví hoặc cổng thanh toán")
        raise StickerScanError("wallet_code", N_(
            "Đây là %(what)s, không phải mã chuyển khoản ngân hàng, nên không điền được số tài "
            "khoản. Có thể thêm mã này làm ví điện tử của tiểu thương; mã được lưu nguyên như "
            "đã quét.", what=what),
            wallet={"provider": provider.value, "name": name or "", "payload": code.payload})
    bank = session.get(Bank, code.transfer.bin)
    if bank is None:
        raise StickerScanError("unknown_bank", N_(
            "Mã QR chuyển tiền vào ngân hàng có mã BIN %(bin)s, chưa có trong danh mục ngân hàng "
            "của hệ thống. Hãy chọn ngân hàng và nhập số tài khoản bằng tay.",
            bin=code.transfer.bin))
    return StickerScan(bank_bin=bank.bin, bank_name=bank.short_name,
                       account_number=code.transfer.account)
