"""Dates, money and counts as people read them: 02/12/2026 or "2 tháng 12 năm 2026" (never Babel's
"2 thg 12, 2026"), "125.000 đ" and "125,000 VND", "1 result" and "2 results"."""
from __future__ import annotations

import datetime as dt
import re

from accounts.models import Role
from domain_errors import N_, Money
from formats import day_text, moment_text, money_text
from i18n import in_language
from tests.factories import (
    TAN_CUONG,
    login,
    make_listing,
    make_market,
    make_product,
    make_quick_user,
    make_vendor,
)
from vendors.models import VendorKind

NBSP = "\u00a0"


def test_days_read_day_month_year_or_in_words():
    day = dt.date(2026, 12, 2)
    assert day_text(day, "vi") == "02/12/2026"
    assert day_text(day, "vi", "long") == "2 tháng 12 năm 2026"
    assert day_text(day, "en") == "02/12/2026"
    assert day_text(day, "en", "long") == "2 December 2026"


def test_a_moment_reads_on_vietnams_clock():
    stored = dt.datetime(2026, 12, 2, 17, 5, tzinfo=dt.UTC)
    assert moment_text(stored, "vi") == moment_text(stored, "en") == "03/12/2026 00:05"
    assert moment_text(stored.replace(tzinfo=None), "vi") == "03/12/2026 00:05"  # naive = UTC


def test_money_reads_as_each_language_writes_it():
    assert money_text(125_000, "vi") == f"125.000{NBSP}đ"
    assert money_text(125_000, "en") == f"125,000{NBSP}VND"
    assert money_text(1_250_000_000, "vi") == f"1.250.000.000{NBSP}đ"
    assert money_text(0, "en") == f"0{NBSP}VND"


def test_money_in_a_service_message_reads_in_the_readers_language():
    message = N_("Giá %(price)s (%(sku)s) ngoài khoảng %(platform)s nhận: %(min)s đến %(max)s.",
                 price=Money(125_000), sku="SP-1", platform="Tiki", min=Money(1_000),
                 max=Money(100_000))
    assert str(message) == (f"Giá 125.000{NBSP}đ (SP-1) ngoài khoảng Tiki nhận: 1.000{NBSP}đ "
                            f"đến 100.000{NBSP}đ.")
    assert in_language(message, "en") == (f"Price 125,000{NBSP}VND (SP-1) is outside what Tiki "
                                          f"takes: 1,000{NBSP}VND to 100,000{NBSP}VND.")


def _english(client) -> None:
    assert client.get("/lang/en").status_code == 302


def test_a_product_page_shows_its_price_and_listing_day_in_either_language(client, session):
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè Tân Cương",
                              ward_code=TAN_CUONG)
    product = make_product(session, cooperative)  # one variant at 120.000 đ
    make_listing(session, product, listed_on=dt.date(2026, 1, 5), ended_on=dt.date(2026, 12, 2))
    admin = make_quick_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)

    page = client.get(f"/catalog/products/{product.id}").get_data(as_text=True)
    assert f"120.000{NBSP}đ" in page
    assert "05/01/2026" in page and "02/12/2026" in page
    assert "₫" not in page and "thg" not in page
    _english(client)
    page = client.get(f"/catalog/products/{product.id}").get_data(as_text=True)
    assert f"120,000{NBSP}VND" in page
    assert "05/01/2026" in page and "02/12/2026" in page
    assert "đ<" not in page and f"{NBSP}đ" not in page


def test_a_home_page_says_the_day_in_words(client, session):
    make_market(session)
    staff = make_quick_user(session, Role.ADMIN)
    session.commit()
    login(client, staff.username)
    today = dt.date.today()
    page = client.get("/markets/").get_data(as_text=True)
    assert f"số liệu ngày {today.day} tháng {today.month} năm {today.year}" in page
    assert "thg" not in page
    _english(client)
    page = client.get("/markets/").get_data(as_text=True)
    assert f"{today.day} {today:%B} {today.year}" in page


def _lead(page: str) -> str:
    return re.search(r'<p class="lead">([^<]*)</p>', page).group(1).strip()


def test_a_count_of_one_is_singular_in_english_and_vietnamese_has_one_form(client, session):
    market = make_market(session)
    make_vendor(session, market, name="Nguyễn Thị Một")
    admin = make_quick_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)

    assert _lead(client.get("/vendors/").get_data(as_text=True)) == "1 kết quả"
    _english(client)
    assert _lead(client.get("/vendors/").get_data(as_text=True)) == "1 result"
    make_vendor(session, market, name="Trần Văn Hai")
    session.commit()
    assert _lead(client.get("/vendors/").get_data(as_text=True)) == "2 results"
    client.get("/lang/vi")
    assert _lead(client.get("/vendors/").get_data(as_text=True)) == "2 kết quả"


def test_the_administrators_counts_agree_with_their_number(client, session):
    make_market(session)
    admin = make_quick_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    _english(client)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"<b>1</b> market</div>", page), page
    assert re.search(r"<b>1</b> account</div>", page)
    assert re.search(r"<b>34</b> provinces/cities</div>", page)
