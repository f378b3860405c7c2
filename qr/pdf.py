"""Placards as PDFs made by WeasyPrint: one vendor's card or poster, or a market's sheets with cut
marks, many placards to a document. The QR codes, the lines every placard shares and the cut marks
are painted over the laid-out pages through qr.library_internals when it can; else WeasyPrint
draws them from the HTML, slower, and they print the same."""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import threading
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qr import library_internals
from qr.layouts import CUT_MARK_WIDTH, LAYOUTS, PER_PAGE_CHOICES, VENDOR_SIZES, Layout
from qr.placard_data import Placard
from qr.render import qr_pdf_operators, qr_svg, qr_symbol

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
# page tree), but only this many placards' boxes are held in memory at a time (see
# library_internals.write_pdf_lazily): a 1,000-vendor market peaks at about 165 MB with 250,
# 135 MB with 100; each document costs as much to set up as a whole single placard.
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
    with _collecting_per_chunk():
        if library_internals.USE_WEASYPRINT_INTERNALS:
            pdf = _PaintedChunks(placards, layout, title, progress).write_pdf(chunk_size)
        else:
            pdf = _write_pdf_with_public_api(placards, layout, title, chunk_size, progress)
    if progress:
        progress(len(placards))
    return pdf


def _lay_out(
    placards: list[Placard],
    layout: Layout,
    title: str,
    first_index: int = 0,
    *,
    painted: bool,
    stamped_lines: Callable[[Placard], tuple[str, ...]] | None = None,
):
    """The WeasyPrint document of these placards, and its sheets: (index, placard, names of the
    lines stamped in) per cell. `painted`: the QR codes and cut marks are left out, to be painted
    over the pages, and the ids of the template mark where; else the template draws them."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    per_page = len(layout.cells)
    cells = [(index, placard, stamped_lines(placard) if stamped_lines else ())
             for index, placard in enumerate(placards, first_index)]
    sheets = [cells[i : i + per_page] for i in range(0, len(cells), per_page)]
    html = _templates.get_template("qr/placards.html").render(
        title=title,
        layout=layout,
        sheets=sheets,
        painted=painted,
        qr_svg=qr_svg,
        cut_marks=_cut_marks_svg(layout) if layout.cut_marks and not painted else None,
    )
    # No element here is sensitive to white space between tags; dropping it spares
    # WeasyPrint's parser and box builder thousands of empty text nodes.
    html = _BETWEEN_TAGS.sub("><", html)
    # Only local files (the fonts): nothing from outside.
    fetcher = URLFetcher(allowed_protocols=("file",))
    document = HTML(string=html, base_url=f"{STATIC_DIR}/", url_fetcher=fetcher).render(
        font_config=_font_config())
    if len(document.pages) != len(sheets):
        raise RuntimeError(f"{len(sheets)} sheets laid out on {len(document.pages)} pages")
    return document, sheets


@functools.cache
def _cut_marks_svg(layout: Layout) -> str:
    """The cut marks of a sheet as SVG the size of the page, for the template to draw."""
    path = "".join(f"M{x1:g} {y1:g}L{x2:g} {y2:g}" for x1, y1, x2, y2 in layout.cut_mark_lines())
    w, h = layout.page_width, layout.page_height
    return (
        f'<svg class="cut-marks" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" '
        f'width="{w:g}mm" height="{h:g}mm"><path d="{path}" fill="none" stroke="#000" '
        f'stroke-width="{CUT_MARK_WIDTH:g}" stroke-linecap="butt"/></svg>'
    )


def _write_pdf_with_public_api(
    placards: list[Placard],
    layout: Layout,
    title: str,
    chunk_size: int,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The PDF as WeasyPrint's public API makes it: each chunk a document with the QR codes and
    cut marks as inline SVG and every line laid out, the chunks' pages written together as
    WeasyPrint documents combining documents. Slower, and every chunk is held until the PDF is
    written: a 1,000-vendor market took 4 to 5 times as long, and 350 MB at peak (measured)."""
    documents = []
    for start in range(0, len(placards), chunk_size):
        if start:
            gc.collect(0)
            if progress:
                progress(start)
        document, _ = _lay_out(placards[start : start + chunk_size], layout, title, start,
                               painted=False)
        documents.append(document)
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


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
    youngest generation as each chunk is dropped (_PaintedChunks.page). WeasyPrint makes
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


class _PaintedChunks:
    """Lays out placards[start:start + size] as one WeasyPrint document when asked, with the QR
    codes, shared lines and cut marks painted over its pages (qr.library_internals), keeping only
    the pages of the chunk being written."""

    def __init__(self, placards, layout, title, progress=None):
        self.placards, self.layout, self.title, self.progress = placards, layout, title, progress
        self.cut_marks = None
        if layout.cut_marks:
            self.cut_marks = library_internals.cut_mark_operators(
                tuple(layout.cut_mark_lines()), CUT_MARK_WIDTH)
        self.start, self.pages = None, []
        # Set before the reference cells are laid out, so that they are laid out unstamped.
        self.shared = None
        if len(placards) > 1:
            self.shared = _SharedLines(self._lay_out, placards)

    def _lay_out(self, placards: list[Placard], first_index: int = 0):
        return _lay_out(placards, self.layout, self.title, first_index, painted=True,
                        stamped_lines=self.shared.lines_of if self.shared else None)

    def write_pdf(self, chunk_size: int) -> bytes:
        per_page = len(self.layout.cells)
        first = self.render(0, chunk_size)
        pages = [
            functools.partial(self.page, start, chunk_size, index)
            for start in range(0, len(self.placards), chunk_size)
            for index in range(-(-min(chunk_size, len(self.placards) - start) // per_page))
        ]
        return library_internals.write_pdf_lazily(first, pages)

    def render(self, start: int, size: int):
        document, sheets = self._lay_out(self.placards[start : start + size], start)
        for page, sheet in zip(document.pages, sheets):
            codes, stamps = [], []
            for index, placard, stamped in sheet:
                # The ids make anchors: WeasyPrint reports where each box was laid out.
                left, top, right, _ = library_internals.take_anchor(page, f"qr-{index}")
                module = (right - left) / qr_symbol(placard.payload).size
                codes.append((left, top, module, qr_pdf_operators(placard.payload)))
                for line in _SharedLines.LINES:
                    left, top, _, _ = library_internals.take_anchor(page, f"{line}-{index}")
                    if line in stamped:
                        stamps.append((self.shared.key(line, placard), left, top))
            library_internals.paint_over(page, codes, stamps,
                                         self.shared.text if self.shared else None,
                                         self.cut_marks)
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


class _SharedLines:
    """The lines a batch's placards show word for word (`LINES`, the ids' prefixes in the
    template): the call to scan and the instruction on all of them, a bank's name on all of that
    bank's. Each text is laid out once, in a reference document of one cell per bank, and
    stamped into every cell that shows it, where that line was left empty
    (library_internals.StampedText).

    Laying out and drawing text is most of a placard's time, and these are half its lines. The
    cells of a batch share one width, so the centred text sits in each as it would have been
    laid out there; a bank's name is stamped only when it takes one line, the height
    `.bank.stamped` keeps for it (tests compare every cell with its placard printed alone, pixel
    for pixel).
    """

    LINES = ("call", "bank", "how")

    def __init__(self, lay_out, placards: list[Placard]):
        banks = sorted({placard.bank_short_name for placard in placards})
        # One cell per bank; the other lines of these stand-ins are not used.
        reference = [Placard(0, "", "", bank, "", "", None, None, "") for bank in banks]
        document, sheets = lay_out(reference)
        self.text = library_internals.StampedText(document)
        for page, sheet in zip(document.pages, sheets):
            for index, placard, _ in sheet:
                for line in self.LINES:
                    key = self.key(line, placard)
                    if key not in self.text:
                        # A bank's name on two lines is laid out where it is printed.
                        self.text.add(key, page, f"{line}-{index}", one_line=line == "bank")

    @staticmethod
    def key(line: str, placard: Placard) -> tuple[str, str | None]:
        return (line, placard.bank_short_name if line == "bank" else None)

    def lines_of(self, placard: Placard) -> tuple[str, ...]:
        """The lines of this placard that are stamped in."""
        return tuple(line for line in self.LINES if self.key(line, placard) in self.text)
