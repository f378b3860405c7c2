"""Placards as PDFs made by WeasyPrint: one vendor's card or poster, or a market's sheets with cut
marks, many placards to a document."""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import threading
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qr.layouts import CUT_MARK_WIDTH, LAYOUTS, PER_PAGE_CHOICES, VENDOR_SIZES, Layout
from qr.placard_data import Placard
from qr.render import qr_pdf_operators, qr_symbol

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATE_DIR = ROOT / "templates"

_templates = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_vendor_placard(placard: Placard, size: str = "a6") -> bytes:
    """One vendor's placard as a PDF: an A6 stand-up card or an A4 poster."""
    if size not in VENDOR_SIZES:
        raise ValueError(f"size must be one of {VENDOR_SIZES}, not {size!r}")
    title = f"Mã QR thanh toán — {placard.vendor_name}"
    return _render_pdf([placard], LAYOUTS[size], title)


def render_market_placards(
    placards: list[Placard],
    per_page: int = 4,
    *,
    title: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Many placards, in the order given, `per_page` to an A4 page with cut marks, as ONE
    WeasyPrint document (fonts, styles and page setup are done once for the lot);
    `progress(placards laid out so far)` is called as it goes."""
    if per_page not in PER_PAGE_CHOICES:
        raise ValueError(f"per_page must be one of {PER_PAGE_CHOICES}, not {per_page!r}")
    if not placards:
        raise ValueError("no placards to print")
    return _render_pdf(list(placards), LAYOUTS[per_page], title or "Mã QR thanh toán", progress)


# Placards laid out per WeasyPrint document. The PDF is still one document (one set of fonts, one
# page tree), but only this many placards' boxes are held in memory at a time (see _LazyPage):
# a 1,000-vendor market peaks at about 165 MB with 250, 135 MB with 100; each document costs as
# much to set up as a whole single placard.
CHUNK_SIZE = 250
_BETWEEN_TAGS = re.compile(r">\s+<")


def _render_pdf(
    placards: list[Placard],
    layout: Layout,
    title: str,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    per_page = len(layout.cells)
    chunk_size = CHUNK_SIZE - CHUNK_SIZE % per_page
    renderer = _ChunkRenderer(placards, layout, title, _font_config(), progress,
                              stamped=len(placards) > 1)
    chunks = range(0, len(placards), chunk_size)
    with _collecting_per_chunk():
        first = renderer.render(0, chunk_size)
        pages = [
            _LazyPage(renderer, start, chunk_size, index)
            for start in chunks
            for index in range(-(-min(chunk_size, len(placards) - start) // per_page))
        ]
        pdf = first.copy(pages).write_pdf()
    if progress:
        progress(len(placards))
    return pdf


_fonts = threading.local()


def _font_config():
    """This thread's WeasyPrint font configuration, made once. A new one for each document (as
    WeasyPrint does when given none) costs 10 ms and leaves about 0.3 MB of fontconfig's memory
    behind every time: a web process printing placards all day would only grow."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = True


@contextlib.contextmanager
def _collecting_per_chunk():
    """Python's cyclic garbage collector off while placards are laid out, and run on the
    youngest generation as each chunk is dropped (_ChunkRenderer.page). WeasyPrint makes
    hundreds of thousands of objects a chunk, so the collector would otherwise run hundreds of
    times, and scan all the app's objects each time it reaches the oldest generation: about a
    tenth of the run, measured. Renders in other threads share the switch; the last one to
    finish puts it back as it was."""
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


class _ChunkRenderer:
    """Lays out placards[start:start + size] as one WeasyPrint document when asked, keeping only
    the pages of the chunk being written."""

    def __init__(self, placards, layout, title, font_config, progress=None, stamped=False):
        self.placards, self.layout, self.title = placards, layout, title
        self.font_config, self.progress = font_config, progress
        self.cut_marks = _cut_mark_operators(layout) if layout.cut_marks else None
        self.start, self.pages = None, []
        # Set before the reference cells are laid out, so that they are laid out unstamped.
        self.stamps = None
        if stamped:
            self.stamps = _StampedLines(self._layout_html, placards)

    def _layout_html(self, placards: list[Placard], first_index: int = 0):
        """The WeasyPrint document of these placards, and its sheets: (index, placard, names of
        the lines stamped in) per cell."""
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        per_page = len(self.layout.cells)
        cells = [(index, placard, self.stamps.lines_of(placard) if self.stamps else ())
                 for index, placard in enumerate(placards, first_index)]
        sheets = [cells[i : i + per_page] for i in range(0, len(cells), per_page)]
        html = _templates.get_template("qr/placards.html").render(
            title=self.title,
            layout=self.layout,
            sheets=sheets,
        )
        # No element here is sensitive to white space between tags; dropping it spares
        # WeasyPrint's parser and box builder thousands of empty text nodes.
        html = _BETWEEN_TAGS.sub("><", html)
        # Only local files (the fonts): nothing from outside.
        fetcher = URLFetcher(allowed_protocols=("file",))
        document = HTML(string=html, base_url=f"{STATIC_DIR}/", url_fetcher=fetcher).render(
            font_config=self.font_config)
        if len(document.pages) != len(sheets):
            raise RuntimeError(f"{len(sheets)} sheets laid out on {len(document.pages)} pages")
        return document, sheets

    def render(self, start: int, size: int):
        document, sheets = self._layout_html(self.placards[start : start + size], start)
        for page, sheet in zip(document.pages, sheets):
            codes, stamps = [], []
            for index, placard, stamped in sheet:
                # The ids make anchors: WeasyPrint reports where each box was laid out. They
                # are all taken, so that none becomes a named destination in the PDF.
                left, top, right, _ = page.anchors.pop(f"qr-{index}")
                codes.append((left, top, right - left, placard.payload))
                for line in _StampedLines.LINES:
                    left, top, _, _ = page.anchors.pop(f"{line}-{index}")
                    if line in stamped:
                        stamps.append((self.stamps.key(line, placard), left, top))
            _paint_extras_on(page, codes, stamps, self.stamps, self.cut_marks)
        self.start, self.pages = start, list(document.pages)
        return document

    def page(self, start: int, size: int, index: int):
        if self.start != start:
            self.pages = []  # free the chunk written before this one
            gc.collect(0)
            if self.progress:
                self.progress(start)
            self.render(start, size)
        return self.pages[index]


class _LazyPage:
    """Stands for a page of weasyprint.Document.pages until WeasyPrint writes it: write_pdf()
    reads each page's size, then paints it, in page order, so a chunk is laid out when its first
    page is reached and dropped once the next chunk is. Anchors, links and bookmarks: none."""

    def __init__(self, renderer: _ChunkRenderer, start: int, size: int, index: int):
        self._renderer, self._start, self._size, self._index = renderer, start, size, index
        self.anchors, self.links, self.bookmarks, self.forms = {}, [], [], {None: []}
        self._measures = None

    def _page(self):
        return self._renderer.page(self._start, self._size, self._index)

    def _measured(self):
        if self._measures is None:
            page = self._page()
            self._measures = (page.width, page.height, page.bleed)
        return self._measures

    width = property(lambda self: self._measured()[0])
    height = property(lambda self: self._measured()[1])
    bleed = property(lambda self: self._measured()[2])

    def paint(self, stream, scale=1):
        self._page().paint(stream, scale)


class _StampedLines:
    """The lines a batch's placards show word for word (`LINES`, the ids' prefixes in the
    template): the call to scan and the instruction on all of them, a bank's name on all of that
    bank's. Each text is laid out once, in a reference document of one cell per bank, and
    stamped into every cell that shows it, where that line was left empty.

    Laying out and drawing text is most of a placard's time, and these are half its lines.
    WeasyPrint draws each text once, for the first cell painted with it, into a scratch copy of
    that page's stream (sharing the PDF's fonts, so the glyphs are embedded as usual); every
    cell then gets those operators, moved to where its empty line was laid out. The cells of a
    batch share one width, so the centred text sits in each as it would have been laid out
    there; a bank's name is stamped only when it takes one line, the height `.bank.stamped`
    keeps for it (tests compare every cell with its placard printed alone, pixel for pixel).
    """

    LINES = ("call", "bank", "how")

    def __init__(self, layout_html, placards: list[Placard]):
        banks = sorted({placard.bank_short_name for placard in placards})
        # One cell per bank; the other lines of these stand-ins are not used.
        reference = [Placard(0, "", "", bank, "", "", None, None, "") for bank in banks]
        self.document, sheets = layout_html(reference)  # kept: its boxes' Pango layouts are used
        self.texts = {}  # key -> (left, top) of the laid-out line, and its text boxes
        for page, sheet in zip(self.document.pages, sheets):
            for index, placard, _ in sheet:
                for line in self.LINES:
                    key = self.key(line, placard)
                    if key in self.texts:
                        continue
                    left, top, _, _ = page.anchors[f"{line}-{index}"]
                    boxes = _text_boxes(page, f"{line}-{index}")
                    if line == "bank" and len({box.position_y for box in boxes}) > 1:
                        continue  # a name on two lines: laid out where it is printed
                    self.texts[key] = ((left, top), boxes)
        self.operators = {}

    @staticmethod
    def key(line: str, placard: Placard) -> tuple[str, str | None]:
        return (line, placard.bank_short_name if line == "bank" else None)

    def lines_of(self, placard: Placard) -> tuple[str, ...]:
        """The lines of this placard that are stamped in."""
        return tuple(line for line in self.LINES if self.key(line, placard) in self.texts)

    def stamp(self, stream, key: tuple[str, str | None], left: float, top: float) -> None:
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
                raise RuntimeError(f"#{element_id} of the placard template has no text")
            return texts
    raise RuntimeError(f"#{element_id} is not in the placard template")


def _paint_extras_on(page, codes: list[tuple[float, float, float, str]], stamps=(),
                     stamped_lines: _StampedLines | None = None,
                     cut_marks: bytes | None = None) -> None:
    """Draw each QR code as PDF vector paths into its laid-out box (x, y, width in CSS px),
    each stamped line (key, x, y) of `stamped_lines`, and the sheet's cut marks.

    WeasyPrint would draw an inline SVG too, but its SVG path parser spends 10 to 17 ms on each
    code, more than laying out all the rest of a placard; PDF operators, made once per payload
    (qr.render.qr_pdf_operators), cost nothing to draw. They are painted right after the page, in
    the coordinate system WeasyPrint paints pages in (CSS px, y down).
    """
    paint_page = page.paint

    def paint(stream, scale=1):
        paint_page(stream, scale)
        with stream.stacked():
            stream.transform(a=scale, d=scale)
            for key, left, top in stamps:
                stamped_lines.stamp(stream, key, left, top)
            stream.set_color_rgb(0, 0, 0)
            if cut_marks:
                stream.set_color_rgb(0, 0, 0, stroke=True)
                stream.stream.append(cut_marks)
            for left, top, width, payload in codes:
                module = width / qr_symbol(payload).size
                with stream.stacked():
                    stream.transform(a=module, d=module, e=left, f=top)
                    stream.stream.append(qr_pdf_operators(payload))

    page.paint = paint


MM = 96 / 25.4  # CSS px in a millimetre: WeasyPrint paints pages in CSS px


@functools.cache
def _cut_mark_operators(layout: Layout) -> bytes:
    """The cut marks of a sheet as PDF path operators in CSS px, y down: short lines in the
    margins, in line with every edge of the cells, stopping 2 mm short of them and of the
    sheet's edge. Drawn like the QR codes: as a page background image, WeasyPrint drew the SVG
    again for every sheet, a fortieth of a batch's time."""
    path = [f"{x1 * MM:.2f} {y1 * MM:.2f} m {x2 * MM:.2f} {y2 * MM:.2f} l"
            for x1, y1, x2, y2 in layout.cut_mark_lines()]
    return "\n".join([f"{CUT_MARK_WIDTH * MM:.3f} w 0 J", *path, "S"]).encode()
