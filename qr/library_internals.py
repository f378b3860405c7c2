"""The one place cho40 reaches into WeasyPrint's and python-qrcode's internals, for speed. They are
used only with the versions they were written and tested against; with any other version, or with
CHO40_LIBRARY_INTERNALS=off, the callers (qr.render, qr.pdf) take the public API, slower, and print
the same."""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
from collections.abc import Callable, Iterable

import qrcode

log = logging.getLogger(__name__)

# What the code below was written and tested against; requirements.txt pins them.
TESTED_VERSIONS = {"weasyprint": "70.0", "qrcode": "8.2"}

_PUBLIC_PATHS = {
    "weasyprint": "placards are drawn through WeasyPrint's public API (QR codes and cut marks as "
                  "inline SVG, every line laid out, every chunk kept until the PDF is written)",
    "qrcode": "QR codes are encoded through python-qrcode's public API",
}


def installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def public_path_warning(installed: dict[str, str | None], forced_off: bool) -> str | None:
    """The one line saying which library is taken through its public API, and why; None when
    the internals are used for both."""
    if forced_off:
        paths = "; ".join(f"{_PUBLIC_PATHS[name]}, slower" for name in TESTED_VERSIONS)
        return f"CHO40_LIBRARY_INTERNALS=off: {paths}."
    differing = [
        f"{name} {installed[name] or '(version unknown)'} is installed, not the {tested} "
        f"qr/library_internals.py was tested against: {_PUBLIC_PATHS[name]}, slower"
        for name, tested in TESTED_VERSIONS.items()
        if installed[name] != tested
    ]
    return f"{'; '.join(differing)}." if differing else None


_installed = {name: installed_version(name) for name in TESTED_VERSIONS}
_forced_off = os.environ.get("CHO40_LIBRARY_INTERNALS") == "off"
_usable = {name: not _forced_off and _installed[name] == tested
           for name, tested in TESTED_VERSIONS.items()}
# Read at each call (tests set them to False to take the public path).
USE_WEASYPRINT_INTERNALS = _usable["weasyprint"]
USE_QRCODE_INTERNALS = _usable["qrcode"]
if _warning := public_path_warning(_installed, _forced_off):
    log.warning(_warning)


# ---------------------------------------------------------------------------------------------
# python-qrcode 8.2: the parts of a symbol that do not depend on the data (qr.render._blanks).
# Its internal modules are imported where they are used: another version may not have them.


def qrcode_blocks(version: int, error_correction: int) -> tuple[tuple[int, int], ...]:
    """(data codewords, error correction codewords) of each block of a symbol (ISO/IEC 18004
    table 9, as python-qrcode tabulates it)."""
    from qrcode.base import rs_blocks

    return tuple(
        (block.data_count, block.total_count - block.data_count)
        for block in rs_blocks(version, error_correction)
    )


def qrcode_blank_symbols(
    version: int, error_correction: int, codewords: int
) -> dict[tuple[bool, int], list[list[bool]]]:
    """For each (scored, mask): the module matrix of the symbol whose `codewords` are all zero,
    as QRCode.makeImpl lays it out; `scored` leaves the format and version information light, as
    python-qrcode does when it scores the masks."""
    symbols = {}
    for scored in (False, True):
        for mask in range(8):
            code = qrcode.QRCode(version=version, error_correction=error_correction, border=0)
            code.data_cache = [0] * codewords
            code.makeImpl(scored, mask)
            symbols[scored, mask] = code.modules
    return symbols


def qrcode_function_patterns(version: int, error_correction: int) -> list[list[bool | None]]:
    """The module matrix with only the function patterns and the format and version information
    laid, as QRCode.makeImpl lays them before placing the data: None where data goes."""
    n = version * 4 + 17
    code = qrcode.QRCode(version=version, error_correction=error_correction, border=0)
    code.modules_count = n
    code.modules = [[None] * n for _ in range(n)]
    for row, column in ((0, 0), (n - 7, 0), (0, n - 7)):
        code.setup_position_probe_pattern(row, column)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(False, 0)
    if version >= 7:
        code.setup_type_number(False)
    return code.modules


# ---------------------------------------------------------------------------------------------
# WeasyPrint 70.0: painting over laid-out pages, and pages laid out as the PDF is written.
# WeasyPrint is imported where it is used: it takes most of a second, which only processes that
# print should pay.

MM = 96 / 25.4  # CSS px in a millimetre: WeasyPrint paints pages in CSS px, y down


def take_anchor(page, element_id: str) -> tuple[float, float, float, float]:
    """Where the element with this id was laid out on a page, (left, top, right, bottom) in CSS
    px (WeasyPrint documents a point; 70.0 keeps the box), taken out of the page's anchors so
    that it does not become a named destination of the PDF."""
    return page.anchors.pop(element_id)


class StampedText:
    """Texts laid out once, in a reference document, and stamped wherever an empty line of the
    same width was laid out for them. WeasyPrint draws each text once, for the first page stamped
    with it, into a scratch copy of that page's stream (sharing the PDF's fonts, so the glyphs
    are embedded as usual); every stamp then gets those operators, moved to where its line is."""

    def __init__(self, document):
        self.document = document  # kept: its boxes' Pango layouts are drawn from
        self.texts = {}  # key -> (left, top) of the laid-out line, and its text boxes
        self.operators = {}

    def __contains__(self, key) -> bool:
        return key in self.texts

    def add(self, key, page, element_id: str, *, one_line: bool = False) -> bool:
        """Take the text of the element with this id, on a page of the reference document, as
        the text of `key` (with `one_line`, only if it takes one line); whether it was taken."""
        left, top, _, _ = page.anchors[element_id]
        boxes = _text_boxes(page, element_id)
        if one_line and len({box.position_y for box in boxes}) > 1:
            return False
        self.texts[key] = ((left, top), boxes)
        return True

    def stamp(self, stream, key, left: float, top: float) -> None:
        """Draw the text of `key` with its line's top left corner at (left, top), in CSS px."""
        (origin_left, origin_top), boxes = self.texts[key]
        operators = self.operators.get(key)
        if operators is None:
            from weasyprint.draw.text import draw_text

            scratch = stream.clone()
            for box in boxes:
                draw_text(scratch, box, 0, "clip", "none")
            operators = self.operators[key] = list(scratch.stream)
        with stream.stacked():
            stream.transform(e=left - origin_left, f=top - origin_top)
            stream.stream.extend(operators)


def _text_boxes(page, element_id: str) -> list:
    """The laid-out text boxes inside the element with this id, on a WeasyPrint page."""
    from weasyprint.formatting_structure.boxes import TextBox

    for box in page._page_box.descendants():
        if box.element is not None and box.element.get("id") == element_id:
            texts = [child for child in box.descendants() if isinstance(child, TextBox)]
            if not texts:
                raise RuntimeError(f"#{element_id} has no text")
            return texts
    raise RuntimeError(f"#{element_id} is not on the page")


def paint_over(
    page,
    codes: Iterable[tuple[float, float, float, bytes]],
    stamps: Iterable[tuple[object, float, float]] = (),
    stamped_text: StampedText | None = None,
    cut_marks: bytes | None = None,
) -> None:
    """Have the page, when WeasyPrint paints it, also draw each QR code (left, top, module width
    in CSS px, the PDF path operators of its dark modules in module units:
    qr.render.qr_pdf_operators), each stamp (key of `stamped_text`, left, top) and the cut marks
    (cut_mark_operators).

    WeasyPrint would draw an inline SVG too, but its SVG path parser spends 10 to 17 ms on each
    code, more than laying out all the rest of a placard; PDF operators, made once per payload,
    cost nothing to draw. They are painted right after the page, in the coordinate system
    WeasyPrint paints pages in (CSS px, y down).
    """
    paint_page = page.paint

    def paint(stream, scale=1):
        paint_page(stream, scale)
        with stream.stacked():
            stream.transform(a=scale, d=scale)
            for key, left, top in stamps:
                stamped_text.stamp(stream, key, left, top)
            stream.set_color_rgb(0, 0, 0)
            if cut_marks:
                stream.set_color_rgb(0, 0, 0, stroke=True)
                stream.stream.append(cut_marks)
            for left, top, module, operators in codes:
                with stream.stacked():
                    stream.transform(a=module, d=module, e=left, f=top)
                    stream.stream.append(operators)

    page.paint = paint


@functools.cache
def cut_mark_operators(lines: tuple[tuple[float, float, float, float], ...], width: float) -> bytes:
    """Cut marks, lines (x1, y1, x2, y2) `width` thick in mm from the page's top left corner, as
    PDF path operators for paint_over. Drawn like the QR codes: as a page background image,
    WeasyPrint drew the SVG again for every sheet, a fortieth of a batch's time."""
    path = [f"{x1 * MM:.2f} {y1 * MM:.2f} m {x2 * MM:.2f} {y2 * MM:.2f} l"
            for x1, y1, x2, y2 in lines]
    return "\n".join([f"{width * MM:.3f} w 0 J", *path, "S"]).encode()


def write_pdf_lazily(document, pages: Iterable[Callable[[], object]]) -> bytes:
    """The PDF of `document` (its metadata, fonts and settings) with these pages, each given as
    a function returning it laid out, called only when WeasyPrint reaches that page."""
    return document.copy([_LazyPage(load) for load in pages]).write_pdf()


class _LazyPage:
    """Stands for a page of weasyprint.Document.pages until WeasyPrint writes it: write_pdf()
    reads each page's size, then paints it, in page order, so a page is laid out (by whoever
    made `load`) only when it is reached. Anchors, links and bookmarks: none."""

    def __init__(self, load: Callable[[], object]):
        self._load = load
        self.anchors, self.links, self.bookmarks, self.forms = {}, [], [], {None: []}
        self._measures = None

    def _measured(self):
        if self._measures is None:
            page = self._load()
            self._measures = (page.width, page.height, page.bleed)
        return self._measures

    width = property(lambda self: self._measured()[0])
    height = property(lambda self: self._measured()[1])
    bleed = property(lambda self: self._measured()[2])

    def paint(self, stream, scale=1):
        self._load().paint(stream, scale)
