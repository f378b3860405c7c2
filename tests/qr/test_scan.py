"""Reading a sticker's payment code from a photo (qr/scan.py), on generated pictures."""
from __future__ import annotations

import io

from PIL import Image

from qr.payload import VietQRTransfer, build_vietqr
from qr.render import qr_png
from qr.scan import read_payment_code

# vqp-MoMo-971025 from shared/reference/vietqr-vectors.txt (vietnam-qr-pay README/tests).
MOMO_971025 = (
    "00020101021138620010A000000727013200069710250118PSP1234567890000000208QRIBFTTA53037045802VN"
    "62190515MOMOW2W123456786304821F"
)


def photo(payload: str) -> bytes:
    """A phone-like JPEG of a sticker: the code on a larger grey background, a little turned."""
    code = Image.open(io.BytesIO(qr_png(payload, scale=6))).convert("L")
    picture = Image.new("L", (code.width + 400, code.height + 300), 180)
    picture.paste(code, (200, 150))
    out = io.BytesIO()
    picture.rotate(6, fillcolor=180).save(out, format="JPEG")
    return out.getvalue()


def lower_case_crc(payload: str) -> str:
    lowered = payload[:-4] + payload[-4:].lower()
    assert lowered != payload, "the CRC has no letter to lower-case"
    return lowered


def test_a_sticker_with_a_lower_case_crc_is_read_as_a_transfer():
    sticker = lower_case_crc(build_vietqr("970436", "0011001234567"))  # CRC E8DB, written e8db
    code = read_payment_code(photo(sticker))
    assert code.payload == sticker
    assert code.transfer == VietQRTransfer("970436", "0011001234567")
    assert code.wallet is None


def test_a_wallet_sticker_with_a_lower_case_crc_is_kept_as_read():
    sticker = lower_case_crc(MOMO_971025)
    code = read_payment_code(photo(sticker))
    assert code.transfer is None
    assert (code.wallet.payload, code.wallet.provider) == (sticker, "MoMo")
