"""The public page of a product on sale, the `link` Google's and Meta's feeds point at."""
from __future__ import annotations

from catalog_export.export_rows import export_products
from catalog_export.exporters.google import EXPORTER as GOOGLE
from catalog_export.models import ProductStatus
from tests.factories import make_product, make_vendor
from vendors.models import VendorKind


def test_a_product_on_sale_has_a_public_page_and_a_draft_has_none(client, session):
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Mật Ong",
                              ward_code="05830")
    on_sale = make_product(session, cooperative, name="Mật ong rừng Định Hóa")
    draft = make_product(session, cooperative, name="Mật ong bạc hà", status=ProductStatus.DRAFT)
    session.commit()
    page = client.get(f"/catalog/public/{on_sale.id}")
    assert page.status_code == 200
    assert "Mật ong rừng Định Hóa" in page.get_data(as_text=True)
    assert "HTX Mật Ong" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"].startswith("public")
    assert client.get(f"/catalog/public/{draft.id}").status_code == 404
    products = export_products(session, [cooperative.id], "https://cho40.example.vn/")
    assert [p.link for p in products] == [f"https://cho40.example.vn/catalog/public/{on_sale.id}"]
    assert not any(f.rule == "link_missing" for f in GOOGLE.check(products[0]))
    without_base = export_products(session, [cooperative.id], None)
    assert any(f.rule == "link_missing" for f in GOOGLE.check(without_base[0]))
