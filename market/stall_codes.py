"""Stall codes, one rule for every place that writes one (the onboarding form, the API, the vendor
import, the stall pages): how a typed code is written down, which codes are one stall typed two
ways, a market's pattern of codes, and which stalls match what an agent is typing. Pure: no Flask,
no database.

The rules, as agents and commune staff meet them:
- A code is upper case, NFC, trimmed. Its characters are the letters A–Z and Đ, the digits 0–9,
  and separators: a run of spaces, hyphens (or dashes), dots or underscores is written as one
  hyphen, "c 07" and "c_07" as "C-07"; a slash stays (sub-numbers: "12/3"). Nothing else: "zz 99
  !!" is refused, saying which characters are not taken. Letters with tone marks are refused
  rather than folded, so a code never changes letter behind the agent's back.
- A code is otherwise kept as typed: "C07" stays "C07" and "C-7" stays "C-7". The painted
  number decides, not a house style; "A-01" keeps its zero.
- Two codes are near matches when they have the same letters and numbers once separators and
  leading zeros are ignored ("C7", "C07", "c-007" and "C-07" share the key "C.7"). A new code
  near an existing stall's is questioned before a stall is made of it ("Có phải quầy C-07?").
- A market may have a pattern, written the way stall codes are: "A" stands for one letter, "0"
  for one digit, any other letter or digit for itself, "-" and "/" for themselves; alternatives
  are separated by commas ("A-00, A-000"; "K-000" for kiosks numbered K-001...). Staff write a
  code shape they see painted, not a regular expression. A new code must fit one alternative;
  one that would fit once padded or separated ("c7" for "A-00") is offered as "C-07".
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from domain_errors import N_, Message, RefusedValue
from textnorm import search_key

MAX_LENGTH = 20  # the column's width (stalls.code)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZĐ"
DIGITS = "0123456789"
HYPHEN, SLASH = "-", "/"
# Written as a hyphen: what phones and spreadsheets put between a zone letter and a number.
_HYPHEN_LIKE = " \t\u00a0-\u2010\u2011\u2012\u2013\u2014\u2212._"
_SEPARATORS = _HYPHEN_LIKE + SLASH
_RUN_OF_SEPARATORS = re.compile(f"[{re.escape(_SEPARATORS)}]+")
_SPACES = re.compile(r"\s+")
# Letter runs and digit runs of any code, stored ones that break today's rules included.
_TOKENS = re.compile(r"[^\W\d_]+|\d+")


class StallCodeError(RefusedValue):
    """A typed code, or a market's pattern, that breaks the rules; `message` says how."""


def _describe(chars: Iterable[str]) -> str:
    shown = []
    for char in chars:
        if char not in shown:
            shown.append(char)
    return " ".join(shown)


def normalise_stall_code(text: str | None) -> str:
    """The code as stored: upper case, separators as one "-" (or "/"), nothing else but letters
    A–Z, Đ and digits. Raises StallCodeError for anything else, or for a code with no letter or
    digit or longer than MAX_LENGTH. normalise(normalise(x)) == normalise(x)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip().upper()
    refused = [char for char in text if char not in LETTERS + DIGITS + _SEPARATORS]
    if refused:
        raise StallCodeError(N_(
            "Số quầy chỉ gồm chữ cái không dấu (A–Z, Đ), chữ số, gạch ngang (-) và gạch chéo "
            "(/); không nhận «%(chars)s».", chars=_describe(refused)))
    code = _RUN_OF_SEPARATORS.sub(
        lambda run: SLASH if SLASH in run.group() else HYPHEN, text).strip(_SEPARATORS)
    if not code:
        raise StallCodeError(N_("Số quầy cần ít nhất một chữ cái hoặc chữ số."))
    if len(code) > MAX_LENGTH:
        raise StallCodeError(N_("Số quầy dài tối đa %(max)s ký tự.", max=MAX_LENGTH))
    return code


def _tokens(code: str | None) -> list[str]:
    """Letter runs and numbers (without leading zeros) of a code, separators dropped."""
    found = _TOKENS.findall(unicodedata.normalize("NFC", code or "").upper())
    return [(token.lstrip("0") or "0") if token.isdigit() else token for token in found]


def stall_match_key(code: str | None) -> str:
    """What near matches share: "C-07", "C07", "c 7" all give "C.7". Defined for any text, stored
    codes that predate the rules included, so every stall has one (stalls.match_key)."""
    return ".".join(_tokens(code))


def natural_sort_key(code: str) -> tuple:
    """Codes in the order a person reads them: "C-2" before "C-10", "A-09" before "B-01"."""
    return tuple((0, int(token), "") if token.isdigit() else (1, 0, token)
                 for token in _tokens(code)), code


# --- A market's pattern -----------------------------------------------------------------------

ANY_LETTER, ANY_DIGIT = "A", "0"
MAX_PATTERN_LENGTH = 100
MAX_ALTERNATIVES = 5


@dataclass(frozen=True)
class _Group:
    """Letters or digits between two separators (or the change from one to the other)."""

    template: str
    digits: bool


@dataclass(frozen=True)
class _Shape:
    template: str  # one alternative, as normalised: "A-00"
    groups: tuple[_Group, ...]
    joins: tuple[str, ...]  # what comes before each group after the first: "-", "/" or ""
    regex: re.Pattern

    @classmethod
    def of(cls, template: str) -> _Shape:
        groups, joins, join = [], [], ""
        for run in re.findall(r"[-/]|[^-/0-9]+|[0-9]+", template):
            if run in (HYPHEN, SLASH):
                join = run
                continue
            if groups:
                joins.append(join)
            groups.append(_Group(run, run[0].isdigit()))
            join = ""
        regex = "".join(
            f"[{LETTERS}]" if char == ANY_LETTER else "[0-9]" if char == ANY_DIGIT
            else re.escape(char) for char in template)
        return cls(template, tuple(groups), tuple(joins), re.compile(regex))

    def fit(self, code: str) -> str | None:
        """The code written in this shape, when only separators and zeros differ."""
        found = _TOKENS.findall(code)
        if len(found) != len(self.groups):
            return None
        parts = []
        for token, group in zip(found, self.groups):
            if token.isdigit() != group.digits:
                return None
            if group.digits:
                number = token.lstrip("0") or "0"
                if len(number) > len(group.template):
                    return None
                token = number.zfill(len(group.template))
            elif len(token) != len(group.template):
                return None
            parts.append(token)
        written = parts[0] + "".join(join + part for join, part in zip(self.joins, parts[1:]))
        return written if self.regex.fullmatch(written) else None


@dataclass(frozen=True)
class StallCodePattern:
    """A market's pattern of stall codes: one or more shapes, any of which a new code fits."""

    text: str  # as stored and shown: "A-00, A-000"
    shapes: tuple[_Shape, ...]

    def matches(self, code: str) -> bool:
        return any(shape.regex.fullmatch(code) for shape in self.shapes)

    def fit(self, code: str) -> str | None:
        """`code` if it matches; else the first shape's writing of it where only separators and
        leading zeros change ("C7" -> "C-07" for "A-00"); else None."""
        if self.matches(code):
            return code
        for shape in self.shapes:
            written = shape.fit(code)
            if written is not None:
                return written
        return None


def parse_pattern(text: str | None) -> StallCodePattern | None:
    """A pattern as staff type it ("a-00, a 000"), normalised ("A-00, A-000"); None for blank.
    Raises StallCodeError with what to change."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        return None
    if len(text) > MAX_PATTERN_LENGTH:
        raise StallCodeError(N_("Mẫu số quầy dài tối đa %(max)s ký tự.", max=MAX_PATTERN_LENGTH))
    alternatives = [part for part in re.split(r"[,;|]", text) if part.strip()]
    if len(alternatives) > MAX_ALTERNATIVES:
        raise StallCodeError(N_("Mẫu số quầy có tối đa %(max)s dạng, cách nhau bằng dấu phẩy.",
                                max=MAX_ALTERNATIVES))
    shapes = []
    for alternative in alternatives:
        try:
            template = normalise_stall_code(alternative)
        except StallCodeError as error:
            raise StallCodeError(N_(
                "Mẫu «%(pattern)s» chưa đúng: %(reason)s Viết mẫu như số quầy, với A là một "
                "chữ cái và 0 là một chữ số, ví dụ A-00.",
                pattern=alternative.strip(), reason=error.message)) from None
        if ANY_LETTER not in template and ANY_DIGIT not in template:
            raise StallCodeError(N_(
                "Mẫu «%(pattern)s» cần ít nhất một chữ A (một chữ cái bất kỳ) hoặc số 0 (một "
                "chữ số bất kỳ), ví dụ A-00.", pattern=template))
        if template not in (shape.template for shape in shapes):
            shapes.append(_Shape.of(template))
    return StallCodePattern(", ".join(shape.template for shape in shapes), tuple(shapes))


def normalise_pattern(text: str | None) -> str | None:
    """The pattern as stored, or None for blank; raises StallCodeError."""
    pattern = parse_pattern(text)
    return pattern.text if pattern else None


# --- Which stall a typed code means -----------------------------------------------------------


@dataclass(frozen=True)
class StallChoice:
    """A stall of the market (stall_id set), or a code for a new one, offered to the agent."""

    code: str
    stall_id: int | None = None
    zone: str | None = None


@dataclass(frozen=True)
class ExistingStall:
    """The market has a stall with exactly this code."""

    stall_id: int
    code: str


@dataclass(frozen=True)
class NewStall:
    """A stall to create with this code."""

    code: str


@dataclass(frozen=True)
class AskAboutStall:
    """Ask before making a stall of `code`: it is near existing stalls (`near`), or breaks the
    market's pattern (`pattern` set). `choices` are what to use instead; `may_create` says
    whether the agent may confirm `code` as a new stall."""

    code: str
    choices: tuple[StallChoice, ...]
    may_create: bool
    pattern: str | None = None

    @property
    def message(self) -> Message:
        codes = ", ".join(choice.code for choice in self.choices)
        if self.pattern is None:
            return N_("Có phải quầy %(codes)s? Chợ đã có quầy này, chỉ khác cách viết. Chọn quầy "
                      "đó, hoặc xác nhận «%(code)s» là quầy mới.", codes=codes, code=self.code)
        if self.choices:
            return N_("Có phải quầy %(codes)s? Số quầy ở chợ này có dạng %(pattern)s (A là một "
                      "chữ cái, 0 là một chữ số); «%(code)s» không đúng dạng.",
                      codes=codes, pattern=self.pattern, code=self.code)
        return N_("Số quầy ở chợ này có dạng %(pattern)s (A là một chữ cái, 0 là một chữ số); "
                  "«%(code)s» không đúng dạng.", pattern=self.pattern, code=self.code)


StallDecision = ExistingStall | NewStall | AskAboutStall


def choose_stall(code: str, candidates: Iterable[StallChoice], pattern: str | None = None, *,
                 confirm_new: bool = False,
                 exclude_stall_id: int | None = None) -> StallDecision:
    """What a normalised `code` typed for a market means, given the market's stalls sharing its
    match key (`candidates`; others are ignored) and its pattern: that stall, a new one, or a
    question. `confirm_new` is the agent's answer "yes, a new stall" to an earlier question about
    near matches; a code outside the pattern is never made. `exclude_stall_id` leaves a stall
    being renamed out of its own comparison."""
    key = stall_match_key(code)
    near = sorted((c for c in candidates
                   if stall_match_key(c.code) == key and c.stall_id != exclude_stall_id
                   and c.stall_id is not None), key=lambda c: natural_sort_key(c.code))
    for candidate in near:
        if candidate.code == code:
            return ExistingStall(candidate.stall_id, candidate.code)
    parsed = parse_pattern(pattern) if pattern else None
    if parsed is not None and not parsed.matches(code):
        fitted = parsed.fit(code)
        choices = list(near)
        if fitted is not None and all(c.code != fitted for c in near):
            choices.append(StallChoice(fitted))
        return AskAboutStall(code, tuple(choices), may_create=False, pattern=parsed.text)
    if near and not confirm_new:
        return AskAboutStall(code, tuple(near), may_create=True)
    return NewStall(code)


# --- Stalls offered as the agent types --------------------------------------------------------


def _compact(text: str) -> str:
    return "".join(_TOKENS.findall(unicodedata.normalize("NFC", text or "").upper()))


# A market's stalls are ranked again at every keystroke: what each code and zone reads as is
# kept, so ranking 2,000 stalls costs a few milliseconds rather than tens.
@functools.lru_cache(maxsize=16384)
def _code_reading(code: str) -> tuple[tuple[str, ...], str]:
    return tuple(_tokens(code)), _compact(code)


@functools.lru_cache(maxsize=4096)
def _zone_reading(zone: str) -> tuple[str, ...]:
    return tuple(search_key(zone).split())


def _prefix_of(typed: tuple[str, ...], tokens: tuple[str, ...]) -> bool:
    """The typed tokens begin the code's: all but the last equal, the last a prefix."""
    if not typed or len(typed) > len(tokens):
        return False
    return tokens[:len(typed) - 1] == typed[:-1] and tokens[len(typed) - 1].startswith(typed[-1])


def _zone_has(zone_words: tuple[str, ...], words: list[str]) -> bool:
    # A lone letter is a zone's letter ("c" for "Khu C"), not the start of any word in it.
    return all(any(zone_word == word or (len(word) > 1 and zone_word.startswith(word))
                   for zone_word in zone_words) for word in words)


def rank_stalls(query: str, stalls: Iterable[StallChoice], *,
                limit: int = 20) -> list[StallChoice]:
    """The stalls matching what is typed, best first: the code itself or a near match, codes it
    begins ("c-0" and "c0" begin "C-07"; "c 1" begins "C-12"), codes containing it ("07" is in
    "A-07"), then stalls whose zone has words it begins ("rau" finds "Khu A – Rau củ").
    Nothing typed, nothing offered."""
    typed_key, typed_compact = tuple(_tokens(query)), _compact(query)
    words = search_key(query).split()
    if not typed_compact and not words:
        return []
    ranked = []
    for stall in stalls:
        tokens, compact = _code_reading(stall.code)
        if typed_key and tokens == typed_key:
            rank = 0
        elif typed_compact and (compact.startswith(typed_compact)
                                or _prefix_of(typed_key, tokens)):
            rank = 1
        elif typed_compact and typed_compact in compact:
            rank = 2
        elif words and stall.zone and _zone_has(_zone_reading(stall.zone), words):
            rank = 3
        else:
            continue
        ranked.append((rank, natural_sort_key(stall.code), stall))
    ranked.sort(key=lambda item: item[:2])
    return [stall for _, _, stall in ranked[:limit]]
