"""Stall codes (market/stall_codes.py), directly: how a typed code is written down, near matches,
a market's pattern, which stall a code means, and the stalls offered as an agent types."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.stall_codes import (
    AskAboutStall,
    ExistingStall,
    NewStall,
    StallChoice,
    StallCodeError,
    choose_stall,
    natural_sort_key,
    normalise_pattern,
    normalise_stall_code,
    parse_pattern,
    rank_stalls,
    stall_match_key,
)

# No deadline: the machines that run the suite are shared and slow; no example database.
STEADY = settings(deadline=None, database=None)

CANONICAL = re.compile(r"[A-ZĐ0-9]+(?:[-/][A-ZĐ0-9]+)*")


# --- Writing a code down ----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("c 07", "C-07"),
    ("C07", "C07"),
    ("c-7", "C-7"),
    ("A-01", "A-01"),
    ("  b_12 ", "B-12"),
    ("c . 07", "C-07"),
    ("C\u201307", "C-07"),  # an en dash, as a phone's keyboard may put one
    ("kiot 12 / 3", "KIOT-12/3"),
    ("-C07-", "C07"),
    ("đ-5", "Đ-5"),
    ("d\u0111 1", "DĐ-1"),
])
def test_a_typed_code_is_written_upper_case_with_one_kind_of_separator(typed, stored):
    assert normalise_stall_code(typed) == stored


def test_junk_is_refused_naming_the_characters_a_code_may_not_have():
    with pytest.raises(StallCodeError) as refused:
        normalise_stall_code("zz 99 !!")
    assert str(refused.value.message) == (
        "Số quầy chỉ gồm chữ cái không dấu (A–Z, Đ), chữ số, gạch ngang (-) và gạch chéo (/); "
        "không nhận «!».")
    with pytest.raises(StallCodeError, match="«Ô #»"):
        normalise_stall_code("ô #1")


@pytest.mark.parametrize("typed", ["", "   ", "- / -", None])
def test_a_code_without_a_letter_or_digit_is_refused(typed):
    with pytest.raises(StallCodeError, match="ít nhất một chữ cái hoặc chữ số"):
        normalise_stall_code(typed)


def test_a_code_longer_than_the_column_is_refused():
    assert normalise_stall_code("A" * 20) == "A" * 20
    with pytest.raises(StallCodeError, match="tối đa 20 ký tự"):
        normalise_stall_code("A" * 21)


def test_decomposed_vietnamese_is_composed_first():
    assert normalise_stall_code(unicodedata.normalize("NFD", "đ 01")) == "Đ-01"


# Letter runs and numbers, alternating, as codes are made of.
code_parts = st.tuples(st.booleans(), st.lists(
    st.tuples(st.text("ABCĐXYZabcđxyz", min_size=1, max_size=3), st.integers(0, 999).map(str)),
    min_size=1, max_size=3)).map(
    lambda drawn: [part for pair in drawn[1] for part in pair][int(drawn[0]):])
separators = st.sampled_from(["", " ", "-", "  -  ", ".", "_", "/", "\u2013"])


@STEADY
@given(st.text(max_size=30))
def test_writing_a_code_down_twice_changes_nothing(text):
    try:
        code = normalise_stall_code(text)
    except StallCodeError:
        return
    assert CANONICAL.fullmatch(code)
    assert normalise_stall_code(code) == code
    assert stall_match_key(code) == stall_match_key(text)


@STEADY
@given(code_parts, st.data())
def test_codes_differing_in_separators_and_leading_zeros_share_their_key(parts, data):
    def written():
        text = ""
        for part in parts:
            if part.isdigit():
                part = "0" * data.draw(st.integers(0, 2)) + part
            text += data.draw(separators) + part
        return text

    assert stall_match_key(written()) == stall_match_key(written())


def test_near_matches_are_the_same_letters_and_numbers():
    assert {stall_match_key(code) for code in ("C7", "C07", "c-007", "C-07", "c 7")} == {"C.7"}
    assert stall_match_key("C-70") != stall_match_key("C-07")
    assert stall_match_key("A1-1") != stall_match_key("A-11")
    assert stall_match_key("ZZ 99 !!") == "ZZ.99"  # a stored code from before the rules has one
    assert stall_match_key("C-0") == "C.0"


def test_codes_sort_as_people_read_them():
    codes = ["C-10", "B-01", "C-2", "A-09", "C-07", "C-1"]
    assert sorted(codes, key=natural_sort_key) == ["A-09", "B-01", "C-1", "C-2", "C-07", "C-10"]


# --- A market's pattern -----------------------------------------------------------------------


def test_a_pattern_is_written_as_a_code_is():
    assert normalise_pattern(" a 00 , a.000 ; K000 ") == "A-00, A-000, K000"
    assert normalise_pattern("A-00, A-00") == "A-00"
    assert normalise_pattern("   ") is None


@pytest.mark.parametrize(("pattern", "why"), [
    ("A-00!", "không nhận «!»"),
    ("K-12", "cần ít nhất một chữ A"),
    ("A, 0, A0, 0A, AA, 00", "tối đa 5 dạng"),
    ("A" * 101, "tối đa 100 ký tự"),
    ("^[A-Z]-\\d{2}$", "không nhận"),  # a regular expression is not what staff write
])
def test_a_pattern_staff_cannot_mean_is_refused_with_what_to_change(pattern, why):
    with pytest.raises(StallCodeError, match=re.escape(why)):
        parse_pattern(pattern)


@pytest.mark.parametrize(("pattern", "code", "fits"), [
    ("A-00", "C-07", True),
    ("A-00", "Đ-07", True),
    ("A-00", "C-7", False),
    ("A-00", "C07", False),
    ("A-00", "C-007", False),
    ("A-00, A-000", "C-007", True),
    ("K-000", "K-012", True),
    ("K-000", "B-012", False),  # letters other than A stand for themselves
    ("00/0", "12/3", True),
    ("0", "7", True),
])
def test_a_code_fits_a_pattern_letter_for_letter(pattern, code, fits):
    assert parse_pattern(pattern).matches(code) is fits


@pytest.mark.parametrize(("pattern", "code", "fitted"), [
    ("A-00", "C7", "C-07"),
    ("A-00", "C-7", "C-07"),
    ("A-00", "C-007", "C-07"),
    ("A-00", "C-07", "C-07"),
    ("A-00", "C-123", None),
    ("A-00", "CD-12", None),
    ("A-00", "7", None),
    ("AA00", "CD-1", "CD01"),
    ("K-000", "K12", "K-012"),
    ("K-000", "B12", None),
    ("A-00, A-000", "C-123", "C-123"),
    ("00/0", "12-3", "12/3"),
])
def test_a_code_is_fitted_to_the_pattern_when_only_separators_and_zeros_differ(
        pattern, code, fitted):
    assert parse_pattern(pattern).fit(code) == fitted


@STEADY
@given(code_parts.map(lambda parts: "-".join(parts)),
       st.sampled_from(["A-00", "A-000", "AA-0", "K-00", "0/0", "A00", "A-00, A-000"]))
def test_a_fitted_code_fits_and_is_a_near_match_of_what_was_typed(text, pattern):
    try:
        code = normalise_stall_code(text)
    except StallCodeError:
        return
    fitted = parse_pattern(pattern).fit(code)
    if fitted is not None:
        assert parse_pattern(pattern).matches(fitted)
        assert stall_match_key(fitted) == stall_match_key(code)


# --- Which stall a code means -----------------------------------------------------------------

C07 = StallChoice("C-07", 7, "Khu C – Quần áo")


def test_the_stall_with_the_code_is_used():
    assert choose_stall("C-07", [C07]) == ExistingStall(7, "C-07")


def test_a_code_near_an_existing_stall_is_questioned_before_a_new_stall_is_made():
    decision = choose_stall("C7", [C07])
    assert decision == AskAboutStall("C7", (C07,), may_create=True)
    assert str(decision.message).startswith("Có phải quầy C-07?")
    assert choose_stall("C7", [C07], confirm_new=True) == NewStall("C7")


def test_a_code_near_nothing_is_a_new_stall():
    assert choose_stall("C-08", [C07]) == NewStall("C-08")
    # Candidates of another key are not near, whatever the caller passed.
    assert choose_stall("D-07", [C07]) == NewStall("D-07")


def test_a_stall_being_renamed_is_not_near_itself():
    assert choose_stall("C07", [C07], exclude_stall_id=7) == NewStall("C07")


def test_a_code_outside_the_pattern_is_refused_offering_the_code_that_fits():
    decision = choose_stall("C7", [], "A-00", confirm_new=True)
    assert decision == AskAboutStall("C7", (StallChoice("C-07"),), may_create=False,
                                     pattern="A-00")
    assert str(decision.message).startswith("Có phải quầy C-07? Số quầy ở chợ này có dạng A-00")
    # The existing stall, not a second one of the same code.
    assert choose_stall("C7", [C07], "A-00").choices == (C07,)
    nothing_fits = choose_stall("C-123", [], "A-00")
    assert (nothing_fits.choices, nothing_fits.may_create) == ((), False)
    assert str(nothing_fits.message) == (
        "Số quầy ở chợ này có dạng A-00 (A là một chữ cái, 0 là một chữ số); «C-123» không "
        "đúng dạng.")


def test_a_stall_recorded_before_the_pattern_is_still_used():
    assert choose_stall("C7", [StallChoice("C7", 3)], "A-00") == ExistingStall(3, "C7")


def test_a_new_code_that_fits_the_pattern_is_still_questioned_when_near_another():
    old = StallChoice("C7", 3)
    assert choose_stall("C-07", [old], "A-00") == AskAboutStall("C-07", (old,), may_create=True)


# --- Stalls offered as the agent types --------------------------------------------------------

STALLS = [StallChoice(code, number, zone) for number, (code, zone) in enumerate([
    ("C-07", "Khu C – Quần áo"), ("C-10", "Khu C – Quần áo"), ("C-12", "Khu C – Quần áo"),
    ("C-01", "Khu C – Quần áo"), ("A-07", "Khu A – Rau củ quả"), ("B-12", "Khu B – Thịt cá"),
    ("C-2", "Khu C – Quần áo"),
], start=1)]


def _codes(query):
    return [stall.code for stall in rank_stalls(query, STALLS)]


def test_the_stall_typed_comes_first_then_those_its_code_begins():
    assert _codes("c7") == ["C-07"]
    assert _codes("c 1") == ["C-01", "C-10", "C-12"]
    assert _codes("C-0") == ["C-01", "C-07"]
    assert _codes("c") == ["C-01", "C-2", "C-07", "C-10", "C-12"]


def test_codes_containing_what_is_typed_follow():
    assert _codes("07") == ["A-07", "C-07"]
    assert _codes("12") == ["B-12", "C-12"]


def test_a_zone_is_found_by_its_words_without_marks():
    assert _codes("rau cu") == ["A-07"]
    assert _codes("thit") == ["B-12"]


def test_nothing_typed_offers_nothing_and_the_list_is_limited():
    assert rank_stalls("", STALLS) == []
    assert rank_stalls(" - ", STALLS) == []
    assert len(rank_stalls("c", STALLS, limit=2)) == 2
