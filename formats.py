"""How a day, a moment and a sum of money are written for a reader of Vietnamese or English: the
one table of forms, pure (Babel, no Flask). ui.py applies it in the reader's language on pages;
domain_errors.py in the sentences services give."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
# Babel patterns. The short form is the country's own day/month/year in both languages (British
# English writes it the same way); the long form is how a sentence says a day. Babel's own
# "medium" Vietnamese form, "2 thg 12, 2026", is how nobody in Vietnam writes a date.
DATE_FORMATS = {
    "vi": {"short": "dd/MM/yyyy", "long": "d 'tháng' M 'năm' y", "time": "dd/MM/yyyy HH:mm"},
    "en": {"short": "dd/MM/yyyy", "long": "d MMMM y", "time": "dd/MM/yyyy HH:mm"},
}
# Moments are stored in UTC and read on the clock of the country.
READERS_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# The unit after a sum of money: "125.000 đ" in Vietnamese, "125,000 VND" in English; the
# number is grouped as each language groups it.
MONEY_UNITS = {"vi": "đ", "en": "VND"}
NBSP = "\u00a0"  # keeps a number and its unit on one line


def _language(language: str) -> str:
    return language if language in LANGUAGES else "vi"


def day_text(day: dt.date, language: str, form: str = "short") -> str:
    """A day, `form` "short" (02/12/2026) or "long" (2 tháng 12 năm 2026, 2 December 2026)."""
    language = _language(language)
    return format_date(day, DATE_FORMATS[language][form], locale=language)


def moment_text(moment: dt.datetime, language: str) -> str:
    """A moment (aware, or naive UTC as stored) on Vietnam's clock: 02/12/2026 14:05."""
    language = _language(language)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_datetime(moment, DATE_FORMATS[language]["time"], tzinfo=READERS_TIMEZONE,
                           locale=language)


def money_text(dong: int, language: str) -> str:
    """A sum of whole đồng: "125.000 đ" in Vietnamese, "125,000 VND" in English."""
    language = _language(language)
    return f"{format_decimal(dong, format='#,##0', locale=language)}{NBSP}{MONEY_UNITS[language]}"
