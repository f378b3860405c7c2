"""The columns of a vendor list: each field with the headers commune offices write for it, the
label it is named by, and how headers are compared. The reader, the cell rules and the template
share them. Pure: no Flask, no database."""
from __future__ import annotations

import re

from textnorm import search_key

# The columns, in the template's order, each with the headers offices write for it. Headers are
# matched case-insensitively, with or without diacritics, ignoring punctuation and a trailing
# "(*)" required mark.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Họ và tên", "Họ tên", "Tên chủ hộ", "Họ tên chủ hộ", "Tên tiểu thương",
             "Họ và tên chủ hộ", "Tên hộ kinh doanh", "Tên"),
    "phone": ("Số điện thoại", "SĐT", "Điện thoại", "Số ĐT", "ĐT", "Di động"),
    "citizen_id": ("Số CCCD", "CCCD", "Số CCCD/CMND", "CCCD/CMND", "Số CMND/CCCD", "Căn cước",
                   "Số căn cước", "Căn cước công dân", "Số định danh", "Số định danh cá nhân"),
    "tax_code": ("Mã số thuế", "MST"),
    "kind": ("Loại", "Loại hình", "Đối tượng"),
    "market": ("Chợ", "Tên chợ"),
    "stall_code": ("Số quầy", "Quầy", "Ki-ốt", "Kiốt", "Ki ốt", "Ky-ốt", "Số ki-ốt", "Mã quầy",
                   "Sạp", "Số sạp", "Lô"),
    "bank": ("Ngân hàng", "Tên ngân hàng", "NH"),
    "account_number": ("Số tài khoản", "STK", "Số TK", "Tài khoản", "Số tài khoản ngân hàng"),
    "account_holder": ("Chủ tài khoản", "Tên chủ tài khoản", "Tên tài khoản"),
    "joined_on": ("Ngày bắt đầu", "Ngày bắt đầu kinh doanh", "Ngày tham gia", "Ngày đăng ký"),
}
# Headers that are expected and carry nothing to import: a running number, free notes.
IGNORED_HEADERS = ("STT", "TT", "Số TT", "Ghi chú")
LABELS = {name: headers[0] for name, headers in COLUMNS.items()}
# Fields written as digits, which Excel turns into numbers when it can.
DIGIT_FIELDS = ("phone", "citizen_id", "tax_code", "account_number")

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """'Số CCCD/CMND (*)' -> 'so cccd cmnd': how headers are compared."""
    return _NOT_WORD.sub(" ", search_key(str(text))).strip()
