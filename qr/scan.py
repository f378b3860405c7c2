"""Reading the payment code on a trader's sticker from a photo: find the QR code (zxing-cpp), then
say what it pays: a bank account to prefill a form with, or a wallet whose code is kept as read."""
from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from domain_errors import N_, Invalid, Message
from qr.payload import PayloadError, VietQRTransfer, WalletPayload
from qr.payload_parse import parse_payload
from qr.payload_read import check_wallet_payload, extract_vietqr_transfer
from uploads import DEFAULTS, check_bytes, limits, too_many_pixels

# A 50-megapixel phone photo is about 50 million pixels; more is no photo of a sticker, and
# Pillow would spend seconds and hundreds of megabytes decoding it. The default of config
# UPLOAD_SCAN_MAX_PIXELS (uploads.py), as the photo's bytes are UPLOAD_IMAGE_MAX_BYTES'.
MAX_PIXELS = DEFAULTS.scan_max_pixels
# zxing-cpp searches downscaled copies itself; past this size a sticker's code only costs time.
MAX_SIDE = 3000
# A payload starting with ID 00 = "01" is an EMVCo merchant-presented code (EMVCo 4.7.1):
# if it then fails its checks, it was misread or damaged rather than some other kind of code.
EMVCO_START = "000201"
# EMVCo 4.1: a merchant-presented payload is at most 512 characters.
MAX_PAYLOAD_LENGTH = 512


class ScanError(Invalid):
    """No usable payment code in the photo. `code` is one of CODES; `message` (a
    domain_errors.Message; str(error) is its Vietnamese text) says what the agent can do about it."""

    CODES = frozenset({
        "no_photo",     # nothing was uploaded
        "not_image",    # the file is not a picture Pillow can open
        "no_code",      # no QR code found in the picture
        "damaged",      # a code was found but could not be read correctly
        "not_payment",  # a QR code that is not a payment code (a web address, a Zalo contact...)
        "invalid",      # a payment code that breaks a rule of the standard; the message says which
    })

    def __init__(self, code: str, message: Message):
        if code not in self.CODES:
            raise ValueError(f"ScanError code {code!r} is not one of ScanError.CODES")
        super().__init__(message, code=code)


@dataclass(frozen=True)
class ScannedCode:
    """A payment code read from a photo: exactly one of `transfer` (a plain bank transfer to
    prefill from) and `wallet` (a wallet's or another network's code, to keep as read) is set."""

    payload: str
    transfer: VietQRTransfer | None = None
    wallet: WalletPayload | None = None


def read_payment_code(image_bytes: bytes) -> ScannedCode:
    """The payment code in a photo of a sticker; a bank transfer code wins over a wallet's code
    when the photo shows both. ScanError says why there is none."""
    if not image_bytes:
        raise ScanError("no_photo", N_("Chưa có ảnh nào được gửi lên."))
    check_bytes(image_bytes, limits().image_max_bytes, limit="image_max_bytes")
    image = _open_image(image_bytes)
    found = zxingcpp.read_barcodes(
        image, formats=[zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode],
        return_errors=True,
    )
    texts = [barcode.text for barcode in found if barcode.valid and barcode.text]
    if not texts:
        if found:
            raise _damaged()
        raise ScanError("no_code", N_(
            "Không tìm thấy mã QR trong ảnh. Hãy chụp lại gần hơn, thẳng góc, đủ sáng và lấy trọn "
            "mã trong khung hình."))
    results = [_read_text(text) for text in texts]
    for wanted in ("transfer", "wallet"):
        for result in results:
            if isinstance(result, ScannedCode) and getattr(result, wanted) is not None:
                return result
    raise results[0]


def read_payment_text(text: str) -> ScannedCode:
    """The payment code in a QR code's text, as decoded on the agent's phone: the same rules as
    a photo's code. ScanError says why it is not one."""
    if not text:
        raise ScanError("no_photo", N_("Chưa có ảnh nào được gửi lên."))
    if len(text) > MAX_PAYLOAD_LENGTH:
        raise ScanError("not_payment", N_(
            "Mã QR này dài %(length)s ký tự, quá dài để là mã thanh toán (tối đa %(max)s). Hãy "
            "chụp tấm dán mã QR ngân hàng hoặc ví điện tử của tiểu thương.",
            length=len(text), max=MAX_PAYLOAD_LENGTH))
    result = _read_text(text)
    if isinstance(result, ScanError):
        raise result
    return result


def _open_image(image_bytes: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(image_bytes))
        size = image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise _not_image() from error
    if too_many_pixels(size, limits().scan_max_pixels):
        raise ScanError("not_image", N_(
            "Ảnh có %(width)s×%(height)s điểm ảnh, lớn hơn mức cần cho một tấm dán. Hãy chụp lại "
            "với độ phân giải thấp hơn.", width=size[0], height=size[1]))
    try:
        # Phones store the picture sideways with an EXIF note; zxing reads rotated codes, but
        # turning it upright costs nothing and mirrors what the agent saw.
        image = ImageOps.exif_transpose(image).convert("L")
    except (Image.DecompressionBombError, OSError, ValueError) as error:
        raise _not_image() from error
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _not_image() -> ScanError:
    return ScanError("not_image", N_(
        "Tệp gửi lên không phải ảnh mở được (JPEG, PNG hoặc WebP). Hãy chụp lại."))


def _read_text(text: str) -> ScannedCode | ScanError:
    try:
        parsed = parse_payload(text)
    except PayloadError as error:
        if text.startswith(EMVCO_START) and error.code in {
            "crc_mismatch", "bad_length", "bad_structure", "duplicate_field", "missing_field",
        }:
            return _damaged()
        if text.startswith(EMVCO_START):
            return ScanError("invalid", error.message)
        shown = text if len(text) <= 60 else text[:57] + "..."
        return ScanError("not_payment", N_(
            "Mã QR này không phải mã thanh toán; mã chứa «%(text)s». Hãy chụp tấm dán mã QR ngân "
            "hàng hoặc ví điện tử của tiểu thương.", text=shown))
    try:
        return ScannedCode(payload=text, transfer=extract_vietqr_transfer(parsed))
    except PayloadError as error:
        if error.code not in ("wallet_code", "unknown_guid"):
            return ScanError("invalid", error.message)
    try:
        return ScannedCode(payload=text, wallet=check_wallet_payload(text))
    except PayloadError as error:
        return ScanError("invalid", error.message)


def _damaged() -> ScanError:
    return ScanError("damaged", N_(
        "Có mã QR nhưng không đọc đúng được (mờ, bẩn hoặc rách). Hãy lau sạch tấm dán rồi chụp "
        "lại, hoặc nhập tay số tài khoản."))
