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


# --- Vietnamese alphabetical order ------------------------------------------------------------
# The order of Vietnamese dictionaries (and ICU's "vi" collation): ă and â come after a, đ after
# d, ê after e, ô and ơ after o, ư after u, each a letter of its own; tones count only between
# words spelt alike, in the order ngang, huyền, hỏi, ngã, sắc, nặng; case counts last.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_MARKED_LETTERS = {("a", "breve"): "ă", ("a", "circumflex"): "â", ("e", "circumflex"): "ê",
                   ("o", "circumflex"): "ô", ("o", "horn"): "ơ", ("u", "horn"): "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_WEIGHT = {letter: 1000 + index for index, letter in enumerate(_ALPHABET)}


def _primary_weight(char: str) -> int:
    if char in _LETTER_WEIGHT:
        return _LETTER_WEIGHT[char]
    if char.isdigit():
        return 500 + (unicodedata.digit(char, 0))
    if char.isspace():
        return 1
    if ord(char) < 128:  # punctuation and symbols, before digits and letters
        return 10 + ord(char)
    return 100_000 + ord(char)  # other scripts, after the Latin alphabet


def vietnamese_sort_key(text: str | None) -> tuple:
    """A key sorting text as Vietnamese readers expect: "Chợ Đình" after "Chợ Dương" and after
    "Chợ Đại", "Ú" before "Y", "ca" < "cà" < "cả" < "cã" < "cá" < "cạ"."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    base: str | None = None
    modifiers: list[str] = []
    tone = 0

    def close_letter():
        if base is None:
            return
        lower = base.lower()
        for modifier in modifiers:
            lower = _MARKED_LETTERS.get((lower, modifier), lower)
        primary.append(_primary_weight(lower))
        tones.append(tone)
        cases.append(1 if base.isupper() else 0)

    for char in unicodedata.normalize("NFD", nfc(text) or ""):
        if char in _LETTER_MARKS:
            modifiers.append(_LETTER_MARKS[char])
        elif char in _TONES:
            tone = _TONES[char]
        elif unicodedata.combining(char):
            continue  # a mark Vietnamese does not use: ignored, as ICU does at this level
        else:
            close_letter()
            base, modifiers, tone = char, [], 0
    close_letter()
    return tuple(primary), tuple(tones), tuple(cases)
