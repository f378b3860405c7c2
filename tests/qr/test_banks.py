"""The bank directory: the shipped list against the State Bank's BINs, account-number checks,
and loading or updating the list from a file."""
from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from qr.banks import (
    BANKS_CSV,
    BankAccountError,
    BankListError,
    BankRow,
    UnknownBankError,
    load_banks,
    read_bank_list,
    shipped_bank_list,
    validate_account_number,
    validate_bank_account,
)
from qr.models import Bank
from tests.factories import make_bank_account, make_vendor
from tests.reference_lists import refusal

# Every BIN in the annex of State Bank letter 1589/NHNN-TT (2024-03-05): the BINs it had issued
# to 2023-12-31 (shared/reference/specs/sbv-1589-bank-bins-2024.txt).
SBV_1589_BINS = {
    "970400", "970403", "970405", "970406", "970407", "970408", "970409", "970410", "970412",
    "970414", "970415", "970416", "970418", "970419", "970421", "970422", "970423", "970424",
    "970425", "970426", "970427", "970428", "970429", "970430", "970431", "970432", "970433",
    "970434", "970436", "970437", "970438", "970439", "970440", "970441", "970442", "970443",
    "970444", "970446", "970448", "970449", "970452", "970454", "970455", "970456", "970457",
    "970458", "970459", "970460", "970462", "970463", "970464", "970465", "970466", "970467",
    "970468", "970470",
}
HEADER = "bin,code,short_name,full_name,swift,vietqr_status"
VIETCOMBANK = BankRow("970436", "VCB", "Vietcombank", "Ngân hàng TMCP Ngoại Thương Việt Nam",
                      "BFTVVNVX", 1)


@pytest.fixture(scope="module")
def shipped() -> dict[str, BankRow]:
    rows, _ = shipped_bank_list()
    return {row.bin: row for row in rows}


def bank_file(tmp_path, *rows: str, name: str = "banks.csv"):
    path = tmp_path / name
    path.write_text("# Test list\n# Source: test list, 2026-11-25\n" + "\n".join((HEADER,) + rows)
                    + "\n", encoding="utf-8")
    return path


def bank_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Bank))


# --- The shipped list


def test_the_shipped_list_parses_and_names_its_sources_and_date():
    rows, source = shipped_bank_list()
    assert len(rows) >= 60
    assert source.startswith("Source:")
    assert "1589/NHNN-TT" in source and "vietnam-qr-pay 1.5.1" in source and "2026-11-25" in source
    assert len(source) <= 200  # the width of banks.source


def test_every_bin_is_six_digits_and_appears_once():
    # Read with the csv module directly, so a duplicate cannot hide behind the loader's own check.
    lines = [line for line in BANKS_CSV.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    bins = [record["bin"] for record in csv.DictReader(lines)]
    assert all(len(b) == 6 and b.isascii() and b.isdigit() for b in bins)
    assert len(bins) == len(set(bins))


def test_names_are_nfc_with_their_diacritics(shipped):
    for row in shipped.values():
        assert unicodedata.is_normalized("NFC", row.full_name)
        assert unicodedata.is_normalized("NFC", row.short_name)
    assert shipped["970405"].full_name == "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"


def test_every_bin_the_state_bank_issued_is_listed(shipped):
    assert SBV_1589_BINS <= shipped.keys()


def test_cimb_and_mafc_have_the_bins_the_state_bank_issued(shipped):
    # SBV 1589: CIMB 970459 (the npm list has 422589), Mirae Asset finance company (MAFC) 970468.
    assert shipped["970459"].code == "CIMB"
    assert shipped["970468"].code == "MAFC"
    assert "Mirae Asset" in shipped["970468"].full_name
    assert "422589" not in shipped


@pytest.mark.parametrize(("bin_", "short_name"), [
    ("546034", "CAKE by VPBank"),
    ("546035", "Ubank by VPBank"),
    ("963388", "Timo"),
    ("963369", "Liobank"),
    ("668888", "Kasikornbank"),
])
def test_digital_banks_whose_bin_is_not_9704_are_listed(shipped, bin_, short_name):
    assert shipped[bin_].short_name == short_name


@pytest.mark.parametrize(("bin_", "short_name", "full_name"), [
    ("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    ("970414", "MBV", "Ngân hàng TNHH MTV Việt Nam Hiện Đại"),
    ("970406", "Vikki Bank", "Ngân hàng TNHH MTV Số Vikki"),
    ("970444", "VCBNeo", "Ngân hàng Thương mại TNHH MTV Ngoại thương Công nghệ số"),
    ("970408", "GPBank", "Ngân hàng Thương mại TNHH MTV Kỷ nguyên Thịnh vượng"),
    ("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển"),
])
def test_renamed_banks_keep_their_bin_under_their_current_name(shipped, bin_, short_name,
                                                               full_name):
    assert (shipped[bin_].short_name, shipped[bin_].full_name) == (short_name, full_name)


def test_no_bank_is_listed_under_a_former_name(shipped):
    names = " ".join(f"{row.short_name} {row.full_name}" for row in shipped.values())
    for former in ("LienViet", "Liên Việt", "Ocean", "Đại Dương", "DongA", "Đông Á",
                   "Dầu Khí Toàn Cầu", "Petrolimex", "Xây dựng"):
        assert former not in names


def test_the_database_holds_the_shipped_list(session, shipped):
    assert set(session.scalars(select(Bank.bin))) == shipped.keys()
    assert session.get(Bank, "546034").short_name == "CAKE by VPBank"


# --- Account numbers


@pytest.mark.parametrize(("typed", "stored"), [
    ("0011001234567", "0011001234567"),
    ("0011 0012 3456 7", "0011001234567"),
    ("001-100-123.4567", "0011001234567"),
    ("\u00a00011\u00a0001234567 ", "0011001234567"),  # non-breaking spaces from a pasted SMS
    ("0011–001234567", "0011001234567"),  # a phone keyboard's en dash
    ("123456", "123456"),
    ("9" * 19, "9" * 19),
])
def test_account_numbers_are_accepted_without_their_separators(typed, stored):
    assert validate_account_number(VIETCOMBANK, typed) == stored


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Chưa nhập số tài khoản Vietcombank."),
    (" - . ", "Chưa nhập số tài khoản Vietcombank."),
    ("0011A01234567", "Số tài khoản Vietcombank chỉ gồm chữ số; «0011A01234567» có ký tự «A»."),
    ("0011/001234567", "Số tài khoản Vietcombank chỉ gồm chữ số; «0011/001234567» có ký tự «/»."),
    ("０１１００１２３４５６７", "Số tài khoản Vietcombank chỉ gồm chữ số"),  # full-width digits
    ("١٢٣٤٥٦٧٨", "Số tài khoản Vietcombank chỉ gồm chữ số"),  # Arabic-Indic digits
    ("12345", "Số tài khoản Vietcombank phải có từ 6 đến 19 chữ số; «12345» có 5 chữ số."),
    ("1" * 20, "Số tài khoản Vietcombank phải có từ 6 đến 19 chữ số; «" + "1" * 20
     + "» có 20 chữ số."),
])
def test_bad_account_numbers_are_refused_naming_the_bank(typed, message):
    with pytest.raises(BankAccountError) as refused:
        validate_account_number(VIETCOMBANK, typed)
    assert str(refused.value).startswith(message)


def test_a_range_listed_for_a_bank_replaces_the_general_one():
    agribank = SimpleNamespace(bin="970405", short_name="Agribank")
    lengths = {"970405": (13, 13)}
    assert validate_account_number(agribank, "1234 5678 90123", lengths) == "1234567890123"
    with pytest.raises(BankAccountError, match="Số tài khoản Agribank phải có đúng 13 chữ số"):
        validate_account_number(agribank, "123456789012", lengths)
    # Other banks keep the general range.
    assert validate_account_number(VIETCOMBANK, "123456789012", lengths) == "123456789012"


def test_an_account_is_checked_against_the_bank_found_by_its_bin(session):
    bank, number = validate_bank_account(session, "970436", "0011 001 234567")
    assert (bank.short_name, number) == ("Vietcombank", "0011001234567")
    with pytest.raises(BankAccountError, match="^Số tài khoản CAKE by VPBank chỉ gồm chữ số"):
        validate_bank_account(session, "546034", "CAKE123456")


@pytest.mark.parametrize("bin_", ["123456", "97043", "abcdef", ""])
def test_an_unknown_bin_is_refused_with_it_named(session, bin_):
    with pytest.raises(UnknownBankError) as refused:
        validate_bank_account(session, bin_, "0011001234567")
    assert str(refused.value) == f"Không có ngân hàng nào có mã BIN {bin_}."
    assert isinstance(refused.value, BankAccountError)


# --- Loading and updating


def snapshot(session) -> list[tuple]:
    session.expire_all()
    return [(b.bin, b.code, b.short_name, b.full_name, b.swift_code, b.vietqr_status, b.source,
             b.updated_on) for b in session.scalars(select(Bank).order_by(Bank.bin))]


def test_loading_the_same_list_twice_changes_nothing(session):
    rows, source = shipped_bank_list()
    load_banks(session, rows, source, dt.date(2026, 11, 25))
    before = snapshot(session)
    report = load_banks(session, rows, source, dt.date(2026, 12, 1))
    assert not report.changed
    assert (report.added, report.renamed, report.updated, report.kept) == ([], [], [], [])
    assert report.unchanged == len(rows)
    assert snapshot(session) == before


def test_an_update_renames_in_place_and_keeps_banks_missing_from_the_file(session):
    vendor = make_vendor(session)
    account = make_bank_account(session, vendor, bank_bin="970436")
    count = bank_count(session)
    rows, _ = read_bank_list(f"{HEADER}\n970436,VCB,VCB,Ngân hàng TMCP Ngoại thương Việt Nam (tên mới),BFTVVNVX,1\n970416,ACB,ACB,Ngân hàng TMCP Á Châu,ASCBVNVX,0\n999999,NEW,Ngân hàng Mới,Ngân hàng TNHH MTV Mới,,0")
    report = load_banks(session, rows, "Source: test", dt.date(2026, 12, 1))

    assert [row.bin for row in report.added] == ["999999"]
    [rename] = report.renamed
    assert (rename.bin, rename.old_short_name, rename.short_name) == ("970436", "Vietcombank", "VCB")
    assert [row.bin for row in report.updated] == ["970416"]  # VietQR status 1 -> 0
    assert len(report.kept) == count - 2 and "546034" in report.kept
    session.expire_all()
    assert bank_count(session) == count + 1
    assert session.get(Bank, "970436").full_name.endswith("(tên mới)")
    assert session.get(Bank, "970436").updated_on == dt.date(2026, 12, 1)
    assert account.bank.short_name == "VCB"


@pytest.mark.parametrize(("rows", "message"), [
    (["97041,X,X,X,,0"], "Dòng 4: BIN «97041» phải gồm đúng 6 chữ số."),
    (["970436,VCB,Vietcombank,Ngân hàng A,,1", "", "970436,VCB,Vietcombank,Ngân hàng A,,1"],
     "Dòng 6: BIN 970436 đã có ở dòng 4; mỗi BIN chỉ một dòng."),
    (["970436,VCB,Vietcombank,,,1"], "Dòng 4 (BIN 970436): cột full_name để trống."),
    (["970436,VCB,Vietcombank,Ngân hàng A,,2"],
     "Dòng 4 (BIN 970436): vietqr_status «2» phải là 1, 0 hoặc -1."),
    (["970436,VCB,Vietcombank,Ngân hàng A,BFTV,1"],
     "Dòng 4 (BIN 970436): mã SWIFT «BFTV» phải gồm 8 hoặc 11 ký tự (ISO 9362)."),
    (["970436,VCB,Vietcombank,Ngân hàng, TMCP,,1"], "Dòng 4: có 7 cột, dòng tiêu đề có 6."),
    (["970436,VCB," + "V" * 51 + ",Ngân hàng A,,1"],
     "Dòng 4 (BIN 970436): cột short_name dài 51 ký tự, tối đa 50."),
    ([], "Tệp không có ngân hàng nào"),
])
def test_a_bad_row_refuses_the_file_naming_its_line(rows, message):
    assert refusal(read_bank_list, BankListError, HEADER, rows).startswith(message)


def test_a_file_without_the_needed_columns_is_refused_naming_them():
    with pytest.raises(BankListError, match="^Dòng 1: dòng tiêu đề thiếu cột full_name"):
        read_bank_list("bin,code,short_name,name\n970436,VCB,Vietcombank,Ngân hàng A\n")


# --- `flask banks ...`


def test_the_cli_reports_what_a_load_changed(session, runner, tmp_path):
    path = bank_file(tmp_path, "970436,VCB,VCB,Ngân hàng TMCP Ngoại Thương Việt Nam,BFTVVNVX,1",
                     "999999,NEW,Ngân hàng Mới,Ngân hàng TNHH MTV Mới,,0")
    count = bank_count(session)
    result = runner.invoke(args=["banks", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "+ 999999 Ngân hàng Mới: Ngân hàng TNHH MTV Mới" in result.output
    assert "~ 970436 Vietcombank (Ngân hàng TMCP Ngoại Thương Việt Nam) → VCB" in result.output
    assert ("Đã nạp: 2 ngân hàng (Source: test list, 2026-11-25); 1 thêm mới, 1 đổi tên, "
            "0 cập nhật, 0 không đổi.") in result.output
    assert f"{count - 1} ngân hàng không có trong tệp vẫn được giữ" in result.output
    session.expire_all()
    assert bank_count(session) == count + 1
    assert session.get(Bank, "970436").short_name == "VCB"


def test_the_cli_reloading_the_shipped_list_reports_nothing_changed(runner, shipped):
    result = runner.invoke(args=["banks", "load"])
    assert result.exit_code == 0, result.output
    assert (f"0 thêm mới, 0 đổi tên, 0 cập nhật, {len(shipped)} không đổi."
            in result.output)


def test_the_cli_dry_run_reports_without_writing(session, runner, tmp_path):
    path = bank_file(tmp_path, "999999,NEW,Ngân hàng Mới,Ngân hàng TNHH MTV Mới,,0")
    result = runner.invoke(args=["banks", "load", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "Chạy thử, không ghi: 1 ngân hàng" in result.output and "1 thêm mới" in result.output
    assert session.get(Bank, "999999") is None


def test_the_cli_refuses_a_bad_file_with_exit_code_2_and_loads_nothing(session, runner, tmp_path):
    path = bank_file(tmp_path, "999999,NEW,Ngân hàng Mới,Ngân hàng TNHH MTV Mới,,0",
                     "970436,VCB,VCB,Ngân hàng A,,1", "97043X,BAD,Bad,Ngân hàng Sai,,0")
    count = bank_count(session)
    result = runner.invoke(args=["banks", "load", str(path)])
    assert result.exit_code == 2
    assert f"{path}: Dòng 6: BIN «97043X» phải gồm đúng 6 chữ số." in result.output
    session.expire_all()
    assert bank_count(session) == count
    assert session.get(Bank, "970436").short_name == "Vietcombank"


def test_the_cli_refuses_a_file_that_is_not_utf8(runner, tmp_path):
    path = tmp_path / "banks.csv"
    path.write_bytes((HEADER + "\n970436,VCB,Vietcombank,Ngân hàng,,1\n").encode("cp1252"))
    result = runner.invoke(args=["banks", "load", str(path)])
    assert result.exit_code == 2
    assert "Tệp không phải UTF-8" in result.output


def test_the_cli_lists_the_directory(runner, shipped):
    result = runner.invoke(args=["banks", "list"])
    assert result.exit_code == 0, result.output
    assert "546034\tCAKE by VPBank\t" in result.output
    assert f"{len(shipped)} ngân hàng." in result.output
