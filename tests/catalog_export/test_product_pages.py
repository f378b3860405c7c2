"""The product form as a manager uses it: axes typed once and their combinations generated as
rows, every error shown beside its field at once, a product saved and edited again."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.service import Scope
from catalog_export.models import Product, ProductStatus
from tests.factories import TAN_CUONG, login, make_quick_user, make_vendor
from vendors.models import VendorKind

NAME = "Mật ong rừng Định Hóa — ả ã ạ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự ỳ ỷ ỹ ỵ"


@pytest.fixture
def manager(client, session):
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Ong Định Hóa",
                              ward_code=TAN_CUONG)
    user = make_quick_user(session, Role.COOPERATIVE_MANAGER,
                           Scope(cooperative_id=cooperative.id))
    session.commit()
    assert login(client, user.username).status_code == 302
    return cooperative


FORM = {"name": NAME, "description": "Mật ong hoa rừng, lọc thô.", "price": "250.000",
        "stock": "0", "weight_grams": "700", "length_cm": "8,5", "width_cm": "8,5",
        "height_cm": "15", "axis1_name": "Dung tích", "axis1_values": "500 ml, 1 lít",
        "status": "active", "cert_organic": "1", "ocop_stars": "4", "ocop_year": "2022"}


def test_the_axes_become_rows_and_the_product_is_saved(client, session, manager):
    url = f"/catalog/{manager.id}/products/new"
    page = client.post(url, data={**FORM, "action": "generate"}).get_data(as_text=True)
    assert 'name="variant0_key" value="500 ml"' in page
    assert 'name="variant1_key" value="1 lít"' in page
    assert 'name="variant1_price" value="250.000"' in page  # the product's price as a start
    form = {**FORM, "variant_count": "2", "variant0_key": "500 ml", "variant0_price": "250.000",
            "variant0_stock": "12", "variant1_key": "1 lít", "variant1_price": "480.000",
            "variant1_stock": "4"}
    saved = client.post(url, data=form)
    assert saved.status_code == 303
    product = session.scalars(select(Product).where(Product.vendor_id == manager.id)).one()
    assert product.name == NAME and product.status is ProductStatus.ACTIVE
    assert [(v.options, v.price, v.stock) for v in product.variants] == [
        ({"Dung tích": "500 ml"}, 250_000, 12), ({"Dung tích": "1 lít"}, 480_000, 4)]
    assert (product.length_mm, product.certifications, product.ocop_stars) == (85, ["organic"], 4)
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert NAME in detail and "480.000" in detail


def test_every_error_shows_beside_its_field_at_once(client, session, manager):
    form = {**FORM, "name": "", "length_cm": "8,55", "ocop_year": "", "variant_count": "2",
            "variant0_key": "500 ml", "variant0_price": "250,5", "variant1_key": "1 lít",
            "variant1_price": "480.000"}
    answer = client.post(f"/catalog/{manager.id}/products/new", data=form)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    errors = dict(re.findall(r'<p class="field-error" id="([\w]+)-error">([^<]+)</p>', page))
    assert errors["name"] == "Vui lòng điền mục này."
    assert errors["length_cm"].startswith("Kích thước tính bằng cm")
    assert errors["ocop_year"] == "Hạng OCOP cần cả số sao và năm được công nhận."
    assert "Giá là số nguyên đồng" in page  # beside the 500 ml row
    assert f'value="{NAME}"' not in page  # the name was blank; the rest is kept as typed
    assert 'value="8,55"' in page
    assert session.scalars(select(Product)).all() == []


def test_editing_shows_the_product_as_saved_and_keeps_its_variants(client, session, manager):
    form = {**FORM, "variant_count": "2", "variant0_key": "500 ml", "variant0_price": "250000",
            "variant1_key": "1 lít", "variant1_price": "480000"}
    location = client.post(f"/catalog/{manager.id}/products/new", data=form).headers["Location"]
    product = session.scalars(select(Product)).one()
    ids = [v.id for v in product.variants]
    edit = client.get(f"/catalog/products/{product.id}/edit").get_data(as_text=True)
    assert 'name="axis1_values" value="500 ml, 1 lít"' in edit
    assert 'name="length_cm" value="8.5"' in edit
    form["variant1_price"] = "490000"
    assert client.post(f"/catalog/products/{product.id}/edit", data=form).status_code == 303
    session.expire_all()
    assert [(v.id, v.price) for v in session.get(Product, product.id).variants] == [
        (ids[0], 250_000), (ids[1], 490_000)]
    assert client.get(location).status_code == 200


def test_the_category_is_found_by_words_without_diacritics_and_chosen(client, session, manager):
    url = f"/catalog/{manager.id}/products/new"
    page = client.post(url, data={**FORM, "category_q": "mat ong", "action": "find_category"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    match = re.search(r'name="google_category_id" value="(\d+)"> ([^<]*Mật ong)', text)
    assert match, text[text.find("category-matches"):][:600]
    form = {**FORM, "google_category_id": match.group(1), "variant_count": "2",
            "variant0_key": "500 ml", "variant0_price": "250000", "variant1_key": "1 lít",
            "variant1_price": "480000"}
    assert client.post(url, data=form).status_code == 303
    assert session.scalars(select(Product)).one().google_category_id == int(match.group(1))


def test_an_unknown_category_is_refused(client, manager):
    answer = client.post(f"/catalog/{manager.id}/products/new",
                         data={**FORM, "google_category_id": "999999"})
    assert answer.status_code == 422
    assert "Không có ngành hàng mã 999999" in answer.get_data(as_text=True)


def test_an_archived_product_comes_back_as_a_draft(client, session, manager):
    form = {**FORM, "variant_count": "2", "variant0_key": "500 ml", "variant0_price": "250000",
            "variant1_key": "1 lít", "variant1_price": "480000"}
    client.post(f"/catalog/{manager.id}/products/new", data=form)
    product = session.scalars(select(Product)).one()
    assert client.post(f"/catalog/products/{product.id}/archive").status_code == 303
    listing = client.get(f"/catalog/{manager.id}").get_data(as_text=True)
    assert NAME not in listing
    assert client.post(f"/catalog/products/{product.id}/restore").status_code == 303
    session.expire_all()
    assert session.get(Product, product.id).status is ProductStatus.DRAFT
