"""QR symbols for payment payloads: the module matrix (byte mode, error correction M, a 4-module
quiet zone) drawn as SVG, PNG or PDF path operators; a payload is encoded once per process."""

from __future__ import annotations

import functools
import io
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import qrcode
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData

from domain_errors import N_
from qr import library_internals
from qr.payload import PayloadError

# ISO/IEC 18004 level M restores about 15% of damaged codewords: enough for a laminated card on a
# market stall; the specs set no level (NAPAS and EMVCo leave it to the printer).
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
# ISO/IEC 18004 7.3.8: the light margin around a QR symbol is 4 modules wide.
QUIET_ZONE = 4
# Matrices kept per process. A province's 50,000 placards need a new code each anyway; a market's
# reprint, a page's PNG and its PDF reuse one.
CACHE_SIZE = 8192

# EMVCo 4.12.1.1: all data in byte mode. 4.12.1.2: anything beyond "Alphanumeric Special" (the
# printable ASCII of EMV Book 4) would need an ECI 26 header, which this encoder does not write.
_ENCODABLE = frozenset(chr(code) for code in range(0x20, 0x7F))
# ISO/IEC 18004 table 7: the most bytes a symbol holds at level M (version 40).
_MAX_BYTES = 2331


@dataclass(frozen=True)
class QRSymbol:
    """A QR code symbol, quiet zone included: `size` modules a side; bit x of rows[y] (least
    significant first) is the module at column x of row y, set when dark."""

    payload: str
    version: int
    mask: int
    size: int
    rows: tuple[int, ...]

    def is_dark(self, x: int, y: int) -> bool:
        return bool(self.rows[y] >> x & 1)

    def rectangles(self) -> list[tuple[int, int, int, int]]:
        """(x, y, width, height) of rectangles covering each dark module exactly once: each
        horizontal run of dark modules, carried down over the rows below that have the very same
        run. A fifth fewer shapes than the runs alone, so smaller files and less to draw."""
        done = []
        above: dict[tuple[int, int], int] = {}  # (x, width) of the row above's runs -> top row
        for y, row in enumerate(self.rows):
            runs = {}
            if row:
                # The row's bits, column 0 first (the light columns past the last dark one
                # need no digits).
                for match in _DARK_RUN.finditer(f"{row:b}"[::-1]):
                    start, end = match.span()
                    run = (start, end - start)
                    runs[run] = above.pop(run, y)
            for (x, width), top in above.items():
                done.append((x, top, width, y - top))
            above = runs
        for (x, width), top in above.items():
            done.append((x, top, width, self.size - top))
        return done


_DARK_RUN = re.compile("1+")


@functools.lru_cache(maxsize=CACHE_SIZE)
def qr_symbol(payload: str) -> QRSymbol:
    """The QR symbol for `payload`, encoded once per process (PayloadError if it cannot be)."""
    if not isinstance(payload, str) or not payload:
        raise PayloadError("not_text", N_("Nội dung mã QR phải là chuỗi ký tự, không được để trống."))
    for character in payload:
        if character not in _ENCODABLE:
            # EMVCo 4.12: printable ASCII only, in byte mode.
            raise PayloadError("bad_text", N_(
                "Không thể đưa ký tự «%(character)s» vào mã QR thanh toán: chỉ dùng được ký tự "
                "ASCII in được.", character=character))
    data = payload.encode("ascii")
    if not library_internals.USE_QRCODE_INTERNALS:
        version, mask, rows = _encode_with_public_api(data)
        return QRSymbol(payload, version, mask, len(rows), rows)
    version, mask, board = _encode(data)
    inner = version * 4 + 17
    stride = inner + 1
    row_mask = (1 << inner) - 1
    light_rows = (0,) * QUIET_ZONE
    rows = (
        light_rows
        + tuple(((board >> (y * stride)) & row_mask) << QUIET_ZONE for y in range(inner))
        + light_rows
    )
    return QRSymbol(payload, version, mask, inner + 2 * QUIET_ZONE, rows)


def qr_svg(payload: str, width: str | None = None) -> str:
    """The symbol as SVG: a white square and one <path> of the dark modules, in a viewBox measured
    in modules; `width` (e.g. "60mm") sets its printed size, else it fills its container."""
    symbol = qr_symbol(payload)
    n = symbol.size
    size = f' width="{width}" height="{width}"' if width else ""
    path = "".join(f"M{x} {y}h{width}v{height}h-{width}z" for x, y, width, height in symbol.rectangles())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}"{size} '
        f'shape-rendering="crispEdges" role="img">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )


def qr_png(payload: str, scale: int = 10) -> bytes:
    """The symbol as a black-and-white PNG, `scale` pixels per module."""
    if not isinstance(scale, int) or not 1 <= scale <= 100:
        raise ValueError("scale must be a whole number of pixels per module, 1 to 100")
    symbol = qr_symbol(payload)
    n = symbol.size
    pixels = bytes(0 if row >> x & 1 else 255 for row in symbol.rows for x in range(n))
    image = Image.frombytes("L", (n, n), pixels).resize((n * scale, n * scale), Image.NEAREST)
    out = io.BytesIO()
    image.convert("1").save(out, format="PNG", optimize=True)
    return out.getvalue()


@functools.lru_cache(maxsize=CACHE_SIZE)
def qr_pdf_operators(payload: str) -> bytes:
    """PDF path operators filling the dark modules, one unit per module with y growing downwards
    (the caller scales and places them); a single fill, so no seams between modules."""
    rectangles = qr_symbol(payload).rectangles()
    return "\n".join([*(f"{x} {y} {w} {h} re" for x, y, w, h in rectangles), "f"]).encode()


# ---------------------------------------------------------------------------------------------
# Encoding through python-qrcode's public API: what qr_symbol does when its internals cannot be
# used (qr.library_internals), slower, with the same symbols.


def _encode_with_public_api(data: bytes) -> tuple[int, int, tuple[int, ...]]:
    """(version, mask, rows) of the symbol python-qrcode makes of `data`, all in byte mode."""
    # python-qrcode 8.2 says so with a ValueError about version 41.
    if len(data) > _MAX_BYTES:
        raise _too_long(len(data))
    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECTION, border=QUIET_ZONE)
    code.add_data(QRData(data, mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    matrix = code.get_matrix()
    rows = tuple(sum(1 << x for x, dark in enumerate(row) if dark) for row in matrix)
    return code.version, _mask_pattern(matrix), rows


def _mask_pattern(matrix: list[list[bool]]) -> int:
    """The mask a symbol was made with, read from it as a reader does (ISO/IEC 18004 7.9.1): the
    format information's 5 data bits, the error correction level then the mask, lie in column 8
    of the rows just above the lower left corner, the first at the bottom, and were XORed with
    10101 (the first bits of the format information's mask, 101010000010010)."""
    bottom = len(matrix) - 1 - QUIET_ZONE
    bits = 0
    for row in range(bottom, bottom - 5, -1):
        bits = bits << 1 | bool(matrix[row][QUIET_ZONE + 8])
    return (bits ^ 0b10101) & 0b111


# ---------------------------------------------------------------------------------------------
# Encoding, fast
#
# python-qrcode's make() takes ~10 ms a code, more than laying out all the rest of a placard: it
# builds codewords bit by bit and places the data 8 times to score each mask in Python loops. Here
# python-qrcode still draws the function patterns, masks and format information (once per
# version, in _blanks, through qr.library_internals); the byte-mode codewords and their Reed-Solomon blocks are computed
# directly (ISO/IEC 18004 7.4-7.6), placed once, and the 8 candidate symbols are bitboards (one
# Python int a symbol, one bit a module, rows `stride` bits apart with a light padding bit between
# them) scored with the ISO/IEC 18004 7.8.3 penalty rules, counted as qrcode.util.lost_point
# counts them. So the mask, and the symbol, are the ones python-qrcode would choose; the tests
# compare the two, module by module.

_MODE_BYTE = 0b0100  # ISO/IEC 18004 table 2
_PAD_CODEWORDS = (0xEC, 0x11)  # ISO/IEC 18004 7.4.10
_FINDER_LIKE = (
    (1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0),  # 1:1:3:1:1 then 4 light (ISO/IEC 18004 7.8.3.1, N3)
    (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1),  # 4 light then 1:1:3:1:1
)

# GF(256) with the QR code's polynomial x^8 + x^4 + x^3 + x^2 + 1 (ISO/IEC 18004 7.5.2).
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


@dataclass(frozen=True)
class _Blanks:
    """For one version: each mask's symbol with all-zero data, as row and column bitboards
    (`final`: with the format and version information written; `scored`: with them light, as
    python-qrcode scores masks), and where each data bit goes in either board."""

    n: int
    stride: int
    valid: int
    final_rows: tuple[int, ...]
    final_columns: tuple[int, ...]
    scored_rows: tuple[int, ...]
    scored_columns: tuple[int, ...]
    row_positions: tuple[int, ...]
    column_positions: tuple[int, ...]
    gather_rows: Callable[[str], tuple[str, ...]]  # data bits (+ "0") -> row board, MSB first
    gather_columns: Callable[[str], tuple[str, ...]]
    blocks: tuple[tuple[int, int], ...]  # (data codewords, error correction codewords) a block
    capacity: int  # data codewords


def _encode(data: bytes) -> tuple[int, int, int]:
    """(version, mask, row bitboard) of the smallest symbol holding `data` at level M."""
    version = _fitting_version(len(data))
    blanks = _blanks(version)
    # The data bits, then "0" for the modules they do not reach (remainder bits, function
    # patterns, padding), gathered into board order, most significant bit first.
    bits = "".join(map("{:08b}".format, _codewords(data, version, blanks))) + "0"
    data_rows = int("".join(blanks.gather_rows(bits)), 2)
    data_columns = int("".join(blanks.gather_columns(bits)), 2)
    # Masking is an XOR on the data modules only, so a mask's symbol is its blank XOR the data.
    best_mask, best_penalty = 0, None
    for mask in range(8):
        penalty = _penalty(
            blanks.scored_rows[mask] ^ data_rows, blanks.scored_columns[mask] ^ data_columns, blanks
        )
        if best_penalty is None or penalty < best_penalty:
            best_mask, best_penalty = mask, penalty
    return version, best_mask, blanks.final_rows[best_mask] ^ data_rows


def _fitting_version(length: int) -> int:
    for version in range(1, 41):
        # Mode indicator, character count (8 bits up to version 9, then 16), the data.
        needed = 4 + (8 if version < 10 else 16) + 8 * length
        if needed <= _blanks(version).capacity * 8:
            return version
    raise _too_long(length)


def _too_long(length: int) -> PayloadError:
    in_vietnamese = format(length, ",").replace(",", ".")
    return PayloadError("too_long", N_(
        "%(length)s byte không vừa một mã QR ở mức sửa lỗi M (tối đa 2.331 byte).",
        length=in_vietnamese))


def _codewords(data: bytes, version: int, blanks: _Blanks) -> list[int]:
    """ISO/IEC 18004 7.4: the byte-mode bit stream, terminated and padded to capacity, cut into
    blocks, each followed by its Reed-Solomon codewords, the blocks interleaved (7.6)."""
    count_bits = 8 if version < 10 else 16
    stream = ((_MODE_BYTE << count_bits) | len(data)) << (8 * len(data)) | int.from_bytes(
        data, "big"
    )
    length = 4 + count_bits + 8 * len(data)
    capacity_bits = blanks.capacity * 8
    terminator = min(4, capacity_bits - length)
    stream <<= terminator
    length += terminator
    stream <<= -length % 8
    length += -length % 8
    codewords = list(stream.to_bytes(length // 8, "big"))
    codewords += [_PAD_CODEWORDS[i % 2] for i in range(blanks.capacity - len(codewords))]

    data_blocks, ec_blocks, offset = [], [], 0
    for data_count, ec_count in blanks.blocks:
        block = codewords[offset : offset + data_count]
        offset += data_count
        data_blocks.append(block)
        ec_blocks.append(_reed_solomon(block, ec_count))
    interleaved = []
    for blocks in (data_blocks, ec_blocks):
        for i in range(max(map(len, blocks))):
            interleaved.extend(block[i] for block in blocks if i < len(block))
    return interleaved


@functools.cache
def _remainder_table(degree: int) -> tuple[int, ...]:
    """For each byte f, f times the generator polynomial prod(x - a^i, i < degree) (7.5.2)
    without its leading term, as one int of `degree` bytes (highest degree first)."""
    poly = [1]
    for i in range(degree):
        poly = [a ^ (_EXP[_LOG[b] + i] if b else 0) for a, b in zip(poly + [0], [0] + poly)]
    logs = [_LOG[c] for c in poly[1:]]
    return (0,) + tuple(
        int.from_bytes(bytes(_EXP[_LOG[factor] + log] for log in logs), "big")
        for factor in range(1, 256)
    )


def _reed_solomon(block: list[int], ec_count: int) -> list[int]:
    """The error correction codewords of a block: the remainder of its polynomial times
    x^ec_count divided by the generator, by long division one byte at a time."""
    table = _remainder_table(ec_count)
    top = 8 * (ec_count - 1)
    keep = (1 << top) - 1
    remainder = 0
    for codeword in block:
        remainder = ((remainder & keep) << 8) ^ table[codeword ^ (remainder >> top)]
    return list(remainder.to_bytes(ec_count, "big"))


@functools.lru_cache(maxsize=40)
def _blanks(version: int) -> _Blanks:
    n = version * 4 + 17
    stride = n + 1
    blocks = library_internals.qrcode_blocks(version, ERROR_CORRECTION)
    codewords = sum(data + ec for data, ec in blocks)
    boards = {
        key: (_row_board(modules, stride), _column_board(modules, stride))
        for key, modules in library_internals.qrcode_blank_symbols(
            version, ERROR_CORRECTION, codewords
        ).items()
    }
    function_patterns = library_internals.qrcode_function_patterns(version, ERROR_CORRECTION)
    # ISO/IEC 18004 7.7.3: two-module columns from the right, upwards then downwards, skipping
    # the vertical timing pattern in column 6.
    row_positions, column_positions = [], []
    upwards = True
    for right in range(n - 1, 0, -2):
        if right <= 6:
            right -= 1
        for y in range(n - 1, -1, -1) if upwards else range(n):
            for x in (right, right - 1):
                if function_patterns[y][x] is None:
                    row_positions.append(y * stride + x)
                    column_positions.append(x * stride + y)
        upwards = not upwards
    return _Blanks(
        n,
        stride,
        _row_board([[True] * n] * n, stride),
        tuple(boards[False, mask][0] for mask in range(8)),
        tuple(boards[False, mask][1] for mask in range(8)),
        tuple(boards[True, mask][0] for mask in range(8)),
        tuple(boards[True, mask][1] for mask in range(8)),
        tuple(row_positions),
        tuple(column_positions),
        _gatherer(row_positions, n * stride, codewords * 8),
        _gatherer(column_positions, n * stride, codewords * 8),
        blocks,
        sum(data for data, _ in blocks),
    )


def _gatherer(positions: list[int], size: int, bit_count: int):
    """itemgetter picking, for each bit of a `size`-bit board from the most significant down,
    the data bit placed there, or the "0" appended after the `bit_count` data bits."""
    source = [bit_count] * size
    for index, position in enumerate(positions[:bit_count]):
        source[position] = index
    return operator.itemgetter(*reversed(source))


def _row_board(modules, stride: int) -> int:
    board = 0
    for y, row in enumerate(modules):
        board |= int("".join("1" if dark else "0" for dark in reversed(row)), 2) << (y * stride)
    return board


def _column_board(modules, stride: int) -> int:
    return _row_board(list(zip(*modules)), stride)


def _penalty(rows: int, columns: int, blanks: _Blanks) -> int:
    """ISO/IEC 18004 7.8.3 penalty of a symbol given as row and column bitboards, counted as
    qrcode.util.lost_point counts it."""
    valid, stride = blanks.valid, blanks.stride
    penalty = 0
    for dark in (rows, columns):
        light = valid & ~dark
        for colour in (dark, light):
            # N1: a run of 5 + i modules of one colour costs 3 + i: one per 5-module window in
            # it, plus 2 per run.
            window = colour & colour >> 1 & colour >> 2 & colour >> 3 & colour >> 4
            penalty += window.bit_count() + 2 * (window & ~(window << 1)).bit_count()
        # N3: the finder-like pattern with 4 light modules on either side costs 40.
        shifted = {(True, j): dark >> j for j in range(11)}
        shifted.update({(False, j): light >> j for j in range(11)})
        for pattern in _FINDER_LIKE:
            match = valid
            for j, bit in enumerate(pattern):
                match &= shifted[bool(bit), j]
            penalty += 40 * match.bit_count()
    # N2: each 2x2 block of one colour costs 3.
    for colour in (rows, valid & ~rows):
        penalty += (
            3 * (colour & colour >> 1 & colour >> stride & colour >> (stride + 1)).bit_count()
        )
    # N4: 10 for each full 5% the share of dark modules is away from 50%.
    share = rows.bit_count() / (blanks.n**2)
    penalty += int(abs(share * 100 - 50) / 5) * 10
    return penalty
