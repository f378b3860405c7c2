"""Unicode rules for what people type: NFC for everything stored, invisible controls dropped,
identifiers folded to ASCII digits, input a database cannot hold told apart; ASCII folding for
search and for QR text fields. The schemas (schema_fields.py) and the request guard
(input_hygiene.py) apply these; nothing else decides them."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters in their own right, not d plus a mark, so NFD leaves them alone.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})

# Characters that change how text around them is shown without being seen: the bidirectional
# embeddings, overrides and isolates (U+202A-202E, U+2066-2069), the left-to-right and
# right-to-left and Arabic letter marks (U+200E, U+200F, U+061C), and the zero-width space,
# joiners, word joiner and byte-order mark (U+200B-200D, U+2060, U+FEFF). A right-to-left
# override in a name prints it backwards on the placard (Unicode TR36, section 2.1; CVE-2021-42574
# "Trojan Source"); zero-width ones make two equal names differ.
INVISIBLE_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                                "\u200b-\u200d\u2060\ufeff]")
# What no stored text may hold: NUL (PostgreSQL's text refuses it) and lone UTF-16 surrogates
# (a JSON "\ud800" becomes one; no UTF-8 encoder writes it).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Every decimal digit Unicode knows (category Nd) (Arabic-Indic ٠-٩, Devanagari, ...): folded to ASCII in
# identifiers, so "٠٠١٢..." is the same ID as "0012...". NFKC alone folds full-width digits
# (U+FF10-FF19) but not these.
def _ascii_digit(ch: str) -> str:
    return str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch


def without_invisible_controls(text: str) -> str:
    return INVISIBLE_CONTROLS.sub("", text)


def nfc(text: str | None) -> str | None:
    """Normalise to NFC, drop invisible controls (INVISIBLE_CONTROLS), tidy spaces and trim;
    phones and keyboards send NFD Vietnamese too."""
    if text is None:
        return None
    return _SPACES.sub(" ", unicodedata.normalize("NFC", without_invisible_controls(text))).strip()


def identifier_text(text: str | None) -> str | None:
    """A phone, citizen ID, tax code or account number as typed, folded for checking: NFKC
    (full-width "０９１２" -> "0912", "－" -> "-"), every script's decimal digits to ASCII,
    invisible controls dropped. What is left must then be ASCII digits and separators; the
    field says which."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", without_invisible_controls(text))
    if folded.isascii():  # (most of what is typed: nothing to fold digit by digit)
        return folded.strip()
    return "".join(map(_ascii_digit, folded)).strip()


def is_ascii_digits(text: str) -> bool:
    """Only 0-9 (str.isdigit() is true of "²", "٣" and "０" too)."""
    return text.isascii() and text.isdigit()


def unstorable(text: str) -> bool:
    """Whether `text` holds NUL or a lone surrogate: refused wherever it is sent (422)."""
    return UNSTORABLE.search(text) is not None


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
