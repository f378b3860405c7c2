"""Printable VietQR placards: what goes on a vendor's placard, read from the database in one
query, and the PDFs WeasyPrint makes of them (one vendor, or a market's sheets with cut marks)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from market.models import Market, Stall
from qr.models import Bank
from qr.payload import PayloadError, build_vietqr
from qr.render import qr_pdf_operators, qr_symbol
from textnorm import nfc, search_key
from vendors.models import PaymentMethod, PaymentMethodKind, Vendor
from vendors.status import active_on, payment_method_in_use_clause

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATE_DIR = ROOT / "templates"

VENDOR_SIZES = ("a6", "a4")
PER_PAGE_CHOICES = (1, 2, 4)


@dataclass(frozen=True)
class Placard:
    """What one vendor's placard shows; `payload` is the static VietQR code paying the account."""

    vendor_id: int
    vendor_name: str
    account_holder: str  # as the bank account has it, often upper case without diacritics
    bank_short_name: str
    bank_bin: str
    account_number: str
    stall_code: str | None
    market_name: str | None
    payload: str

    @property
    def holder_name(self) -> str:
        """The holder's name to print: banks keep "NGUYEN THI THU"; when that is the vendor's own
        name without its marks, print it with them ("NGUYỄN THỊ THU"), else as the bank has it."""
        if search_key(self.account_holder) == search_key(self.vendor_name):
            return nfc(self.vendor_name).upper()
        return self.account_holder


# ---------------------------------------------------------------------------------------------
# From the database


def vendor_placard(
    session: Session, vendor_id: int, *, day: dt.date | None = None
) -> Placard | None:
    """The placard of a vendor active on `day` (today) with a bank account in use then, or None."""
    placards = _placards(session, Vendor.id == vendor_id, day or dt.date.today())
    return placards[0] if placards else None


def market_placards(
    session: Session, market_id: int, *, day: dt.date | None = None
) -> list[Placard]:
    """The placard of every vendor of the market active on `day` (today) with a bank account in
    use then, in stall order (A-2 before A-10), vendors without a stall last."""
    placards = _placards(session, Vendor.market_id == market_id, day or dt.date.today())
    return sorted(placards, key=_stall_order)


def market_ids(session: Session, scope: ColumnElement[bool]) -> list[int]:
    """The markets in a person's scope (accounts.service.market_scope), a placard run's markets."""
    return list(session.scalars(select(Market.id).where(scope).order_by(Market.id)))


def count_market_placards(
    session: Session, market_ids: list[int], *, day: dt.date | None = None
) -> int:
    """How many placards the markets' sheets will hold (one query)."""
    day = day or dt.date.today()
    in_use = _bank_accounts_in_use(day, Vendor.market_id.in_(market_ids))
    return (
        session.scalar(
            select(func.count(func.distinct(in_use.c.vendor_id)))
            .join(Vendor, Vendor.id == in_use.c.vendor_id)
            .where(active_on(day))
        )
        or 0
    )


def _bank_accounts_in_use(day: dt.date, vendors: ColumnElement[bool]):
    """Bank-account payment methods in use on `day` by the vendors matched, ranked newest first
    per vendor (rank 1 is the account to print)."""
    return (
        select(
            PaymentMethod.vendor_id,
            PaymentMethod.bank_bin,
            PaymentMethod.account_number,
            PaymentMethod.account_holder,
            func.row_number()
            .over(
                partition_by=PaymentMethod.vendor_id,
                order_by=(PaymentMethod.started_on.desc(), PaymentMethod.id.desc()),
            )
            .label("rank"),
        )
        .where(
            PaymentMethod.kind == PaymentMethodKind.BANK_ACCOUNT,
            payment_method_in_use_clause(day),
            PaymentMethod.vendor_id.in_(select(Vendor.id).where(vendors)),
        )
        .subquery()
    )


def _placards(session: Session, vendors: ColumnElement[bool], day: dt.date) -> list[Placard]:
    account = _bank_accounts_in_use(day, vendors)
    stmt = (
        select(
            Vendor.id,
            Vendor.name,
            account.c.account_holder,
            Bank.short_name,
            account.c.bank_bin,
            account.c.account_number,
            Stall.code,
            Market.name,
        )
        .join(account, and_(account.c.vendor_id == Vendor.id, account.c.rank == 1))
        .join(Bank, Bank.bin == account.c.bank_bin)
        .outerjoin(Stall, Stall.id == Vendor.stall_id)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .where(vendors, active_on(day))
        .order_by(Stall.code, Vendor.name, Vendor.id)
    )
    placards = []
    for vendor_id, name, holder, bank, bin_, number, stall, market in session.execute(stmt):
        try:
            payload = build_vietqr(bin_, number)
        except PayloadError as error:
            # Account numbers are checked when entered; one that slipped through must not stop
            # a whole market's sheets from printing.
            log.warning("No placard for vendor %s: %s", vendor_id, error)
            continue
        placards.append(
            Placard(vendor_id, name, holder, bank, bin_, number, stall, market, payload)
        )
    return placards


def _stall_order(placard: Placard):
    code = placard.stall_code
    if code is None:
        return (1, (), placard.vendor_name, placard.vendor_id)
    # Numbers inside a stall code compare as numbers: A-2 before A-10.
    parts = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.findall(r"\d+|\D+", code)
    )
    return (0, parts, placard.vendor_name, placard.vendor_id)


# ---------------------------------------------------------------------------------------------
# PDF


@dataclass(frozen=True)
class Cell:
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    """A page: its size in mm, the cells placards fill in order, the type size class of
    templates/qr/placards.css, and whether cut marks are printed in the margins."""

    page_width: float
    page_height: float
    cells: tuple[Cell, ...]
    size: str
    cut_marks: bool

    @property
    def cell_styles(self) -> list[str]:
        """CSS placing each cell as a float: a cell at the leftmost edge starts a row, the first
        row is pushed down to its top edge; the cells of a row, and the rows, abut."""
        left = min(cell.left for cell in self.cells)
        top = min(cell.top for cell in self.cells)
        styles = []
        for cell in self.cells:
            style = f"width: {cell.width:g}mm; height: {cell.height:g}mm;"
            if cell.left == left:
                style += f" clear: left; margin-left: {cell.left:g}mm;"
            if cell.top == top:
                style += f" margin-top: {cell.top:g}mm;"
            styles.append(style)
        return styles


_MARGIN = 10  # mm around A4 sheets: past what office printers cannot reach, room for cut marks
_HALF_WIDTH, _HALF_HEIGHT = 105 - _MARGIN, 148.5 - _MARGIN
LAYOUTS = {
    "a6": Layout(105, 148, (Cell(0, 0, 105, 148),), "small", False),
    "a4": Layout(210, 297, (Cell(0, 0, 210, 297),), "large", False),
    1: Layout(210, 297, (Cell(_MARGIN, _MARGIN, 190, 277),), "large", True),
    2: Layout(210, 297, (Cell(_MARGIN, _MARGIN, 190, _HALF_HEIGHT),
                         Cell(_MARGIN, 148.5, 190, _HALF_HEIGHT)), "medium", True),
    4: Layout(210, 297, (Cell(_MARGIN, _MARGIN, _HALF_WIDTH, _HALF_HEIGHT),
                         Cell(105, _MARGIN, _HALF_WIDTH, _HALF_HEIGHT),
                         Cell(_MARGIN, 148.5, _HALF_WIDTH, _HALF_HEIGHT),
                         Cell(105, 148.5, _HALF_WIDTH, _HALF_HEIGHT)), "small", True),
}

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
CUT_MARK_WIDTH = 0.2  # mm
CUT_MARK_GAP = 2  # mm between a cut mark and the cell edge, and the sheet edge


@functools.cache
def _cut_mark_operators(layout: Layout) -> bytes:
    """The cut marks of a sheet as PDF path operators in CSS px, y down: short lines in the
    margins, in line with every edge of the cells, stopping 2 mm short of them and of the
    sheet's edge. Drawn like the QR codes: as a page background image, WeasyPrint drew the SVG
    again for every sheet, a fortieth of a batch's time."""
    xs = sorted({c.left for c in layout.cells} | {c.left + c.width for c in layout.cells})
    ys = sorted({c.top for c in layout.cells} | {c.top + c.height for c in layout.cells})
    w, h, gap = layout.page_width, layout.page_height, CUT_MARK_GAP
    top, bottom, left, right = min(ys), max(ys), min(xs), max(xs)
    lines = [(x, gap, x, top - gap) for x in xs] + [(x, bottom + gap, x, h - gap) for x in xs]
    lines += [(gap, y, left - gap, y) for y in ys] + [(right + gap, y, w - gap, y) for y in ys]
    path = [f"{x1 * MM:.2f} {y1 * MM:.2f} m {x2 * MM:.2f} {y2 * MM:.2f} l"
            for x1, y1, x2, y2 in lines]
    return "\n".join([f"{CUT_MARK_WIDTH * MM:.3f} w 0 J", *path, "S"]).encode()


# ---------------------------------------------------------------------------------------------
# A background run: many markets' sheets


def run_placards_job(context) -> str:
    """jobs task "placards": params {"market_ids": [...], "per_page": 1|2|4, "day": ISO date}.
    One market gives its PDF; several give a zip of one PDF per market that has placards."""
    from jobs.service import atomic_output

    session = context.session
    day = dt.date.fromisoformat(context.params["day"])
    per_page = int(context.params.get("per_page", 4))
    markets = session.execute(
        select(Market.id, Market.name)
        .where(Market.id.in_(context.params["market_ids"]))
        .order_by(Market.name, Market.id)
    ).all()
    total = count_market_placards(session, [market_id for market_id, _ in markets], day=day)
    context.progress(0, total)
    done = 0

    def sheets_of(market_id: int, name: str) -> bytes | None:
        nonlocal done
        placards = market_placards(session, market_id, day=day)
        if not placards:
            return None
        start = done
        pdf = render_market_placards(
            placards,
            per_page,
            title=f"Mã QR thanh toán — {name}",
            progress=lambda placed: context.progress(start + placed, total),
        )
        done = start + len(placards)
        return pdf

    if len(markets) == 1:
        market_id, name = markets[0]
        pdf = sheets_of(market_id, name)
        if pdf is None:
            raise ValueError(
                f"Chợ {name} chưa có tiểu thương nào có tài khoản ngân hàng đang dùng."
            )
        file_name = f"ma-qr-{file_slug(name, market_id)}-{per_page}.pdf"
        with atomic_output(context.output_dir / f"job-{context.job_id}-{file_name}") as out:
            out.write(pdf)
        return f"job-{context.job_id}-{file_name}"

    file_name = f"job-{context.job_id}-ma-qr-{len(markets)}-cho-{per_page}.zip"
    with atomic_output(context.output_dir / file_name) as out:
        # PDFs are compressed already: stored, not deflated again.
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            for market_id, name in markets:
                pdf = sheets_of(market_id, name)
                if pdf is not None:
                    archive.writestr(f"ma-qr-{file_slug(name, market_id)}.pdf", pdf)
    return file_name


def file_slug(name: str, record_id: int) -> str:
    """A market or vendor in a file name: its name without marks, then its id ("cho-dai-tu-12")."""
    return "-".join(re.findall(r"[a-z0-9]+", search_key(name)) + [str(record_id)])
