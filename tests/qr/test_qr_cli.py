"""`flask qr encode|decode` and `flask placards vendor|market`: output for staff and scripts, exit
status 2 with a message in Vietnamese and English on bad input."""

from __future__ import annotations

import json

import pytest

from qr.payload import build_vietqr
from qr.render import qr_png
from tests.factories import make_bank_account, make_market, make_stall, make_vendor
from tests.qr import pdf_checks


def market_of_traders(session, accounts: list[str]):
    """A market with a trader per account, at stalls K-0, K-1... in the accounts' order."""
    market = make_market(session)
    for i, account in enumerate(accounts):
        vendor = make_vendor(session, market, stall_id=make_stall(session, market, f"K-{i}").id)
        make_bank_account(session, vendor, account_number=account)
    session.commit()
    return market


def test_encode_prints_the_payload(runner):
    result = runner.invoke(args=["qr", "encode", "--bin", "970436", "--account", "0011001234567"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == build_vietqr("970436", "0011001234567")


def test_encode_with_amount_purpose_and_card(runner):
    result = runner.invoke(
        args=[
            "qr",
            "encode",
            "--bin",
            "970415",
            "--account",
            "9704150012345678",
            "--amount",
            "150000",
            "--purpose",
            "Tiền rau tháng 11",
            "--card",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == build_vietqr(
        "970415",
        "9704150012345678",
        amount=150_000,
        purpose="Tiền rau tháng 11",
        service="QRIBFTTC",
    )


@pytest.mark.parametrize(
    ("args", "message", "english"),
    [
        (["--bin", "97043", "--account", "1"], "Mã BIN ngân hàng phải gồm đúng 6 chữ số",
         "The bank BIN must be exactly 6 digits"),
        (["--bin", "970436", "--account", "12A45"], "Số tài khoản phải gồm từ 1 đến 19 chữ số",
         "The account number must be 1 to 19 digits"),
        (["--bin", "970436", "--account", "1", "--amount", "0"], "Số tiền phải lớn hơn 0 đồng",
         "The amount must be more than 0 đồng"),
        (["--bin", "970436", "--account", "1", "--amount", "500000000"], "vượt hạn mức",
         "over the NAPAS 247 limit"),
        (["--bin", "971025", "--account", "0912345678"], "MoMo", "MoMo wallet"),
    ],
)
def test_encode_refuses_bad_input_with_status_2_and_the_reason(runner, args, message, english):
    result = runner.invoke(args=["qr", "encode", *args])
    assert result.exit_code == 2
    vietnamese_line, english_line = result.stderr.splitlines()
    assert vietnamese_line.startswith("Lỗi: ") and message in vietnamese_line
    assert english_line.startswith("Error: ") and english in english_line
    assert result.stdout == ""


def test_encode_refuses_an_amount_that_is_not_a_number(runner):
    result = runner.invoke(
        args=["qr", "encode", "--bin", "970436", "--account", "1", "--amount", "5k"]
    )
    assert result.exit_code == 2


def test_decode_prints_the_fields_of_a_payload_as_json(runner):
    payload = build_vietqr("970436", "0011001234567", amount=50_000, purpose="Mua rau")
    result = runner.invoke(args=["qr", "decode", payload])
    assert result.exit_code == 0, result.output
    decoded = json.loads(result.stdout)
    assert decoded["payload"] == payload
    assert decoded["fields"]["38"]["01"] == {"00": "970436", "01": "0011001234567"}
    assert decoded["fields"]["54"] == "50000"
    assert decoded["vietqr"] == {
        "bin": "970436",
        "bank": "Vietcombank",
        "account": "0011001234567",
        "service": "QRIBFTTA",
        "amount": 50_000,
        "purpose": "Mua rau",
    }


def test_decode_reads_an_image_with_zxing_first(runner, tmp_path):
    payload = build_vietqr("970422", "0961234567")
    image = tmp_path / "code.png"
    image.write_bytes(qr_png(payload, scale=5))
    result = runner.invoke(args=["qr", "decode", str(image)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["vietqr"]["account"] == "0961234567"


def test_decode_reads_every_code_on_a_printed_sheet(runner, session, tmp_path):
    market = market_of_traders(session, [f"001100000000{i}" for i in range(4)])
    sheet = tmp_path / "sheet.pdf"
    assert (
        runner.invoke(args=["placards", "market", str(market.id), "-o", str(sheet)]).exit_code == 0
    )
    page = tmp_path / "page.png"
    pdf_checks.rasterise(sheet.read_bytes(), dpi=100)[0].save(page)
    result = runner.invoke(args=["qr", "decode", str(page)])
    assert result.exit_code == 0, result.output
    assert [code["vietqr"]["account"] for code in json.loads(result.stdout)] == [
        f"001100000000{i}" for i in range(4)
    ]


def test_decode_says_when_a_code_is_not_a_bank_transfer(runner):
    # vietnam-qr-pay's MoMo example (shared/reference/vietqr-vectors.txt, vqp-MoMo-971025).
    momo = (
        "00020101021138620010A000000727013200069710250118PSP1234567890000000208QRIBFTTA"
        "53037045802VN62190515MOMOW2W123456786304821F"
    )
    result = runner.invoke(args=["qr", "decode", momo])
    assert result.exit_code == 0, result.output
    decoded = json.loads(result.stdout)
    assert decoded["vietqr"] is None
    assert decoded["not_vietqr_transfer"]["code"] == "wallet_code"
    assert "Đây là mã ví MoMo" in decoded["not_vietqr_transfer"]["message_vi"]


@pytest.mark.parametrize(
    "payload",
    [
        build_vietqr("970436", "0011001234567")[:-1] + "0",  # CRC broken
        "https://example.vn/thanh-toan",
        "00020101",
    ],
)
def test_decode_refuses_a_bad_payload_with_status_2(runner, payload):
    result = runner.invoke(args=["qr", "decode", payload])
    assert result.exit_code == 2
    assert result.stderr.startswith("Lỗi: ")
    assert "\nError: " in result.stderr


def test_decode_refuses_an_image_without_a_code(runner, tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    result = runner.invoke(args=["qr", "decode", str(blank)])
    assert result.exit_code == 2
    assert "Không tìm thấy mã QR" in result.stderr
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    result = runner.invoke(args=["qr", "decode", str(broken)])
    assert result.exit_code == 2 and "Không mở được ảnh" in result.stderr


def test_placards_vendor_writes_the_card_or_the_poster(runner, session, tmp_path):
    vendor = make_vendor(session, name="Nguyễn Thị Thu")
    make_bank_account(
        session, vendor, account_number="0011001234567", account_holder="NGUYEN THI THU"
    )
    session.commit()
    for size, page in (("a6", (105, 148)), ("a4", (210, 297))):
        output = tmp_path / f"{size}.pdf"
        result = runner.invoke(
            args=["placards", "vendor", str(vendor.id), "-o", str(output), "--format", size]
        )
        assert result.exit_code == 0, result.output
        pdf = output.read_bytes()
        assert pdf_checks.page_sizes_mm(pdf) == [page]
        assert [c.payload for c in pdf_checks.read_codes(pdf, dpi=72)] == [
            build_vietqr("970436", "0011001234567")
        ]
        assert "NGUYỄN THỊ THU" in pdf_checks.text(pdf)
    assert not list(tmp_path.glob(".*.part"))


def test_placards_market_writes_sheets(runner, session, tmp_path):
    market = market_of_traders(session, ["100", "101", "102"])
    output = tmp_path / "sheets.pdf"
    result = runner.invoke(
        args=["placards", "market", str(market.id), "-o", str(output), "--per-page", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "3 bảng" in result.stdout
    codes = pdf_checks.read_codes(output.read_bytes(), dpi=72)
    assert [(c.page, c.payload) for c in codes] == [
        (1, build_vietqr("970436", "100")),
        (1, build_vietqr("970436", "101")),
        (2, build_vietqr("970436", "102")),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vendor", "99999"], "Không có tiểu thương số 99999"),
        (["vendor", "{bankless}"], "chưa có tài khoản ngân hàng đang dùng"),
        (["market", "99999"], "Không có chợ số 99999"),
        (["market", "{empty}"], "chưa có tiểu thương nào có tài khoản ngân hàng"),
    ],
)
def test_placards_refuse_what_has_no_placard_with_status_2(
    runner, session, tmp_path, args, message
):
    empty = make_market(session)
    bankless = make_vendor(session, empty)
    session.commit()
    output = tmp_path / "out.pdf"
    args = [arg.format(bankless=bankless.id, empty=empty.id) for arg in args]
    result = runner.invoke(args=["placards", *args, "-o", str(output)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not output.exists()


def test_placards_market_refuses_a_bad_per_page(runner, tmp_path):
    result = runner.invoke(
        args=["placards", "market", "1", "-o", str(tmp_path / "x.pdf"), "--per-page", "3"]
    )
    assert result.exit_code == 2
