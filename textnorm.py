"""Unicode helpers: NFC for everything stored, ASCII folding for search and for QR text fields."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters in their own right, not d plus a mark, so NFD leaves them alone.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str | None) -> str | None:
    """Normalise to NFC and trim; phones and keyboards send NFD Vietnamese too."""
    if text is None:
        return None
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def to_ascii(text: str) -> str:
    """Drop Vietnamese diacritics, keeping case: 'Chợ Đại Từ' -> 'Cho Dai Tu'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def search_key(text: str | None) -> str:
    """The form names are matched in: lower case, no diacritics, single spaces."""
    if not text:
        return ""
    return _SPACES.sub(" ", to_ascii(unicodedata.normalize("NFC", text)).lower()).strip()
