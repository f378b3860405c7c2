"""Plausible names and places for the demo, all in Thái Nguyên (province code 19 since 2025)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

PROVINCE_CODE = "19"

_HERE = Path(__file__).parent
# (name, ward code, class, street address)
with (_HERE / "markets.csv").open(encoding="utf-8", newline="") as rows:
    MARKETS = [tuple(row) for row in csv.reader(rows)][1:]

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

# Each with its catalogue: products with the catalogue's fields (price in đồng, weights in grams,
# sizes in mm, a Google category id), their variants on 0 to 2 axes, how many pictures to draw
# and of what ("shape", see demo/pictures.py). A product with a "note" breaks a platform's rule
# on purpose, so that the readiness report has something to show; the note says which.
COOPERATIVES = json.loads((_HERE / "cooperatives.json").read_text(encoding="utf-8"))
