"""Vietnamese alphabetical order, as dictionaries and ICU's "vi" collation have it."""
from __future__ import annotations

import random

from textnorm import vietnamese_sort_key

# In dictionary order: each letter after its plain form, tones in the order ngang, huyền, hỏi,
# ngã, sắc, nặng, upper case after lower case of the same spelling.
ORDERED = ["An", "Ăn", "Ân", "Ba", "ca", "Ca", "cà", "cả", "cã", "cá", "cạ", "Chợ Dương",
           "Chợ Đại", "Chợ Đình", "Chợ Đồng", "Ê", "Gia", "Ô", "Ơ", "Ơn", "Úc", "Ụt", "Ưng",
           "Ương", "Vân", "Yên"]


def test_a_shuffled_list_sorts_back_to_dictionary_order():
    shuffled = ORDERED[:]
    for seed in range(20):
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=vietnamese_sort_key) == ORDERED


def test_decomposed_input_sorts_as_composed_and_odd_text_does_not_break_it():
    import unicodedata
    assert vietnamese_sort_key(unicodedata.normalize("NFD", "Chợ Đình")) == \
        vietnamese_sort_key("Chợ Đình")
    assert sorted(["Ω", "z", "", "9", "Chợ"], key=vietnamese_sort_key) == ["", "9", "Chợ", "z", "Ω"]
    assert vietnamese_sort_key(None) == vietnamese_sort_key("")
