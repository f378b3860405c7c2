"""The product category picker's data: Google's product taxonomy with cho40's Vietnamese labels,
search by words with or without diacritics, and each platform's category for a Google one.

Pure: reads the files shipped in catalog_export/data once per process; no Flask, no database.
"""
from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain_errors import N_, Message
from reference_csv import ReferenceListError, read_reference_csv, read_reference_file, source_line
from textnorm import nfc, search_key

DATA = Path(__file__).parent / "data"
TAXONOMY_TXT = DATA / "google_product_taxonomy.txt"
LABELS_CSV = DATA / "google_taxonomy_vi.csv"
CATEGORY_MAP_DIR = DATA / "category_map"
# Platforms whose category trees differ from Google's: one CSV each in CATEGORY_MAP_DIR. The
# feeds (Google Merchant Center, Meta) take the Google ID itself and need no map.
MAPPED_PLATFORMS = ("shopee", "lazada", "tiktok", "tiki", "sendo")
LANGUAGES = ("vi", "en")
SEPARATOR = " > "

_TAXONOMY_LINE = re.compile(r"(\d+) - (\S.*)")
_VERSION_LINE = re.compile(r"#\s*Google_Product_Taxonomy_Version:\s*(\S+)")
_WORDS = re.compile(r"[a-z0-9]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


class TaxonomyError(ReferenceListError):
    """A taxonomy, label or category-map file is not usable; the message names the line."""

    code = "invalid_taxonomy"


@dataclass(frozen=True)
class Category:
    """A Google product category: its path from the top in English, the Vietnamese name of its
    leaf (None where cho40 has not translated it) and of each step of the path."""

    id: int
    path: tuple[str, ...]
    label_vi: str | None
    path_vi: tuple[str | None, ...]

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def english_path(self) -> str:
        """The form Google's file and canonical.Product.google_category_path use."""
        return SEPARATOR.join(self.path)


@dataclass(frozen=True)
class PlatformCategory:
    """Where a Google category goes on a platform: `google_id` is the mapped category (the one
    asked for, or the nearest ancestor with a mapping); `id` is None until staff fill it in."""

    platform: str
    google_id: int
    id: str | None
    name: str


@dataclass(frozen=True)
class Taxonomy:
    version: str
    source: str
    categories: dict[int, Category]


# --- Reading the files ------------------------------------------------------------------------

def read_taxonomy(text: str) -> tuple[str, dict[int, tuple[str, ...]]]:
    """Google's "ID - Path > Path > Leaf" lines: the version and {id: path}. Every parent path
    must be listed before its children, as Google's file lists them."""
    version = None
    paths: dict[int, tuple[str, ...]] = {}
    known_paths: set[tuple[str, ...]] = set()
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            if found := _VERSION_LINE.match(line):
                version = found.group(1)
            continue
        found = _TAXONOMY_LINE.fullmatch(line.strip())
        if not found:
            raise TaxonomyError(N_("Dòng %(line)s: cần dạng «ID - Nhóm > Nhóm con».",
                                   line=line_no))
        category_id = int(found.group(1))
        path = tuple(_repaired(part.strip()) for part in found.group(2).split(">"))
        if category_id in paths:
            raise TaxonomyError(N_("Dòng %(line)s: mã danh mục %(id)s đã có ở dòng trước.",
                                   line=line_no, id=category_id))
        if len(path) > 1 and path[:-1] not in known_paths:
            raise TaxonomyError(N_("Dòng %(line)s: danh mục cha «%(parent)s» chưa có ở dòng "
                                   "trước.", line=line_no, parent=SEPARATOR.join(path[:-1])))
        paths[category_id] = path
        known_paths.add(path)
    if version is None:
        raise TaxonomyError(N_("Tệp danh mục thiếu dòng phiên bản "
                               "«# Google_Product_Taxonomy_Version: ...»."))
    if not paths:
        raise TaxonomyError(N_("Tệp danh mục không có danh mục nào."))
    return version, paths


def _repaired(name: str) -> str:
    # Google's published file carries a few names whose UTF-8 was read as Windows-1251 and
    # encoded again ("MadroГ±o" for "Madroño"); no English category name is Cyrillic.
    if not _CYRILLIC.search(name):
        return name
    try:
        return name.encode("cp1251").decode("utf-8")
    except UnicodeError:
        return name


def read_labels(text: str, known_ids: Iterable[int]) -> dict[int, str]:
    """cho40's Vietnamese names of Google categories (columns id, label_vi), NFC."""
    records, _comments = read_reference_csv(
        text, ("id", "label_vi"), error=TaxonomyError,
        nothing_in_it=N_("Tệp tên danh mục tiếng Việt không có dòng nào."))
    return {category_id: label for category_id, label, _record in _named_rows(
        records, "id", "label_vi", set(known_ids),
        lambda line, category_id: N_("Dòng %(line)s (mã %(id)s): tên tiếng Việt để trống.",
                                     line=line, id=category_id))}


def read_category_map(text: str, platform: str, known_ids: Iterable[int],
                      ) -> dict[int, PlatformCategory]:
    """A platform's category for Google categories (columns google_id, platform_category_id,
    platform_category_name); the ID may be empty until staff look it up."""
    records, _comments = read_reference_csv(
        text, ("google_id", "platform_category_id", "platform_category_name"),
        error=TaxonomyError, nothing_in_it=N_("Tệp đối chiếu danh mục không có dòng nào."))
    return {google_id: PlatformCategory(platform=platform, google_id=google_id,
                                        id=nfc(record["platform_category_id"]) or None, name=name)
            for google_id, name, record in _named_rows(
                records, "google_id", "platform_category_name", set(known_ids),
                lambda line, google_id: N_(
                    "Dòng %(line)s (mã %(id)s): tên danh mục của sàn để trống.",
                    line=line, id=google_id))}


def _named_rows(records: list[tuple[int, dict[str, str]]], id_column: str, name_column: str,
                known: set[int], empty_name: Callable[[int, int], Message],
                ) -> Iterator[tuple[int, str, dict[str, str]]]:
    """(Google id, NFC name, row) of each row; a file naming an unknown id, an id twice or an
    empty name is refused at that line."""
    seen: set[int] = set()
    for line_no, record in records:
        category_id = _known_id(record[id_column], known, line_no)
        name = nfc(record[name_column])
        if not name:
            raise TaxonomyError(empty_name(line_no, category_id))
        if category_id in seen:
            raise TaxonomyError(N_("Dòng %(line)s: mã danh mục %(id)s đã có ở dòng trước.",
                                   line=line_no, id=category_id))
        seen.add(category_id)
        yield category_id, name, record


def _known_id(text: str, known: set[int], line_no: int) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise TaxonomyError(N_("Dòng %(line)s: mã danh mục Google «%(id)s» phải là số.",
                               line=line_no, id=value))
    if int(value) not in known:
        raise TaxonomyError(N_("Dòng %(line)s: không có danh mục Google mã %(id)s.",
                               line=line_no, id=value))
    return int(value)


def build_taxonomy(taxonomy_text: str, labels_text: str) -> Taxonomy:
    version, paths = read_taxonomy(taxonomy_text)
    labels = read_labels(labels_text, paths)
    id_of_path = {path: category_id for category_id, path in paths.items()}
    categories = {}
    for category_id, path in paths.items():
        path_vi = tuple(labels.get(id_of_path[path[:depth]]) for depth in range(1, len(path) + 1))
        categories[category_id] = Category(category_id, path, labels.get(category_id), path_vi)
    comments = [line[1:].strip() for line in taxonomy_text.splitlines() if line.startswith("#")]
    return Taxonomy(version, source_line(comments, "Google product taxonomy"), categories)


# --- The shipped data, read once --------------------------------------------------------------

@cache
def shipped_taxonomy() -> Taxonomy:
    return build_taxonomy(read_reference_file(TAXONOMY_TXT, lambda text: text),
                          read_reference_file(LABELS_CSV, lambda text: text))


@cache
def _shipped_map(platform: str) -> dict[int, PlatformCategory]:
    if platform not in MAPPED_PLATFORMS:
        raise ValueError(f"no category map for platform {platform!r}")
    categories = shipped_taxonomy().categories
    return read_reference_file(CATEGORY_MAP_DIR / f"{platform}.csv",
                               lambda text: read_category_map(text, platform, categories))


def category(category_id: int) -> Category | None:
    return shipped_taxonomy().categories.get(category_id)


def ancestors(category_id: int) -> tuple[Category, ...]:
    """The categories above this one, the top first; () for a top category or an unknown id."""
    found = category(category_id)
    if found is None:
        return ()
    return tuple(_index().by_path[found.path[:depth]] for depth in range(1, len(found.path)))


def display(found: Category, language: str = "vi") -> str:
    """The path as a person reads it: Vietnamese names where cho40 has them, English elsewhere."""
    if language == "en":
        return found.english_path
    return SEPARATOR.join(vi or en for vi, en in zip(found.path_vi, found.path))


def platform_category(platform: str, google_id: int) -> PlatformCategory | None:
    """The platform's category for a Google one: its own mapping, else the nearest ancestor's (a
    mapping for "Tea & Infusions" covers everything under it); None if nothing above is mapped."""
    mapping = _shipped_map(platform)
    found = category(google_id)
    if found is None:
        return None
    for candidate in (found, *reversed(ancestors(google_id))):
        if candidate.id in mapping:
            return mapping[candidate.id]
    return None


# --- Search -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Leaf:
    """A category's leaf as one language ranks it: its names folded to words joined by single
    spaces ("mat ong"; in Vietnamese the English name too), and the set of those words."""

    phrases: tuple[str, ...]
    words: frozenset[str]
    # The order among matches that rank alike by the leaf: (in Vietnamese) named in Vietnamese
    # first, then shorter paths, then shorter names.
    order: tuple


@dataclass(frozen=True)
class _WordIndex:
    words: list[str]  # sorted, for the words starting with a prefix by bisect
    ids_by_word: dict[str, frozenset[int]]

    def ids_with_word_starting(self, prefix: str) -> set[int]:
        found: set[int] = set()
        position = bisect.bisect_left(self.words, prefix)
        while position < len(self.words) and self.words[position].startswith(prefix):
            found |= self.ids_by_word[self.words[position]]
            position += 1
        return found


@dataclass(frozen=True)
class _SearchIndex:
    path: _WordIndex  # every word of every step's names, both languages
    leaf: dict[str, _WordIndex]  # by language: the words of the leaf's names
    leaves: dict[str, dict[int, _Leaf]]  # by language, by category id
    by_path: dict[tuple[str, ...], Category]


@cache
def _index() -> _SearchIndex:
    """Folded words computed once: a search then looks words up and ranks only the matches."""
    categories = shipped_taxonomy().categories
    path_words: dict[int, set[str]] = {}
    leaves: dict[str, dict[int, _Leaf]] = {language: {} for language in LANGUAGES}
    for found in categories.values():
        path_words[found.id] = set(_words(" ".join(name for name in (*found.path_vi, *found.path)
                                                    if name)))
        for language in LANGUAGES:
            names = (found.label_vi, found.name) if language == "vi" else (found.name,)
            phrases = tuple(" ".join(_words(name)) for name in names if name)
            unlabelled = language == "vi" and found.label_vi is None
            leaves[language][found.id] = _Leaf(
                phrases, frozenset(" ".join(phrases).split()),
                (unlabelled, len(found.path), len(phrases[0]), phrases[0], found.id))
    return _SearchIndex(
        _word_index(path_words),
        {language: _word_index({found: leaf.words for found, leaf in by_id.items()})
         for language, by_id in leaves.items()},
        leaves, {found.path: found for found in categories.values()})


def _word_index(words_by_id: dict[int, Iterable[str]]) -> _WordIndex:
    ids_by_word: dict[str, set[int]] = {}
    for category_id, words in words_by_id.items():
        for word in words:
            ids_by_word.setdefault(word, set()).add(category_id)
    return _WordIndex(sorted(ids_by_word),
                      {word: frozenset(ids) for word, ids in ids_by_word.items()})


def _words(text: str) -> list[str]:
    return _WORDS.findall(search_key(text))


def search(query: str, *, limit: int = 20, language: str = "vi") -> list[Category]:
    """Categories whose Vietnamese or English path holds every word of the query, in any order,
    as a word or the start of one, with or without diacritics ("mat ong", "mật ong", "honey").

    Ranked by the leaf's name: equal to the query, starting with its words, holding its words
    whole, starting with it as typed so far, holding words that start with its words, and last
    the categories matched only above the leaf; then (in Vietnamese) categories cho40 has named
    in Vietnamese before English-only ones; then shorter paths. A query without letters or
    digits finds nothing.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    query_words = _words(query or "")
    # Longest words first: they match fewest categories, so the intersection shrinks fastest.
    words = sorted(set(query_words), key=len, reverse=True)
    if not words or limit <= 0:
        return []
    index = _index()
    matches = _matching_all(index.path, words)
    if not matches:
        return []
    leaves = index.leaves[language]
    in_leaf = _matching_all(index.leaf[language], words) & matches
    phrase = " ".join(query_words)
    ranked = heapq.nsmallest(limit, in_leaf,
                             key=lambda found: _leaf_rank(leaves[found], phrase, words))
    if len(ranked) < limit:
        # The rest match only above the leaf: they all rank after those matched in it.
        ranked += heapq.nsmallest(limit - len(ranked), matches - in_leaf,
                                  key=lambda found: leaves[found].order)
    categories = shipped_taxonomy().categories
    return [categories[found] for found in ranked]


def _matching_all(index: _WordIndex, words: list[str]) -> set[int]:
    matches: set[int] | None = None
    for word in words:
        found = index.ids_with_word_starting(word)
        matches = found if matches is None else matches & found
        if not matches:
            return set()
    return matches or set()


def _leaf_rank(leaf: _Leaf, phrase: str, words: list[str]) -> tuple:
    # Only called for leaves where every query word starts a word of the leaf.
    if phrase in leaf.phrases:
        tier = 0
    elif any(name.startswith(phrase + " ") for name in leaf.phrases):
        tier = 1
    elif all(word in leaf.words for word in words):
        tier = 2
    elif any(name.startswith(phrase) for name in leaf.phrases):
        tier = 3
    else:
        tier = 4
    return (tier, *leaf.order)
