"""Where a product is for sale online: recorded on the product page or through the API, refused
when the address is not a web page, ended with a date."""
from __future__ import annotations

from accounts.models import Role
from catalog_export.models import ProductListing
from tests.api_area import refused
from tests.factories import make_product


def test_a_listing_is_recorded_and_ended_through_the_api(client, area, session):
    product = make_product(session, area.cooperative)
    session.commit()
    auth = area.auth(Role.COOPERATIVE_MANAGER)
    answer = client.post(f"/api/v1/products/{product.id}/listings", headers=auth, json={
        "platform": "Shopee", "url": "https://shopee.vn/che-tan-cuong-i.1.2",
        "listed_on": "2026-11-20"})
    assert answer.status_code == 201, answer.get_json()
    listing = answer.get_json()
    assert (listing["platform"], listing["listed_on"], listing["ended_on"]) == (
        "Shopee", "2026-11-20", None)
    refused(client.post(f"/api/v1/products/{product.id}/listings", headers=auth, json={
        "platform": "Shopee", "url": "https://shopee.vn/che-tan-cuong-i.1.2"}), 409, field="url")
    refused(client.post(f"/api/v1/listings/{listing['id']}/end", headers=auth,
                        json={"ended_on": "2026-11-20"}), 422, field="ended_on")
    ended = client.post(f"/api/v1/listings/{listing['id']}/end", headers=auth,
                        json={"ended_on": "2026-11-30"})
    assert ended.get_json()["ended_on"] == "2026-11-30"
    assert session.get(ProductListing, listing["id"]).ended_on.isoformat() == "2026-11-30"


def test_an_address_that_is_not_a_web_page_is_refused(client, area, session):
    product = make_product(session, area.cooperative)
    session.commit()
    for url in ("javascript:alert(1)", "shopee.vn/che", "ftp://shopee.vn/che"):
        refused(client.post(f"/api/v1/products/{product.id}/listings",
                            headers=area.auth(Role.COOPERATIVE_MANAGER),
                            json={"platform": "Shopee", "url": url}), 422, field="url")


def test_the_product_page_records_a_listing(client, area, session):
    from tests.factories import login
    product = make_product(session, area.cooperative)
    session.commit()
    assert login(client, area.users[Role.COOPERATIVE_MANAGER].username).status_code == 302
    page = client.post(f"/catalog/products/{product.id}/listings",
                       data={"platform": "Lazada", "url": "không phải địa chỉ"})
    assert page.status_code == 422
    assert "Cần địa chỉ trang sản phẩm bắt đầu bằng https://." in page.get_data(as_text=True)
    saved = client.post(f"/catalog/products/{product.id}/listings",
                        data={"platform": "Lazada", "url": "https://www.lazada.vn/products/x.html"})
    assert saved.status_code == 303
    assert "https://www.lazada.vn/products/x.html" in client.get(
        f"/catalog/products/{product.id}").get_data(as_text=True)
