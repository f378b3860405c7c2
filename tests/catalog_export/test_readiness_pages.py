"""The readiness page: the matrix of products × platforms as the page shows it, each problem in
the reader's language with the link where it is fixed, one platform at a time, drafts left out,
vendors outside the area not found, and the link to it from the cooperative's products."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from accounts.models import Role
from tests.catalog_export.readiness_products import (
    SHORT_NAME,
    SHORT_NAME_EN,
    SHORT_NAME_VI,
    SMALL_PHOTO_VI,
    make_catalogue,
)
from tests.factories import login


class ReadinessPage(HTMLParser):
    """The matrix's rows as the texts of their cells, and each problem listed below it as
    (product section id, field, rule, text, fix link)."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[list[str]] = []
        self.problems: list[tuple[str, str, str, str, str]] = []
        self._in_table = False
        self._cell: list[str] | None = None
        self._section = ""
        self._problem: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "readiness" in (attrs.get("class") or ""):
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("th", "td"):
            self._cell = []
        elif tag == "section":
            self._section = attrs.get("id", "")
        elif tag == "li" and "data-rule" in attrs:
            self._problem = {"field": attrs["data-field"], "rule": attrs["data-rule"],
                             "text": [], "href": None}
        elif tag == "a" and self._problem is not None:
            self._problem["href"] = attrs["href"]
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "li" and self._problem is not None:
            problem = self._problem
            self.problems.append((self._section, problem["field"], problem["rule"],
                                  " ".join("".join(problem["text"]).split()), problem["href"]))
            self._problem = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._problem is not None:
            self._problem["text"].append(data)


@pytest.fixture
def catalogue(session, area):
    return make_catalogue(session, area.cooperative)


def _logged_in(client, area, role):
    assert login(client, area.users[role].username).status_code == 302
    return client


def test_the_matrix_shows_each_product_on_each_platform(client, area, catalogue):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    answer = client.get(f"/catalog/{area.cooperative.id}/readiness")
    assert answer.status_code == 200
    page = ReadinessPage(answer.get_data(as_text=True))
    header, *rows = page.rows
    assert header[:4] == ["Sản phẩm", "Shopee ✓ 0 · ⚠ 0 · ✗ 3", "Lazada ✓ 0 · ⚠ 0 · ✗ 3",
                          "TikTok Shop ✓ 0 · ⚠ 0 · ✗ 3"]
    assert len(header) == 1 + 12
    # No public base URL: every photo lacks the URL the spreadsheets need.
    by_name = {row[0]: row[1:] for row in rows}
    assert list(by_name) == ["Chè búp Tân Cương đặc biệt hộp 500 g loại 1",
                             "Chè móc câu Tân Cương hộp giấy 250 g", SHORT_NAME]
    assert by_name[SHORT_NAME][2] == "✗ 3 lỗi"  # TikTok Shop: name, weight, no photo
    assert "Chè nháp chưa bán" not in answer.get_data(as_text=True)  # drafts are not exported


def test_each_problem_says_field_rule_and_limit_with_a_link_to_fix_it(client, area, catalogue):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    page = ReadinessPage(client.get(f"/catalog/{area.cooperative.id}/readiness?platform=tiktok")
                         .get_data(as_text=True))
    broken = f"product-{catalogue.broken.id}"
    edit = f"/catalog/products/{catalogue.broken.id}/edit"
    assert [problem for problem in page.problems if problem[0] == broken] == [
        (broken, "name", "name_too_short", f"Tên sản phẩm: {SHORT_NAME_VI} Sửa", f"{edit}#name"),
        (broken, "weight_grams", "weight_missing",
         (f"Khối lượng: Chưa có khối lượng ({catalogue.broken.variants[0].sku}); TikTok Shop "
          "cần khối lượng để tính phí vận chuyển. Sửa"), f"{edit}#weight_grams"),
        (broken, "images", "images_missing",
         "Ảnh: Cần ít nhất 1 ảnh sản phẩm cho TikTok Shop. Xem sản phẩm",
         f"/catalog/products/{catalogue.broken.id}"),
        (broken, "category", "platform_category_missing",
         ("Ngành hàng: Chưa có mã ngành hàng của TikTok Shop; cần điền cột ngành hàng trước "
          "khi tải lên. Sửa"), f"{edit}#category_q"),
    ]
    small = [text for section, _field, rule, text, _href in page.problems
             if section == f"product-{catalogue.small_photo.id}" and rule == "image_too_small"]
    assert small == [f"Ảnh: {SMALL_PHOTO_VI} Xem sản phẩm"]
    # The edit form has each anchor the links point at.
    form = client.get(edit).get_data(as_text=True)
    for anchor in ("name", "weight_grams", "category_q"):
        assert f'id="{anchor}"' in form


def test_one_platform_shows_one_column(client, area, catalogue):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    page = ReadinessPage(client.get(f"/catalog/{area.cooperative.id}/readiness?platform=tiktok")
                         .get_data(as_text=True))
    assert [len(row) for row in page.rows] == [2, 2, 2, 2]
    assert page.rows[0] == ["Sản phẩm", "TikTok Shop ✓ 0 · ⚠ 0 · ✗ 3"]


def test_photos_with_public_urls_make_a_product_ready_for_a_platform(app, client, area,
                                                                      catalogue):
    app.config["PUBLIC_BASE_URL"] = "https://cho40.example.vn"
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    page = ReadinessPage(client.get(f"/catalog/{area.cooperative.id}/readiness?platform=lazada")
                         .get_data(as_text=True))
    assert page.rows[0] == ["Sản phẩm", "Lazada ✓ 1 · ⚠ 0 · ✗ 2"]
    assert page.rows[1] == ["Chè búp Tân Cương đặc biệt hộp 500 g loại 1", "✓ Sẵn sàng"]


def test_an_unknown_platform_is_refused_with_the_names_there_are(client, area, catalogue):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    answer = client.get(f"/catalog/{area.cooperative.id}/readiness?platform=amazon")
    assert answer.status_code == 422
    assert "Không có sàn hoặc định dạng «amazon»" in answer.get_data(as_text=True)


def test_the_page_in_english(client, area, catalogue):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    client.get("/lang/en")
    text = client.get(f"/catalog/{area.cooperative.id}/readiness?platform=tiktok").get_data(
        as_text=True)
    assert "Check before export" in text and SHORT_NAME_EN in text
    assert SHORT_NAME_VI not in text and "Kiểm tra trước khi xuất" not in text


def test_read_only_staff_see_the_report_with_links_to_the_product(client, area, catalogue):
    _logged_in(client, area, Role.PROVINCIAL_STAFF)
    answer = client.get(f"/catalog/{area.cooperative.id}/readiness?platform=tiktok")
    assert answer.status_code == 200
    page = ReadinessPage(answer.get_data(as_text=True))
    links = {href for section, *_rest, href in page.problems
             if section == f"product-{catalogue.broken.id}"}
    assert links == {f"/catalog/products/{catalogue.broken.id}"}  # they may not edit


def test_a_vendor_outside_the_area_is_not_found(client, area, catalogue):
    _logged_in(client, area, Role.COMMUNE_STAFF)  # of Xã Đại Từ; the cooperative is in Tân Cương
    assert client.get(f"/catalog/{area.cooperative.id}/readiness").status_code == 404


def test_the_cooperatives_products_link_to_the_report(client, area, catalogue):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    text = client.get(f"/catalog/{area.cooperative.id}").get_data(as_text=True)
    assert (f'<a href="/catalog/{area.cooperative.id}/readiness">Kiểm tra trước khi xuất</a>'
            in text)


def test_a_vendor_with_nothing_on_sale(client, area):
    _logged_in(client, area, Role.COOPERATIVE_MANAGER)
    text = client.get(f"/catalog/{area.cooperative.id}/readiness").get_data(as_text=True)
    assert "Chưa có sản phẩm đang bán nào." in text
