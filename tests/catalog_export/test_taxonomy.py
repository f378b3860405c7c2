"""The category picker's data: Google's taxonomy as shipped, cho40's Vietnamese names, search,
display and each platform's category."""
from __future__ import annotations

import csv
import re
import time
import unicodedata

import pytest

from catalog_export import taxonomy
from catalog_export.taxonomy import (
    TaxonomyError,
    ancestors,
    category,
    display,
    platform_category,
    read_category_map,
    read_labels,
    read_taxonomy,
    search,
    shipped_taxonomy,
)

HONEY, TEA, FISH_SAUCE, CONDIMENTS, FOOD, PASTA_NOODLES = 4947, 2073, 5763, 427, 412, 434
FOOT_CARE = 515  # under Health & Beauty > Personal Care, left in English


def ids(categories):
    return [found.id for found in categories]


# --- The shipped files -------------------------------------------------------------------------

def test_the_shipped_taxonomy_has_googles_5595_categories_with_unique_ids_and_its_version():
    text = taxonomy.TAXONOMY_TXT.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# Google_Product_Taxonomy_Version: 2021-09-21"
    data_lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    listed_ids = [int(line.split(" - ", 1)[0]) for line in data_lines]
    assert len(listed_ids) == len(set(listed_ids)) == 5595

    shipped = shipped_taxonomy()
    assert shipped.version == "2021-09-21"
    assert shipped.source.startswith("Source: Google Merchant Center product taxonomy")
    assert set(shipped.categories) == set(listed_ids)
    assert category(TEA).path == ("Food, Beverages & Tobacco", "Beverages", "Tea & Infusions")


def test_names_google_published_double_encoded_are_read_as_meant():
    assert category(6813).name == "Madroño"
    assert category(499988).name == "Prepared Meals & Entrées"
    cyrillic = [found.id for found in shipped_taxonomy().categories.values()
                if re.search("[\u0400-\u04ff]", found.english_path)]
    assert cyrillic == []


def test_every_vietnamese_label_names_a_known_category_in_nfc_and_is_not_empty():
    text = taxonomy.LABELS_CSV.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# Source: cho40's own translations") and "2026-12-03" in line
               for line in comments)
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    known = shipped_taxonomy().categories
    assert len(rows) > 700
    for row in rows:
        assert int(row["id"]) in known, row
        assert row["label_vi"].strip(), row
        assert unicodedata.is_normalized("NFC", row["label_vi"]), row
    assert len({row["id"] for row in rows}) == len(rows)


def test_all_of_food_beverages_and_tobacco_and_health_care_read_in_vietnamese():
    for found in shipped_taxonomy().categories.values():
        if found.path[0] == "Food, Beverages & Tobacco" or found.path[:2] == (
                "Health & Beauty", "Health Care"):
            assert found.label_vi and None not in found.path_vi, found.english_path


def test_every_shipped_mapping_names_a_known_google_category_and_says_where_it_is_from():
    known = shipped_taxonomy().categories
    for platform in taxonomy.MAPPED_PLATFORMS:
        path = taxonomy.CATEGORY_MAP_DIR / f"{platform}.csv"
        text = path.read_text(encoding="utf-8")
        assert "# Source: " in text
        assert "IDs to be filled in by staff" in text
        mapping = read_category_map(text, platform, known)
        assert mapping and set(mapping) <= set(known)
        assert all(row.name and unicodedata.is_normalized("NFC", row.name)
                   for row in mapping.values())


# --- Reading files staff may edit ---------------------------------------------------------------

TAXONOMY = """# Google_Product_Taxonomy_Version: 2021-09-21
412 - Food, Beverages & Tobacco
413 - Food, Beverages & Tobacco > Beverages
2073 - Food, Beverages & Tobacco > Beverages > Tea & Infusions
"""


def test_a_taxonomy_line_not_in_googles_form_is_refused_with_its_line_number():
    with pytest.raises(TaxonomyError, match="^Dòng 3: cần dạng"):
        read_taxonomy(TAXONOMY.replace("413 - ", "413 "))


def test_a_taxonomy_without_its_version_line_or_with_an_orphan_is_refused():
    with pytest.raises(TaxonomyError, match="phiên bản"):
        read_taxonomy(TAXONOMY.split("\n", 1)[1])
    with pytest.raises(TaxonomyError, match="^Dòng 3: danh mục cha"):
        read_taxonomy(TAXONOMY.replace("413 - Food, Beverages & Tobacco > Beverages\n", "")
                      + "413 - Food, Beverages & Tobacco > Beverages\n")
    with pytest.raises(TaxonomyError, match="^Dòng 5: mã danh mục 413 đã có"):
        read_taxonomy(TAXONOMY + "413 - Food, Beverages & Tobacco > Beverages\n")


def test_labels_are_read_in_nfc_and_an_unknown_id_or_empty_label_is_refused_with_its_line():
    decomposed = unicodedata.normalize("NFD", "Trà và trà thảo mộc")
    assert read_labels(f"# Source: test\nid,label_vi\n2073,{decomposed}\n", {2073}) == {
        2073: "Trà và trà thảo mộc"}
    with pytest.raises(TaxonomyError, match="^Dòng 4: không có danh mục Google mã 99"):
        read_labels("# Source: test\nid,label_vi\n2073,Trà\n99,Khác\n", {2073})
    with pytest.raises(TaxonomyError, match="^Dòng 2 \\(mã 2073\\): tên tiếng Việt để trống"):
        read_labels("id,label_vi\n2073, \n", {2073})


MAP_HEADER = "# Source: test\ngoogle_id,platform_category_id,platform_category_name\n"


def test_a_category_map_row_is_read_with_its_id_empty_until_staff_fill_it():
    mapping = read_category_map(MAP_HEADER + "2073,,Bách Hóa Online > Đồ uống\n413,123,Đồ uống\n",
                                "shopee", {412, 413, 2073})
    assert mapping[2073] == taxonomy.PlatformCategory("shopee", 2073, None,
                                                      "Bách Hóa Online > Đồ uống")
    assert mapping[413].id == "123"


@pytest.mark.parametrize(("row", "message"), [
    ("999999,,Đồ uống", "^Dòng 3: không có danh mục Google mã 999999"),
    ("trà,,Đồ uống", "^Dòng 3: mã danh mục Google «trà» phải là số"),
    ("2073,,Đồ uống,thừa", "^Dòng 3: có 4 cột, dòng tiêu đề có 3"),
    ("2073,,", "^Dòng 3 \\(mã 2073\\): tên danh mục của sàn để trống"),
    ("2073,Đồ uống", "^Dòng 3: có 2 cột, dòng tiêu đề có 3"),
])
def test_a_category_map_with_a_bad_line_is_refused_with_its_line_number(row, message):
    with pytest.raises(TaxonomyError, match=message):
        read_category_map(MAP_HEADER + row + "\n", "shopee", {412, 413, 2073})


def test_a_category_map_listing_a_google_category_twice_is_refused():
    with pytest.raises(TaxonomyError, match="^Dòng 4: mã danh mục 2073 đã có"):
        read_category_map(MAP_HEADER + "2073,,Đồ uống\n2073,,Trà\n", "shopee", {2073})


# --- Looking up and displaying --------------------------------------------------------------------

def test_a_category_carries_its_vietnamese_path_and_its_ancestors_top_first():
    tea = category(TEA)
    assert tea.label_vi == "Trà và trà thảo mộc"
    assert tea.path_vi == ("Thực phẩm, đồ uống và thuốc lá", "Đồ uống", "Trà và trà thảo mộc")
    assert ids(ancestors(TEA)) == [FOOD, 413]
    assert ancestors(FOOD) == ()
    assert ancestors(123456789) == ()
    assert category(123456789) is None


def test_display_uses_vietnamese_names_where_there_are_some_and_english_elsewhere():
    assert display(category(TEA)) == (
        "Thực phẩm, đồ uống và thuốc lá > Đồ uống > Trà và trà thảo mộc")
    assert display(category(TEA), "en") == (
        "Food, Beverages & Tobacco > Beverages > Tea & Infusions")
    assert display(category(FOOT_CARE), "vi") == (
        "Sức khỏe và làm đẹp > Chăm sóc cá nhân > Foot Care")


def test_platform_category_walks_up_to_the_nearest_mapped_ancestor():
    shipped = taxonomy._shipped_map("shopee")
    assert FISH_SAUCE not in shipped and CONDIMENTS in shipped
    found = platform_category("shopee", FISH_SAUCE)
    assert found == shipped[CONDIMENTS]
    assert found.google_id == CONDIMENTS and found.id is None
    assert platform_category("shopee", TEA).google_id == TEA  # its own row comes first
    assert platform_category("lazada", TEA).google_id == FOOD
    # Vehicles & Parts > Vehicles > Watercraft > Yachts: no platform row above it.
    assert platform_category("shopee", 5644) is None
    assert platform_category("shopee", 123456789) is None
    with pytest.raises(ValueError):
        platform_category("ebay", TEA)


# --- Search -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["mật ong", "mat ong", "MẬT ONG", "honey", "Honey",
                                   "ma\u0302\u0323t ong", "  mật   ong  "])
def test_search_finds_honey_in_vietnamese_with_or_without_diacritics_and_in_english(query):
    assert search(query)[0].id == HONEY


def test_search_takes_words_in_any_order_and_each_must_match():
    assert ids(search("nuoc mam")) == ids(search("mắm nước")) == [FISH_SAUCE]
    assert HONEY in ids(search("ong mat"))
    assert search("mật ong trà") == []
    assert PASTA_NOODLES in ids(search("phở khô"))


def test_search_ranks_a_leaf_starting_with_the_query_first():
    found = ids(search("tra", limit=100))
    assert found[0] == TEA
    # "Trang sức" (jewellery) starts with the letters too, but not with the word: it ranks after
    # every name holding the word "trà".
    assert found.index(188) > found.index(4559)  # Lưới lọc trà
    assert search("gạo")[0].name == "Rice"
    # A whole word in a Vietnamese name beats English words it merely begins.
    assert search("bun")[0].id == PASTA_NOODLES


def test_search_puts_vietnamese_named_categories_before_english_only_ones():
    # Both leaves start with the word "hat": "Hạt cườm" (beads), named in Vietnamese, comes
    # before the English-only "Hat Boxes" although its path is longer.
    beads, hat_boxes = category(32), category(7514)
    assert beads.label_vi == "Hạt cườm" and hat_boxes.label_vi is None
    assert len(beads.path) > len(hat_boxes.path)
    found = ids(search("hat", limit=50))
    assert found.index(32) < found.index(7514)


def test_search_in_english_ranks_by_english_names():
    assert search("tea", language="en")[0].id == TEA
    # In English the Vietnamese leaf name does not rank: "Pasta & Noodles" holds no "bun".
    assert search("bun", language="en")[0].name == "Hair Bun & Volume Shapers"
    with pytest.raises(ValueError):
        search("tea", language="fr")


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "&&& > ,", "xqzvkwj", "x" * 10_000,
                                   "mật ong " * 1_250, None])
def test_search_finds_nothing_for_nonsense_and_survives_odd_input(query):
    started = time.perf_counter()
    found = search(query)
    assert time.perf_counter() - started < 1
    if query and "mật ong" in query:
        assert found[0].id == HONEY
    else:
        assert found == []


def test_search_returns_at_most_the_limit():
    assert len(search("a", limit=7)) == 7
    assert search("mật ong", limit=0) == []
