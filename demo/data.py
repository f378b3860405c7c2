"""Plausible names and places for the demo, all in Thái Nguyên (province code 19 since 2025)."""
from __future__ import annotations

import json
from pathlib import Path

PROVINCE_CODE = "19"

# (name, ward code, class, street address)
MARKETS = [
    ("Chợ Thái", "05443", "I", "Đường Hoàng Văn Thụ"),
    ("Chợ Minh Cầu", "05443", "II", "Đường Minh Cầu"),
    ("Chợ Túc Duyên", "05467", "II", "Đường Túc Duyên"),
    ("Chợ Gia Sàng", "05467", "III", "Tổ 5, đường Cách Mạng Tháng Tám"),
    ("Chợ Quan Triều", "05482", "II", "Đường Dương Tự Minh"),
    ("Chợ Tích Lương", "05500", "III", "Đường 3/2"),
    ("Chợ Sông Công", "05518", "II", "Đường Thắng Lợi"),
    ("Chợ Ba Hàng", "05860", "II", "Đường Lý Nam Đế"),
    ("Chợ Đại Từ", "05830", "II", "Tổ dân phố Sơn Tập"),
    ("Chợ Quân Chu", "05851", "III", "Xóm Chợ"),
    ("Chợ Úc Sơn", "05908", "II", "Tổ dân phố Úc Sơn"),
    ("Chợ Đu", "05611", "II", "Quốc lộ 3, phố Giang Tiên"),
    ("Chợ Chùa Hang", "05692", "II", "Đường Việt Bắc"),
    ("Chợ Đình Cả", "05716", "III", "Phố Đình Cả"),
    ("Chợ Chu", "05569", "II", "Phố Chợ Chu"),
    ("Chợ Tân Cương", "05503", "III", "Xóm Nam Thái"),
    ("Chợ Bắc Kạn", "01840", "I", "Đường Trường Chinh"),
    ("Chợ trung tâm Chợ Rã", "01912", "III", "Tiểu khu 1"),
    ("Chợ Nà Phặc", "01936", "III", "Thôn Nà Phặc"),
    ("Chợ Yến Lạc", "02155", "III", "Tiểu khu Pàn Xả"),
]

STALLS_PER_CLASS = {"I": 60, "II": 30, "III": 15}
ZONES = [
    ("A", "Khu A – Rau củ quả"),
    ("B", "Khu B – Thịt, cá, hải sản"),
    ("C", "Khu C – Quần áo, vải vóc"),
    ("D", "Khu D – Hàng khô, tạp hóa"),
]

# Common Kinh surnames and the Tày, Nùng and Dao surnames frequent in the northern uplands.
SURNAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý",
    "Ma", "Nông", "Lục", "Triệu", "Hà", "Lường", "Đàm", "Hứa", "Chu", "Lương", "Mông", "Bàn",
]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Hồng", "Thanh", "Bích"]
MIDDLE_MALE = ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân"]
GIVEN_FEMALE = [
    "Lan", "Hoa", "Mai", "Hương", "Nga", "Thảo", "Hạnh", "Yến", "Phượng", "Thủy", "Liên",
    "Quyên", "Dung", "Huyền", "Loan", "Nhung", "Oanh", "Tuyết", "Xuyến", "Hằng",
]
GIVEN_MALE = [
    "Hùng", "Dũng", "Tuấn", "Bình", "Sơn", "Hải", "Thắng", "Cường", "Quý", "Tiến", "Trường",
    "Khánh", "Lộc", "Nghĩa", "Phúc", "Toàn", "Vượng", "Đạt", "Kiên", "Thịnh",
]

MOBILE_PREFIXES = ["032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097",
                   "098", "081", "082", "083", "084", "085", "088", "091", "094", "070", "076",
                   "077", "078", "079", "089", "090", "093", "056", "058"]

# (BIN, usual account number length) of banks with many branches in the north.
BANK_ACCOUNTS = [
    ("970405", 13), ("970405", 13), ("970436", 10), ("970436", 13), ("970415", 12),
    ("970418", 12), ("970418", 14), ("970422", 10), ("970422", 12), ("970407", 14),
    ("970416", 8), ("970432", 9), ("970423", 11), ("970403", 12), ("970441", 12),
]

WALLETS = ["momo", "momo", "zalopay", "viettel_money", "vnpt_money"]
TERMINAL_PROVIDERS = ["Vietcombank", "BIDV", "VietinBank", "Agribank"]

# Each with its products and their variants (options, price in đồng, weight in grams).
COOPERATIVES = json.loads((Path(__file__).parent / "cooperatives.json").read_text(encoding="utf-8"))
