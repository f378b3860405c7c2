"""Plausible names, places and stories for the demo, in Thái Nguyên (province code 19 since
2025) and Phú Thọ (25)."""
from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

PROVINCE_CODE = "19"  # Thái Nguyên: the bulk --scale load's province
PHU_THO_CODE = "25"
PROVINCE_CODES = (PROVINCE_CODE, PHU_THO_CODE)
# Provinces of birth (a citizen ID's first three digits) of the traders of each province.
BIRTH_PROVINCES = {PROVINCE_CODE: ("019", "006", "001", "024"),
                   PHU_THO_CODE: ("025", "025", "026", "017")}


@dataclass(frozen=True)
class MarketStory:
    """How a market went cashless: the share of its active vendors accepting cashless payment
    two years before the demo's day and on it (percent, what the charts should roughly show),
    the share of its cashless vendors an agent visited in the last 30 days (percent), and how
    many months ago its board began collecting stall fees cashless (None: it does not)."""

    cashless_then: int
    cashless_now: int
    visited_recently: int
    fees_months_ago: int | None


class DemoMarket(NamedTuple):
    name: str
    ward_code: str
    market_class: str
    address: str
    story: MarketStory


_HERE = Path(__file__).parent
with (_HERE / "markets.csv").open(encoding="utf-8", newline="") as rows:
    MARKETS = [
        DemoMarket(row["name"], row["ward_code"], row["market_class"], row["address"],
                   MarketStory(int(row["cashless_then"]), int(row["cashless_now"]),
                               int(row["visited_recently"]),
                               int(row["fees_months_ago"]) if row["fees_months_ago"] else None))
        for row in csv.DictReader(rows)]

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
# E-wallets with their weight among the demo's two years of wallet sign-ups.
WALLET_WEIGHTS = {"momo": 35, "zalopay": 20, "viettel_money": 20, "vnpt_money": 15,
                  "shopeepay": 10}
TERMINAL_PROVIDERS = ["Vietcombank", "BIDV", "VietinBank", "Agribank"]

LEFT_FOR_GOOD = ["Nghỉ bán", "Chuyển sang chợ khác", "Chuyển nghề", "Trả lại ki-ốt"]
LEFT_FOR_A_WHILE = ["Nghỉ sinh con", "Ốm, nghỉ dài ngày", "Về quê chăm bố mẹ",
                    "Sửa sang lại ki-ốt"]

# What an agent writes down on a verification visit, by what was found.
VISIT_NOTES = {
    "placard_missing": ["Biển QR bị rách, đã hẹn in lại", "Biển QR bị cất đi khi dọn hàng",
                        "Chưa dán lại biển sau khi sửa ki-ốt"],
    "not_used": ["Khách chủ yếu trả tiền mặt", "Mã QR dán khuất, khách không thấy",
                 "Chủ sạp ngại kiểm tra tiền chuyển khoản"],
    "unknown": ["Chủ sạp vắng, người bán thay không rõ", "Chủ sạp bận, hẹn hôm khác"],
    "checked": ["Đã xem lịch sử nhận tiền trên điện thoại", "Khách chuyển khoản ngay lúc thăm"],
    "gave_up": ["Đã ngừng nhận chuyển khoản, khách quen trả tiền mặt"],
}
FEE_NOTES = ["Thu phí qua tài khoản của Ban quản lý chợ, có mã QR ở văn phòng chợ",
             "Tiểu thương nộp phí bằng chuyển khoản theo thông báo hằng tháng",
             "Thu phí qua ví điện tử và chuyển khoản"]

# Versions of each province's Chợ 4.0 rule (market.models.Cho40Rule), as the provinces'
# staff would have entered them.
CHO40_RULES = [
    {"province_code": PROVINCE_CODE, "effective_from": dt.date(2025, 1, 1),
     "min_cashless_percent": 50, "min_verified_percent": None, "verified_within_days": 30,
     "require_cashless_fees": False, "min_listed_products": None,
     "note": "Tiêu chí ban đầu: một nửa số tiểu thương nhận thanh toán không dùng tiền mặt"},
    {"province_code": PROVINCE_CODE, "effective_from": dt.date(2026, 1, 1),
     "min_cashless_percent": 70, "min_verified_percent": 50, "verified_within_days": 30,
     "require_cashless_fees": True, "min_listed_products": 5,
     "note": "Tiêu chí năm 2026: thêm xác minh sử dụng, thu phí chợ và bán hàng trên sàn"},
    {"province_code": PHU_THO_CODE, "effective_from": dt.date(2025, 7, 1),
     "min_cashless_percent": 60, "min_verified_percent": None, "verified_within_days": 30,
     "require_cashless_fees": True, "min_listed_products": None,
     "note": "Tiêu chí áp dụng từ khi hợp nhất tỉnh"},
]

# Each with its catalogue: products with the catalogue's fields (price in đồng, weights in grams,
# sizes in mm, a Google category id), their variants on 0 to 2 axes, how many pictures to draw
# and of what ("shape", see demo/pictures.py). A product with a "note" breaks a platform's rule
# on purpose, so that the readiness report has something to show; the note says which.
# "listed": the platforms it is for sale on (demo/history.py dates the listings). A
# cooperative's products count for its market under a Chợ 4.0 rule asking for listed
# products: Chợ Chu's and Chợ Úc Sơn's have the five Thái Nguyên's 2026 rule asks for,
# Chợ Rã's four.
COOPERATIVES = json.loads((_HERE / "cooperatives.json").read_text(encoding="utf-8"))
