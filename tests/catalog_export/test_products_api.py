"""The catalogue through the JSON API: products with variants on two axes, money and sizes as
people write them, every error at once, scope, drafts, archiving, SKUs."""
from __future__ import annotations

import pytest

from accounts.models import Role
from catalog_export.models import Product, ProductStatus
from tests.api_area import refused, snapshot
from tests.factories import make_vendor
from vendors.models import VendorKind

NAME = "Chè búp Tân Cương đặc biệt — ả ã ạ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự ỳ ỷ ỹ ỵ Đ"
TEA = {
    "name": NAME, "description": "Chè một tôm hai lá, sao tay.", "status": "active",
    "brand": "HTX Chè Tân Cương", "google_category_id": 2073, "origin": "Xã Tân Cương, Thái Nguyên",
    "length_cm": "12,5", "width_cm": 8, "height_cm": "3.0", "ocop_stars": 4, "ocop_year": 2023,
    "certifications": ["vietgap"], "shelf_life_days": 365, "storage": "Nơi khô ráo, thoáng mát",
    "option_names": ["Khối lượng", "Loại"],
    "variants": [
        {"options": {"Khối lượng": "250 g", "Loại": "Loại 1"}, "price": "125.000", "stock": 10,
         "weight_grams": 250},
        {"options": {"Khối lượng": "500 g", "Loại": "Loại 1"}, "price": "240000 đ", "stock": 5,
         "weight_grams": 500},
        {"options": {"Khối lượng": "250 g", "Loại": "Loại 2"}, "price": 95000, "stock": 0,
         "weight_grams": 250, "gtin": "8934588012112"},
    ],
}


def add(client, area, body, role=Role.COOPERATIVE_MANAGER, vendor=None):
    vendor_id = vendor or area.cooperative.id
    return client.post(f"/api/v1/vendors/{vendor_id}/products", json=body, headers=area.auth(role))


def test_a_manager_adds_a_product_with_variants_on_two_axes(client, area, session):
    response = add(client, area, TEA)
    assert response.status_code == 201, response.get_json()
    product = response.get_json()
    assert product["name"] == NAME  # every tone mark, NFC, as sent
    assert [v["price"] for v in product["variants"]] == [125000, 240000, 95000]
    assert product["price"] == 95000 and product["stock"] == 15  # lowest price, total stock
    assert (product["length_cm"], product["width_cm"], product["height_cm"]) == (12.5, 8, 3)
    assert product["sku"] == "CBTCDBAA-001"  # from the first 8 words' initials
    assert [v["sku"] for v in product["variants"]] == [
        "CBTCDBAA-001-250G-LOAI1", "CBTCDBAA-001-500G-LOAI1", "CBTCDBAA-001-250G-LOAI2"]
    stored = session.get(Product, product["id"])
    assert stored.length_mm == 125 and stored.status is ProductStatus.ACTIVE
    assert stored.certifications == ["vietgap"] and stored.ocop_stars == 4


def test_every_error_is_reported_at_once(client, area, session):
    before = snapshot(session)
    body = {**TEA, "name": "", "length_cm": "12,55", "ocop_year": None, "gtin": "8934588012113",
            "variants": [{**TEA["variants"][0], "price": "125,5"}, TEA["variants"][0]]}
    answer = refused(add(client, area, body), 422)
    assert set(answer["errors"]) >= {"name", "length_cm", "gtin", "variants", "ocop_year"}
    assert snapshot(session) == before


def test_changing_variants_keeps_those_kept_and_their_skus(client, area):
    product = add(client, area, TEA).get_json()
    kept = product["variants"][0]
    changed = client.patch(f"/api/v1/products/{product['id']}", headers=area.auth(
        Role.COOPERATIVE_MANAGER), json={"variants": [
            {"options": kept["options"], "price": 130000, "stock": 3}]})
    assert changed.status_code == 200, changed.get_json()
    variants = changed.get_json()["variants"]
    assert [(v["id"], v["sku"], v["price"]) for v in variants] == [
        (kept["id"], kept["sku"], 130000)]


def test_a_sku_the_vendor_uses_is_a_conflict(client, area):
    assert add(client, area, {**TEA, "sku": "CHE-01"}).status_code == 201
    refused(add(client, area, {**TEA, "sku": "CHE-01"}), 409, field="sku")


def test_drafts_are_hidden_from_read_only_staff_and_archiving_keeps_the_product(client, area):
    draft = add(client, area, {**TEA, "status": "draft"}).get_json()
    provincial = area.auth(Role.PROVINCIAL_STAFF)
    refused(client.get(f"/api/v1/products/{draft['id']}", headers=provincial), 404)
    listed = client.get("/api/v1/products", headers=provincial).get_json()
    assert draft["id"] not in [p["id"] for p in listed]
    archived = client.post(f"/api/v1/products/{draft['id']}/archive",
                           headers=area.auth(Role.COOPERATIVE_MANAGER))
    assert archived.get_json()["status"] == "archived"
    mine = client.get("/api/v1/products", headers=area.auth(Role.COOPERATIVE_MANAGER)).get_json()
    assert draft["id"] not in [p["id"] for p in mine]
    asked = client.get("/api/v1/products?status=archived",
                       headers=area.auth(Role.COOPERATIVE_MANAGER)).get_json()
    assert [p["id"] for p in asked] == [draft["id"]]


@pytest.mark.parametrize("role", [Role.COOPERATIVE_MANAGER, Role.ONBOARDING_AGENT])
def test_another_vendors_catalogue_is_not_found(client, area, session, role):
    other = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Khác",
                        ward_code="25747")
    session.commit()
    refused(add(client, area, TEA, role=role, vendor=other.id), 404)


def test_read_only_staff_are_refused_with_the_reason(client, area):
    answer = refused(add(client, area, TEA, role=Role.PROVINCIAL_STAFF), 403)
    assert answer["reason"] == "forbidden_edit_catalogue"
