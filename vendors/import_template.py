"""The blank vendor list offered for download: an XLSX with our columns, one example row and a
sheet of guidance, laid out so Excel keeps what is typed into it. Pure: no Flask, no database."""
from __future__ import annotations

import datetime as dt
import io

from uploads import column_letter
from vendors.import_columns import COLUMNS, DIGIT_FIELDS, LABELS
from vendors.import_file import MAX_ROWS

EXAMPLE_ROW = {
    "name": "Nguyễn Thị Hoa", "phone": "0912345678", "citizen_id": "001190012345",
    "tax_code": "", "kind": "Tiểu thương", "market": "Chợ Đại Từ", "stall_code": "B-12",
    "bank": "Vietcombank", "account_number": "0011001234567", "account_holder": "NGUYEN THI HOA",
    "joined_on": dt.date(2024, 3, 15),
}
GUIDE = (
    ("Cột", "Cách ghi"),
    ("Họ và tên", "Bắt buộc. Họ tên chủ hộ, có dấu."),
    ("Số điện thoại", "10 chữ số, bắt đầu bằng 0."),
    ("Số CCCD", "12 chữ số (có thể để trống)."),
    ("Mã số thuế", "10 chữ số, hoặc 10 chữ số-3 chữ số (có thể để trống)."),
    ("Loại", "Tiểu thương, Hộ kinh doanh hoặc Hợp tác xã; để trống là Tiểu thương."),
    ("Chợ", "Tên chợ trong địa bàn, có dấu hoặc không; để trống thì dùng chợ chọn khi tải lên."),
    ("Số quầy", "Ví dụ B-12 (có thể để trống)."),
    ("Ngân hàng", "Tên viết tắt (Vietcombank, Agribank, BIDV…) hoặc mã BIN 6 chữ số."),
    ("Số tài khoản", "Chỉ chữ số. Cột đã định dạng Văn bản để Excel không làm mất số 0 đầu."),
    ("Chủ tài khoản", "Tên chủ tài khoản như ngân hàng ghi, ví dụ NGUYEN THI HOA."),
    ("Ngày bắt đầu", "Ngày bắt đầu kinh doanh, ngày/tháng/năm; để trống là hôm nay."),
    ("", "Dòng 2 là ví dụ: sửa hoặc xoá trước khi tải lên."),
)


def template_workbook() -> bytes:
    """An XLSX with our header row and one example row, digit columns formatted as text so
    Excel keeps leading zeros and long numbers as typed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tiểu thương"
    names = list(COLUMNS)
    sheet.append([LABELS[name] for name in names])
    sheet.append([EXAMPLE_ROW[name] for name in names])
    for position, name in enumerate(names, start=1):
        letter = column_letter(position - 1)
        sheet.cell(row=1, column=position).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(LABELS[name]) + 4)
        if name in DIGIT_FIELDS:
            # The column's style applies to every cell typed into it later.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=position).number_format = "@"
        if name == "joined_on":
            sheet.cell(row=2, column=position).number_format = "dd/mm/yyyy"
        if name == "kind":
            choices = DataValidation(type="list", formula1='"Tiểu thương,Hộ kinh doanh,Hợp tác xã"',
                                     allow_blank=True)
            sheet.add_data_validation(choices)
            choices.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.column_dimensions["A"].width = 26
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Hướng dẫn")
    for line in GUIDE:
        guide.append(line)
    guide["A1"].font = guide["B1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
