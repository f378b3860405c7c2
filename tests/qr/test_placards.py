"""Placards: which vendors get one and what it says (one query), and the PDFs read back as a
phone would: rasterised by poppler, every QR code decoded by zxing-cpp, parsed and compared with
the vendor's bank account."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
import zxingcpp
from PIL import Image, ImageChops
from sqlalchemy import event

from accounts.models import Role
from accounts.service import Scope
from qr.payload import extract_vietqr_transfer, parse_payload
from qr.placards import (
    LAYOUTS,
    market_placards,
    render_market_placards,
    render_vendor_placard,
    vendor_placard,
)
from tests.factories import (
    THU_DAU_MOT,
    login,
    make_bank_account,
    make_market,
    make_stall,
    make_user,
    make_vendor,
)
from tests.qr import pdf_checks
from vendors.models import PaymentMethod, PaymentMethodKind, WalletProvider

TODAY = dt.date.today()
BANK_NAMES = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970422": "MB Bank",
    "970418": "BIDV",
}


@dataclass
class Market:
    id: int
    name: str
    expected: list[tuple[str, str, str, str]]  # (stall, holder as printed, bin, account), in order
    without_account: int  # an active vendor with no bank account
    elsewhere: int  # a vendor of another market


@pytest.fixture
def market(session) -> Market:
    """A market of 10 vendors who get a placard, and 5 who do not, entered out of stall order."""
    market = make_market(session, name="Chợ Đại Từ")
    stalls = {
        code: make_stall(session, market, code)
        for code in [
            "A-10",
            "A-2",
            "A-1",
            "B-3",
            "B-12",
            "C-1",
            "A-3",
            "B-1",
            "C-2",
            "D-9",
            "D-1",
            "D-2",
        ]
    }
    expected = []

    def trader(stall, name, bin_, account, holder, **kw):
        vendor = make_vendor(
            session, market, name=name, stall_id=stalls[stall].id if stall else None
        )
        make_bank_account(
            session, vendor, bank_bin=bin_, account_number=account, account_holder=holder, **kw
        )
        return vendor

    # Banks keep holder names upper case without marks: printed with the vendor's own marks.
    trader("A-10", "Nguyễn Thị Thu", "970436", "0011001234567", "NGUYEN THI THU")
    trader("A-2", "Trần Văn Đức", "970415", "101872445566", "TRAN VAN DUC")
    trader("A-1", "Lê Thị Hồng Nhung", "970422", "0961234567", "LE THI HONG NHUNG")
    # A holder stored with its marks is printed as stored.
    trader("B-3", "Phạm Thị Ánh", "970418", "21510000123456", "PHẠM THỊ ÁNH")
    # A shop account in another name: printed as the bank has it.
    trader("B-12", "Hoàng Văn Bình", "970436", "1023456789", "CONG TY TNHH BINH AN")
    trader("C-1", "Đỗ Thị Mai", "970436", "0451000123456", "DO THI MAI")
    trader("A-3", "Vũ Văn Hải", "970415", "108000222333", "VU VAN HAI")
    trader(None, "Bùi Thị Lan", "970422", "0987000111", "BUI THI LAN")  # no stall: last
    # Two accounts in use: the one opened last is printed.
    two = trader(
        "B-1",
        "Ngô Thị Yến",
        "970436",
        "0011000000001",
        "NGO THI YEN",
        started_on=dt.date(2023, 1, 1),
    )
    make_bank_account(
        session,
        two,
        bank_bin="970418",
        account_number="31410000999888",
        account_holder="NGO THI YEN",
        started_on=dt.date(2024, 6, 1),
    )
    # An account closed, then another opened.
    moved = trader(
        "C-2",
        "Đinh Văn Tú",
        "970415",
        "100000000001",
        "DINH VAN TU",
        started_on=dt.date(2022, 1, 1),
        stopped_on=dt.date(2024, 1, 1),
    )
    make_bank_account(
        session,
        moved,
        bank_bin="970422",
        account_number="0912000333",
        account_holder="DINH VAN TU",
        started_on=dt.date(2024, 1, 1),
    )
    expected = [
        ("A-1", "LÊ THỊ HỒNG NHUNG", "970422", "0961234567"),
        ("A-2", "TRẦN VĂN ĐỨC", "970415", "101872445566"),
        ("A-3", "VŨ VĂN HẢI", "970415", "108000222333"),
        ("A-10", "NGUYỄN THỊ THU", "970436", "0011001234567"),
        ("B-1", "NGÔ THỊ YẾN", "970418", "31410000999888"),
        ("B-3", "PHẠM THỊ ÁNH", "970418", "21510000123456"),
        ("B-12", "CONG TY TNHH BINH AN", "970436", "1023456789"),
        ("C-1", "ĐỖ THỊ MAI", "970436", "0451000123456"),
        ("C-2", "ĐINH VĂN TÚ", "970422", "0912000333"),
        (None, "BÙI THỊ LAN", "970422", "0987000111"),
    ]

    # No placard for these five:
    gone = trader("D-9", "Mai Văn Cũ", "970436", "0011002222222", "MAI VAN CU")  # left the market
    gone.status_periods[0].left_on = dt.date(2024, 6, 1)
    trader(
        "D-1",
        "Lý Thị Đóng",
        "970436",
        "0011003333333",
        "LY THI DONG",  # account closed
        started_on=dt.date(2023, 1, 1),
        stopped_on=dt.date(2024, 3, 1),
    )
    trader(
        "D-2",
        "Tạ Văn Sau",
        "970436",
        "0011004444444",
        "TA VAN SAU",  # opens next month
        started_on=TODAY + dt.timedelta(days=31),
    )
    wallet_only = make_vendor(session, market, name="Cao Thị Ví")
    session.add(
        PaymentMethod(
            vendor_id=wallet_only.id,
            kind=PaymentMethodKind.EWALLET,
            wallet_provider=WalletProvider.MOMO,
            started_on=dt.date(2024, 1, 1),
        )
    )
    without_account = make_vendor(session, market, name="Lương Văn Không")
    other = make_vendor(session, make_market(session, name="Chợ Khác"), name="Người Chợ Khác")
    make_bank_account(session, other, account_number="0011005555555")
    session.commit()
    return Market(market.id, market.name, expected, without_account.id, other.id)


def _transfer(payload: str):
    return extract_vietqr_transfer(parse_payload(payload))


def test_market_placards_are_the_active_vendors_with_a_bank_account_in_stall_order(session, market):
    placards = market_placards(session, market.id)
    assert [
        (p.stall_code, p.holder_name, p.bank_bin, p.account_number) for p in placards
    ] == market.expected
    for placard in placards:
        assert placard.market_name == "Chợ Đại Từ"
        assert placard.bank_short_name == BANK_NAMES[placard.bank_bin]
        transfer = _transfer(placard.payload)
        assert (transfer.bin, transfer.account, transfer.amount) == (
            placard.bank_bin,
            placard.account_number,
            None,
        )


def test_placards_come_from_one_query(app, session, market):
    from db import db

    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        market_placards(session, market.id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_a_vendor_without_a_bank_account_in_use_has_no_placard(session, market):
    assert vendor_placard(session, market.without_account) is None
    assert vendor_placard(session, market.elsewhere).market_name == "Chợ Khác"


@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_batch_pdf_holds_every_placard_once_in_stall_order_and_every_code_pays_its_account(
    session, market, per_page
):
    placards = market_placards(session, market.id)
    pdf = render_market_placards(placards, per_page, title="Chợ Đại Từ")

    pages = -(-len(placards) // per_page)
    assert pdf_checks.page_sizes_mm(pdf) == [(210, 297)] * pages
    codes = pdf_checks.read_codes(pdf, dpi=100 if per_page == 4 else 72)
    assert [code.page for code in codes] == [1 + i // per_page for i in range(len(placards))]
    paid = [(_transfer(code.payload).bin, _transfer(code.payload).account) for code in codes]
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
    session, market, per_page, cuts_x, cuts_y
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

    def pixels(cell):
        return [round(mm * 10) for mm in (cell.left, cell.top, cell.left + cell.width,
                                          cell.top + cell.height)]

    for number, placard in enumerate(placards):
        in_sheet = sheets[number // per_page].convert("L").crop(pixels(cells[number % per_page]))
        (alone,) = pdf_checks.rasterise(render_market_placards([placard], per_page), dpi=254)
        difference = ImageChops.difference(in_sheet, alone.convert("L").crop(pixels(cells[0])))
        assert difference.getbbox() is None, f"placard {number} differs in {difference.getbbox()}"


def test_placard_text_keeps_its_diacritics_in_embedded_fonts(session, market):
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
    session, market, size, page, min_width
):
    placard = market_placards(session, market.id)[3]
    pdf = render_vendor_placard(placard, size)
    assert pdf_checks.page_sizes_mm(pdf) == [page]
    codes = pdf_checks.read_codes(pdf, dpi=72)
    assert [code.payload for code in codes] == [placard.payload]
    assert codes[0].width_mm >= min_width
    transfer = _transfer(codes[0].payload)
    assert (transfer.bin, transfer.account) == ("970436", "0011001234567")
    text = pdf_checks.text(pdf)
    assert "NGUYỄN THỊ THU" in text and "Quầy A-10 · Chợ Đại Từ" in text


def test_big_batches_are_laid_out_in_chunks_but_make_one_pdf(session, market, monkeypatch):
    from qr import placards as module

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


# ---------------------------------------------------------------------------------------------
# Pages


def _agent(session, market_id: int):
    user = make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market_id))
    session.commit()
    return user


def test_vendor_page_offers_the_placard_and_codes_for_download(client, session, market):
    login(client, _agent(session, market.id).username)
    vendor_id = market_placards(session, market.id)[0].vendor_id
    page = client.get(f"/vendors/{vendor_id}").get_data(as_text=True)
    for path in ("placard.pdf?size=a6", "placard.pdf?size=a4", "code.png", "code.svg"):
        assert f"/qr/vendors/{vendor_id}/{path}" in page

    pdf = client.get(f"/qr/vendors/{vendor_id}/placard.pdf?size=a4")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert pdf_checks.page_sizes_mm(pdf.data) == [(210, 297)]

    png = client.get(f"/qr/vendors/{vendor_id}/code.png?scale=4")
    assert png.mimetype == "image/png"
    transfer = _transfer(zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text)
    assert (transfer.bin, transfer.account) == ("970422", "0961234567")
    svg = client.get(f"/qr/vendors/{vendor_id}/code.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.count(b"<path") == 1


def test_a_vendor_without_a_bank_account_gets_a_message_not_a_placard(client, session, market):
    login(client, _agent(session, market.id).username)
    page = client.get(f"/vendors/{market.without_account}").get_data(as_text=True)
    assert "data-no-placard" in page and "/placard.pdf" not in page
    for path in ("placard.pdf", "code.png", "code.svg"):
        response = client.get(f"/qr/vendors/{market.without_account}/{path}")
        assert response.status_code == 404
        assert "chưa có tài khoản ngân hàng đang dùng" in response.get_data(as_text=True)


def test_market_page_offers_sheets_and_the_route_returns_them(client, session, market):
    login(client, _agent(session, market.id).username)
    page = client.get(f"/markets/{market.id}").get_data(as_text=True)
    for per_page in (1, 2, 4):
        assert f"/qr/markets/{market.id}/placards.pdf?per_page={per_page}" in page
    response = client.get(f"/qr/markets/{market.id}/placards.pdf?per_page=4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(pdf_checks.page_sizes_mm(response.data)) == 3
    empty = make_market(session, name="Chợ Trống")
    session.commit()
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    response = client.get(f"/qr/markets/{empty.id}/placards.pdf")
    assert response.status_code == 404 and "Chợ Trống" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/qr/vendors/{vendor}/placard.pdf?size=a5", "Khổ giấy phải là a6 hoặc a4."),
        ("/qr/vendors/{vendor}/code.png?scale=0", "Cỡ ô mã phải từ 2 đến 40 điểm ảnh."),
        ("/qr/vendors/{vendor}/code.png?scale=big", "Cỡ ô mã phải là số nguyên từ 2 đến 40."),
        ("/qr/markets/{market}/placards.pdf?per_page=3", "Số bảng mỗi trang phải là 1, 2 hoặc 4."),
        ("/qr/markets/{market}/placards.pdf?per_page=tư", "Số bảng mỗi trang phải là 1, 2 hoặc 4."),
    ],
)
def test_bad_parameters_get_a_400_in_vietnamese(client, session, market, path, message):
    login(client, _agent(session, market.id).username)
    vendor = market_placards(session, market.id)[0].vendor_id
    response = client.get(path.format(vendor=vendor, market=market.id))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_placards_outside_a_persons_scope_are_not_found(app, client, session, market):
    login(client, _agent(session, market.id).username)
    assert client.get(f"/qr/vendors/{market.elsewhere}/placard.pdf").status_code == 404
    assert client.get(f"/qr/vendors/{market.elsewhere}/code.svg").status_code == 404
    outsider = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=THU_DAU_MOT))
    session.commit()
    client = app.test_client()
    login(client, outsider.username)
    assert client.get(f"/qr/markets/{market.id}/placards.pdf").status_code == 404
    vendor = market_placards(session, market.id)[0].vendor_id
    assert client.get(f"/qr/vendors/{vendor}/code.png").status_code == 404


def test_placards_need_a_login(client, market):
    response = client.get(f"/qr/markets/{market.id}/placards.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
