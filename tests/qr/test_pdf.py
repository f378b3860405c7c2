"""Placard PDFs read back as a phone would: rasterised by poppler, every QR code decoded by
zxing-cpp, parsed and compared with the vendor's bank account; the text by pdftotext. Drawn both
ways: painted over WeasyPrint's pages through qr.library_internals, and by WeasyPrint's public API
alone (what other library versions get), which must print the same."""

from __future__ import annotations

import pytest
from PIL import ImageChops

from qr.layouts import LAYOUTS
from qr.pdf import render_market_placards, render_vendor_placard
from qr.placard_data import market_placards
from tests.qr import pdf_checks
from tests.qr.conftest import BANK_NAMES, transfer_of, use_public_api


@pytest.fixture(params=["library internals", "public API"])
def drawing(request):
    """Which way the test's PDFs are drawn."""
    if request.param == "public API":
        request.getfixturevalue("public_api")
    return request.param


@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_batch_pdf_holds_every_placard_once_in_stall_order_and_every_code_pays_its_account(
    session, market, per_page, drawing
):
    placards = market_placards(session, market.id)
    pdf = render_market_placards(placards, per_page, title="Chợ Đại Từ")

    pages = -(-len(placards) // per_page)
    assert pdf_checks.page_sizes_mm(pdf) == [(210, 297)] * pages
    codes = pdf_checks.read_codes(pdf, dpi=100 if per_page == 4 else 72)
    assert [code.page for code in codes] == [1 + i // per_page for i in range(len(placards))]
    paid = [(transfer_of(code.payload).bin, transfer_of(code.payload).account) for code in codes]
    assert paid == [(bin_, account) for _, _, bin_, account in market.expected]
    for code in codes:
        assert code.ec_level in ("M", "Q", "H")
        assert code.width_mm >= 50, f"printed {code.width_mm:.1f} mm wide"


@pytest.mark.parametrize(("per_page", "cuts_x", "cuts_y"), [
    (1, [10, 200], [10, 287]),
    (2, [10, 200], [10, 148.5, 287]),
    (4, [10, 105, 200], [10, 148.5, 287]),
])
def test_sheets_have_cut_marks_in_the_margins_in_line_with_the_cell_edges(
    session, market, per_page, cuts_x, cuts_y, drawing
):
    pdf = render_market_placards(market_placards(session, market.id)[:per_page], per_page)
    (sheet,) = pdf_checks.rasterise(pdf, dpi=150)
    marked, blank = _sheet_marks(sheet, dpi=150)
    # Each cell edge is marked in both margins across it, 2 mm off the sheet's edge and off the
    # cells; nothing else is printed in the margins.
    for x in cuts_x:
        assert marked(x, 3, x, 7) and marked(x, 290, x, 294), f"no cut mark at x = {x} mm"
    for y in cuts_y:
        assert marked(3, y, 7, y) and marked(203, y, 207, y), f"no cut mark at y = {y} mm"
    for x in (30, 60, 150, 180):
        assert blank(x - 2, 0, x + 2, 10) and blank(x - 2, 287, x + 2, 297), f"a mark at x = {x}"
    for y in (50, 100, 200, 250):
        assert blank(0, y - 2, 10, y + 2) and blank(200, y - 2, 210, y + 2), f"a mark at y = {y}"
    assert blank(0, 0, 9, 1.5) and blank(0, 0, 1.5, 9)  # nothing reaches the sheet's edge


def _sheet_marks(sheet, dpi):
    """Two questions about a rasterised sheet, in mm from its top left corner: is the segment
    between two points drawn all along (the marks are 0.2 mm thick: a pixel or two across), and
    is a box blank."""
    grey = sheet.convert("L")
    px = dpi / 25.4

    def darkest(left, top, right, bottom):
        return grey.crop((round(left), round(top), round(right), round(bottom))).getextrema()[0]

    def marked(x1, y1, x2, y2):
        steps = max(1, round(max(abs(x2 - x1), abs(y2 - y1)) * px))
        points = [((x1 + (x2 - x1) * i / steps) * px, (y1 + (y2 - y1) * i / steps) * px)
                  for i in range(steps + 1)]
        return all(darkest(x - 2, y - 2, x + 3, y + 3) < 128 for x, y in points)

    def blank(x1, y1, x2, y2):
        return darkest(x1 * px, y1 * px, x2 * px, y2 * px) >= 128

    return marked, blank


@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_each_placard_of_a_sheet_looks_exactly_as_it_does_printed_alone(session, market, per_page):
    # A batch lays out the words placards share once and repeats them in every cell; the cells
    # must come out as each placard laid out on its own would. At 254 dpi a millimetre is 10
    # pixels, so the cells start on whole pixels and can be compared pixel for pixel.
    placards = market_placards(session, market.id)[:4]
    sheets = pdf_checks.rasterise(render_market_placards(placards, per_page), dpi=254)
    cells = LAYOUTS[per_page].cells  # all of one size

    for number, placard in enumerate(placards):
        in_sheet = sheets[number // per_page].convert("L").crop(_pixels(cells[number % per_page]))
        (alone,) = pdf_checks.rasterise(render_market_placards([placard], per_page), dpi=254)
        difference = ImageChops.difference(in_sheet, alone.convert("L").crop(_pixels(cells[0])))
        assert difference.getbbox() is None, f"placard {number} differs in {difference.getbbox()}"


def _pixels(cell):
    """A cell's box in pixels at 254 dpi (10 a millimetre)."""
    return [round(mm * 10) for mm in (cell.left, cell.top, cell.left + cell.width,
                                      cell.top + cell.height)]


@pytest.mark.parametrize("layout", [1, 2, 4, "a6", "a4"])
def test_the_public_api_prints_what_the_library_internals_print(
    session, market, monkeypatch, layout
):
    # The same text, and the same pixels at 254 dpi, where the cells start on whole pixels: every
    # cell, codes and text, pixel for pixel; the margins, where the cut marks are, to within 8
    # grey levels of 255, as the painted marks end to a hundredth of a CSS px and the SVG's
    # exactly, so poppler shades a few pixels at their ends a little differently (4 levels on 6
    # pixels a sheet, measured).
    placards = market_placards(session, market.id)[:5]  # two sheets at 4 a page

    def pdf():
        if layout in ("a6", "a4"):
            return render_vendor_placard(placards[0], layout)
        return render_market_placards(placards, layout)

    painted_pdf = pdf()
    use_public_api(monkeypatch)
    drawn_pdf = pdf()
    assert pdf_checks.text(drawn_pdf) == pdf_checks.text(painted_pdf)
    painted = pdf_checks.rasterise(painted_pdf, dpi=254)
    drawn = pdf_checks.rasterise(drawn_pdf, dpi=254)
    assert len(drawn) == len(painted)
    for number, (one, other) in enumerate(zip(painted, drawn), start=1):
        difference = ImageChops.difference(one.convert("L"), other.convert("L"))
        for cell in LAYOUTS[layout].cells:
            box = _pixels(cell)
            assert difference.crop(box).getbbox() is None, f"sheet {number}, cell at {box}"
        assert difference.getextrema()[1] <= 8, f"sheet {number} differs in {difference.getbbox()}"


def test_placard_text_keeps_its_diacritics_in_embedded_fonts(session, market, drawing):
    pdf = render_market_placards(market_placards(session, market.id), 4)
    text = pdf_checks.text(pdf)
    for stall, holder, bin_, account in market.expected:
        assert holder in text
        assert account in text
        assert BANK_NAMES[bin_] in text
        if stall:
            assert f"Quầy {stall} · Chợ Đại Từ" in text
    assert text.count("Quét mã để thanh toán") == len(market.expected)
    assert "Mở ứng dụng ngân hàng, quét mã, nhập số tiền và xác nhận." in text

    fonts = pdf_checks.fonts(pdf)
    assert fonts, "no font in the PDF"
    # Only the shipped Noto Sans, embedded (and subset): never a font of the machine.
    assert all(font["name"].split("+")[-1].startswith("Cho40-Noto-Sans") for font in fonts), fonts
    assert all(font["emb"] == "yes" for font in fonts), fonts


@pytest.mark.parametrize(
    ("size", "page", "min_width"), [("a6", (105, 148), 50), ("a4", (210, 297), 100)]
)
def test_vendor_placard_is_one_page_of_its_size_with_the_vendors_code(
    session, market, size, page, min_width, drawing
):
    placard = market_placards(session, market.id)[3]
    pdf = render_vendor_placard(placard, size)
    assert pdf_checks.page_sizes_mm(pdf) == [page]
    codes = pdf_checks.read_codes(pdf, dpi=72)
    assert [code.payload for code in codes] == [placard.payload]
    assert codes[0].width_mm >= min_width
    transfer = transfer_of(codes[0].payload)
    assert (transfer.bin, transfer.account) == ("970436", "0011001234567")
    text = pdf_checks.text(pdf)
    assert "NGUYỄN THỊ THU" in text and "Quầy A-10 · Chợ Đại Từ" in text


def test_big_batches_are_laid_out_in_chunks_but_make_one_pdf(
    session, market, monkeypatch, drawing
):
    from qr import pdf as module

    monkeypatch.setattr(module, "CHUNK_SIZE", 4)
    placards = market_placards(session, market.id)
    seen = []
    pdf = render_market_placards(placards, 2, progress=seen.append)
    codes = pdf_checks.read_codes(pdf, dpi=72)
    assert [code.payload for code in codes] == [p.payload for p in placards]
    assert seen == [4, 8, 10]
    assert len(pdf_checks.fonts(pdf)) == 2  # one regular, one bold, for the whole document


def test_bad_sizes_are_refused(session, market):
    placard = market_placards(session, market.id)[0]
    with pytest.raises(ValueError):
        render_vendor_placard(placard, "a5")
    with pytest.raises(ValueError):
        render_market_placards([placard], 3)
    with pytest.raises(ValueError):
        render_market_placards([], 4)
