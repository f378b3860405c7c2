"""Reading vendor lists as commune offices keep them: XLSX, and CSV in each encoding Excel saves."""
from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook

from vendors.import_file import ImportFileError, read_sheet
from vendors.import_template import template_workbook

HEADER = ["Họ và tên", "Số điện thoại", "Chợ", "Số quầy", "Ngân hàng", "Số tài khoản",
          "Chủ tài khoản"]
ROW = ["Nguyễn Thị Hoa", "0912345678", "Chợ Đại Từ", "B-12", "Vietcombank", "0011001234567",
       "NGUYEN THI HOA"]
# Windows-1258 has no code for most toned letters: it writes the base letter (with its
# circumflex, breve or horn) followed by a combining tone mark.
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def one_trader(column: str, cell):
    """The row read from a workbook of one trader, Trần Văn Nam, with `cell` under `column`."""
    (row,) = read_sheet(xlsx([["Họ tên", column], ["Trần Văn Nam", cell]])).rows
    return row


def csv_text(rows, delimiter=",") -> str:
    return "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"


def cp1258(text: str) -> bytes:
    """`text` as Excel saves it in "CSV (Comma delimited)" on a Vietnamese Windows."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def test_xlsx_header_is_found_below_a_title_and_matched_without_diacritics():
    data = xlsx([
        ["DANH SÁCH TIỂU THƯƠNG CHỢ ĐẠI TỪ"],
        [],
        ["STT", "Ho va ten", "SDT", "So CCCD/CMND", "CHO", "Ki-ốt", "Ngan hang", "STK",
         "Chu tai khoan", "Ngay bat dau"],
        [1, "Nguyễn Thị Hoa", 912345678, 1190012345, "Chợ Đại Từ", "B-12", "Vietcombank",
         "0011001234567", "NGUYEN THI HOA", dt.datetime(2024, 3, 15)],
    ])
    sheet = read_sheet(data)
    assert sheet.format == "XLSX" and sheet.ignored == []
    (row,) = sheet.rows
    assert row.number == 4 and row.errors == {}
    assert row.values == {
        "name": "Nguyễn Thị Hoa", "phone": "0912345678", "citizen_id": "001190012345",
        "market": "Chợ Đại Từ", "stall_code": "B-12", "bank": "Vietcombank",
        "account_number": "0011001234567", "account_holder": "NGUYEN THI HOA",
        "joined_on": dt.date(2024, 3, 15),
    }
    assert sheet.columns["phone"].label == "SDT (cột C)"


@pytest.mark.parametrize("phone", [912345678, 912345678.0, "912345678", "912345678.0"])
def test_a_phone_number_excel_stored_as_a_number_gets_its_leading_zero_back(phone):
    assert one_trader("Điện thoại", phone).values["phone"] == "0912345678"


def test_an_account_number_stored_as_a_number_is_kept_with_a_warning_about_lost_zeros():
    row = one_trader("Số tài khoản", 11001234567)
    assert row.values["account_number"] == "11001234567"
    assert "số 0" in str(row.warnings["account_number"][0])


def test_a_number_longer_than_excel_keeps_is_refused_not_guessed():
    data = xlsx([["Họ tên", "Số tài khoản"], ["Trần Văn Nam", 12345678901234567]])
    (row,) = read_sheet(data).rows
    assert "làm tròn" in str(row.errors["account_number"][0])


@pytest.mark.parametrize("written", ["1.23457E+12", "1,23457E+12", "9.70436E+15"])
def test_an_account_number_in_scientific_notation_is_refused_with_a_clear_message(written):
    text = csv_text([["Họ và tên", "Số tài khoản"], ["Trần Văn Nam", f'"{written}"']])
    (row,) = read_sheet(text.encode()).rows
    message = str(*row.errors["account_number"])
    assert f"«{written}»" in message and "số mũ" in message and "không thể khôi phục" in message
    assert "Văn bản (Text)" in message


def test_csv_utf8_with_bom_as_excel_saves_csv_utf8():
    data = b"\xef\xbb\xbf" + csv_text([HEADER, ROW]).encode("utf-8")
    sheet = read_sheet(data)
    assert sheet.format == "CSV (UTF-8, dấu phẩy)"
    assert sheet.rows[0].values["name"] == "Nguyễn Thị Hoa"
    assert sheet.columns["name"].header == "Họ và tên"  # no BOM left on the first header


def test_csv_utf8_without_bom_in_decomposed_form_is_stored_nfc():
    data = unicodedata.normalize("NFD", csv_text([HEADER, ROW])).encode("utf-8")
    (row,) = read_sheet(data).rows
    assert row.values["name"] == unicodedata.normalize("NFC", "Nguyễn Thị Hoa")
    assert unicodedata.is_normalized("NFC", row.values["market"])


def test_csv_in_windows_1258_keeps_its_diacritics_and_is_composed_to_nfc():
    text = csv_text([HEADER, ROW, ["Lê Thị Ngọc Ánh", "0987654321", "Chợ Đồng Hỷ", "", "", "", ""]])
    data = cp1258(text)
    assert b"\xf2" in data  # the combining dot below of "ễ", "ị", "ợ": really Windows-1258
    sheet = read_sheet(data)
    assert sheet.format == "CSV (Windows-1258, dấu phẩy)"
    first, second = sheet.rows
    assert first.values["name"] == "Nguyễn Thị Hoa" and first.values["market"] == "Chợ Đại Từ"
    assert second.values["name"] == "Lê Thị Ngọc Ánh" and second.values["market"] == "Chợ Đồng Hỷ"
    assert all(unicodedata.is_normalized("NFC", v) for v in first.values.values())
    assert sheet.columns["phone"].header == "Số điện thoại"


def test_excel_unicode_text_is_utf16_with_tabs():
    data = csv_text([HEADER, ROW], delimiter="\t").encode("utf-16")
    sheet = read_sheet(data)
    assert sheet.format == "CSV (UTF-16, dấu tab)"
    assert sheet.rows[0].values["bank"] == "Vietcombank"


def test_a_semicolon_delimiter_is_found_even_with_commas_inside_cells():
    rows = [HEADER, ["Trần Văn Nam, con", "0912345678", "Chợ Đại Từ", "A-1", "", "", ""]]
    sheet = read_sheet(csv_text(rows, delimiter=";").encode())
    assert sheet.format == "CSV (UTF-8, dấu chấm phẩy)"
    assert sheet.rows[0].values["name"] == "Trần Văn Nam, con"


def test_a_sep_line_names_the_delimiter_and_is_not_counted_as_a_row():
    data = ("sep=;\r\n" + csv_text([HEADER, ROW], delimiter=";")).encode()
    (row,) = read_sheet(data).rows
    assert row.number == 2 and row.values["stall_code"] == "B-12"


def test_empty_rows_are_skipped_but_row_numbers_stay_as_excel_shows_them():
    sheet = read_sheet(csv_text([HEADER, ROW, [""] * 7, ["Trần Văn Nam"] + [""] * 6]).encode())
    assert [row.number for row in sheet.rows] == [2, 4]


def test_unknown_headers_are_reported_and_running_numbers_and_notes_are_not():
    data = xlsx([["STT", "Họ tên", "SĐT", "Địa chỉ thường trú", "Ghi chú"],
                 [1, "Trần Văn Nam", "0912345678", "Tổ 5", "mới"]])
    sheet = read_sheet(data)
    assert [column.label for column in sheet.ignored] == ["Địa chỉ thường trú (cột D)"]
    assert sheet.rows[0].values == {"name": "Trần Văn Nam", "phone": "0912345678"}


@pytest.mark.parametrize("cell, expected", [
    (dt.datetime(2024, 3, 15, 0, 0), dt.date(2024, 3, 15)),
    ("15/03/2024", dt.date(2024, 3, 15)),
    ("5/3/2024", dt.date(2024, 3, 5)),
    ("15-03-2024", dt.date(2024, 3, 15)),
    ("2024-03-15", dt.date(2024, 3, 15)),
    (45366, dt.date(2024, 3, 15)),  # an Excel serial day in a cell not formatted as a date
])
def test_dates_from_excel_cells_serials_and_day_first_text(cell, expected):
    assert one_trader("Ngày bắt đầu", cell).values["joined_on"] == expected


def test_an_impossible_date_is_reported():
    errors = one_trader("Ngày bắt đầu", "31/02/2024").errors
    assert "không có thật" in str(errors["joined_on"][0])


@pytest.mark.parametrize("written, kind", [
    ("Tiểu thương", "trader"), ("hộ kinh doanh", "household_business"),
    ("HKD", "household_business"),
    ("Hợp tác xã", "cooperative"), ("HTX", "cooperative"),
])
def test_the_kind_column_takes_vietnamese_names_and_abbreviations(written, kind):
    assert one_trader("Loại", written).values["kind"] == kind


def test_an_unknown_kind_is_reported():
    errors = one_trader("Loại", "Doanh nghiệp").errors
    assert "tiểu thương, hộ kinh doanh, hợp tác xã" in str(errors["kind"][0])


def test_a_file_without_a_header_row_is_refused_with_what_it_needs():
    with pytest.raises(ImportFileError, match="Không tìm thấy dòng tiêu đề"):
        read_sheet(csv_text([["a", "b"], ["1", "2"]]).encode())


def test_a_header_without_a_name_column_is_refused():
    with pytest.raises(ImportFileError, match="Thiếu cột «Họ và tên»"):
        read_sheet(csv_text([["Số điện thoại", "Chợ"], ["0912345678", "Chợ Đại Từ"]]).encode())


def test_two_columns_for_the_same_field_are_refused():
    with pytest.raises(ImportFileError, match="hai cột cùng là «Số điện thoại»: cột B «SĐT» và"):
        read_sheet(csv_text([["Họ tên", "SĐT", "Điện thoại"], ["A B", "1", "2"]]).encode())


def test_more_rows_than_the_limit_are_refused():
    rows = [HEADER] + [ROW] * 4
    with pytest.raises(ImportFileError, match="hơn 3 dòng tiểu thương"):
        read_sheet(csv_text(rows).encode(), max_rows=3)
    assert len(read_sheet(csv_text(rows).encode(), max_rows=4).rows) == 4


def _zip_of(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "không phải bảng tính"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00\x01", "không phải bảng tính"),
    (_zip_of("word/document.xml"), "không phải bảng tính Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "Excel 97–2003"),
    (b"", "Tệp trống"),
])
def test_what_is_not_a_spreadsheet_is_refused_with_a_reason(data, message):
    with pytest.raises(ImportFileError, match=message):
        read_sheet(data)


def test_the_template_is_read_back_as_its_example_row():
    sheet = read_sheet(template_workbook())
    assert sheet.ignored == [] and len(sheet.columns) == 11
    (row,) = sheet.rows
    assert row.values["account_number"] == "0011001234567" and row.values["kind"] == "trader"
    assert row.values["joined_on"] == dt.date(2024, 3, 15)
