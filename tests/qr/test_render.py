"""QR symbols from payloads: byte mode, level M, 4-module quiet zone, the same symbol python-qrcode
makes (through its internals or its public API alike), drawn as SVG and PNG that zxing-cpp reads
back; a payload is encoded once."""

from __future__ import annotations

import io
import random
import re
from xml.etree import ElementTree

import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData

from qr import library_internals, render
from qr.payload import PayloadError, build_vietqr
from qr.payload_parse import parse_payload
from qr.render import QUIET_ZONE, qr_pdf_operators, qr_png, qr_svg, qr_symbol

SVG = "{http://www.w3.org/2000/svg}"


def _payloads() -> list[str]:
    rng = random.Random(20251125)
    payloads = [
        build_vietqr("970436", "0011001234567"),
        build_vietqr("970415", "1" * 19, amount=499_999_999, purpose="Thanh toán đơn hàng 42"),
        build_vietqr("970422", "9704229200123456", service="QRIBFTTC"),
    ]
    payloads += [
        build_vietqr(
            rng.choice(["970436", "970415", "970418"]),
            str(rng.randrange(10**15)),
            amount=rng.choice([None, rng.randint(1, 10**8)]),
        )
        for _ in range(40)
    ]
    # Any printable ASCII, from 1 byte up to large versions (16-bit character counts from v10).
    payloads += [
        "".join(chr(rng.randint(0x20, 0x7E)) for _ in range(rng.choice([1, 30, 300, 900])))
        for _ in range(20)
    ]
    return payloads


def _python_qrcode_matrix(payload: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(QRData(payload.encode(), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def _matrix(payload: str) -> list[list[bool]]:
    symbol = qr_symbol(payload)
    return [[symbol.is_dark(x, y) for x in range(symbol.size)] for y in range(symbol.size)]


def test_symbols_are_module_for_module_those_python_qrcode_makes_in_byte_mode():
    for payload in _payloads():
        assert _matrix(payload) == _python_qrcode_matrix(payload), payload


def test_python_qrcodes_public_api_gives_the_very_symbols_of_the_fast_encoder(monkeypatch):
    # The public path (qr.library_internals.USE_QRCODE_INTERNALS off) reads the mask back from
    # the symbol's format information: same version, mask and modules.
    fast = [render.qr_symbol.__wrapped__(payload) for payload in _payloads()]
    monkeypatch.setattr(library_internals, "USE_QRCODE_INTERNALS", False)
    public = [render.qr_symbol.__wrapped__(payload) for payload in _payloads()]
    for ours, theirs in zip(fast, public):
        assert (theirs.version, theirs.mask) == (ours.version, ours.mask), ours.payload
        assert theirs == ours, ours.payload


@pytest.mark.parametrize("internals", [True, False])
def test_a_payload_no_symbol_holds_is_refused_either_way(monkeypatch, internals):
    monkeypatch.setattr(library_internals, "USE_QRCODE_INTERNALS", internals)
    assert render.qr_symbol.__wrapped__("x" * 2331).version == 40
    with pytest.raises(PayloadError) as error:
        render.qr_symbol.__wrapped__("x" * 2332)
    assert error.value.code == "too_long"


def test_the_whole_payload_is_one_byte_mode_segment_as_emvco_requires():
    # EMVCo 4.12.1.1. Read the data back from the symbol: XOR with the mask's blank leaves the
    # bare data bits, in placement order.
    payload = build_vietqr("970436", "0011001234567", amount=50_000)
    symbol = qr_symbol(payload)
    blanks = render._blanks(symbol.version)
    inner = symbol.version * 4 + 17
    board = 0
    for y in range(inner):
        board |= (symbol.rows[y + QUIET_ZONE] >> QUIET_ZONE) << (y * blanks.stride)
    data = board ^ blanks.final_rows[symbol.mask]
    placed = "".join(str(data >> position & 1) for position in blanks.row_positions)
    codewords = [int(placed[i : i + 8], 2) for i in range(0, len(placed) - 7, 8)]
    # The data codewords were interleaved block by block (ISO/IEC 18004 7.6): undo it.
    blocks = [[] for _ in blanks.blocks]
    readers = iter(codewords)
    for i in range(max(count for count, _ in blanks.blocks)):
        for block, (count, _) in zip(blocks, blanks.blocks):
            if i < count:
                block.append(next(readers))
    bits = "".join(f"{codeword:08b}" for block in blocks for codeword in block)
    assert bits[:4] == "0100"  # byte mode (ISO/IEC 18004 table 2), not numeric or alphanumeric
    length = int(bits[4:12], 2)  # 8-bit character count below version 10
    assert length == len(payload)
    assert bytes(int(bits[12 + 8 * i : 20 + 8 * i], 2) for i in range(length)).decode() == payload
    assert bits[12 + 8 * length : 16 + 8 * length] == "0000"  # terminator: no second segment


def test_a_digit_heavy_payload_is_not_split_into_numeric_segments():
    payload = build_vietqr("970436", "1234567890123456789")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(payload)  # python-qrcode's default picks numeric mode for the digit runs
    code.make(fit=True)
    assert _matrix(payload) != [[bool(m) for m in row] for row in code.get_matrix()]


def test_png_reads_back_with_level_m_and_a_light_quiet_zone():
    payload = build_vietqr("970436", "0011001234567")
    image = Image.open(io.BytesIO(qr_png(payload, scale=6)))
    symbol = qr_symbol(payload)
    assert image.size == (symbol.size * 6, symbol.size * 6)
    border = QUIET_ZONE * 6
    grey = image.convert("L")
    assert grey.crop((0, 0, image.width, border)).getextrema() == (255, 255)
    assert grey.crop((0, 0, border, image.height)).getextrema() == (255, 255)
    assert grey.crop((image.width - border, 0, image.width, image.height)).getextrema() == (
        255,
        255,
    )
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [(code.text, code.ec_level) for code in found] == [(payload, "M")]
    assert parse_payload(found[0].text).payload == payload


def test_svg_is_one_path_in_module_units_tracing_the_symbol():
    payload = build_vietqr("970415", "113366668888")
    symbol = qr_symbol(payload)
    svg = ElementTree.fromstring(qr_svg(payload, width="64mm"))
    assert svg.get("viewBox") == f"0 0 {symbol.size} {symbol.size}"
    assert svg.get("width") == "64mm"
    paths = svg.findall(f"{SVG}path")
    assert len(paths) == 1
    rectangles = re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\3z", paths[0].get("d"))
    assert _covered_once(rectangles, symbol.size) == _matrix(payload)


def _covered_once(rectangles, size):
    """The modules the (x, y, width, height) rectangles cover; fails if any is covered twice."""
    drawn = [[False] * size for _ in range(size)]
    for x, y, width, height in (map(int, rectangle) for rectangle in rectangles):
        for row in range(y, y + height):
            for column in range(x, x + width):
                assert not drawn[row][column], f"module {column},{row} drawn twice"
                drawn[row][column] = True
    return drawn


@pytest.mark.parametrize("account", ["0011001234567", "1903 5555 0010 19", "9"])
def test_pdf_operators_fill_each_dark_module_once_in_one_fill(account):
    payload = build_vietqr("970436", account.replace(" ", ""))
    operators = qr_pdf_operators(payload).decode()
    rectangles = re.findall(r"(\d+) (\d+) (\d+) (\d+) re", operators)
    assert _covered_once(rectangles, qr_symbol(payload).size) == _matrix(payload)
    # Runs carried down the rows: fewer shapes than one a row's run.
    assert len(rectangles) < sum(len(re.findall("1+", f"{row:b}")) for row in qr_symbol(payload).rows)
    assert operators.endswith("f") and operators.count("\nf") == 1


def test_an_unchanged_payload_is_not_encoded_again(monkeypatch):
    calls = []
    encode = render._encode
    monkeypatch.setattr(render, "_encode", lambda data: calls.append(data) or encode(data))
    qr_symbol.cache_clear()
    payload = build_vietqr("970436", "0011009999999")
    qr_svg(payload)
    qr_png(payload)
    qr_pdf_operators(payload)
    assert qr_symbol(payload) is qr_symbol(payload)
    assert calls == [payload.encode()]
    qr_svg(build_vietqr("970436", "0011009999998"))
    assert len(calls) == 2


@pytest.mark.parametrize("payload", ["", "000201 Chợ", "emoji 🙂"])
def test_text_a_payment_code_cannot_carry_is_refused(payload):
    with pytest.raises(PayloadError) as error:
        qr_symbol(payload)
    assert error.value.code in ("not_text", "bad_text")
    assert str(error.value.message)
