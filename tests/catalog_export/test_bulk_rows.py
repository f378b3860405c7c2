"""bulk_rows: a catalogue read from table rows in batches gives the canonical products
to_canonical gives from the ORM objects."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from catalog_export import canonical


def _url(product, image) -> canonical.Image:
    return canonical.Image(name=image.file_name, width=image.width, height=image.height,
                           bytes=image.byte_size, url=f"https://example.invalid/{product.sku}/"
                                                      f"{image.file_name}")


def test_rows_read_in_batches_give_what_to_canonical_gives(runner, session):
    from catalog_export import bulk_rows
    from catalog_export.models import Product
    from catalog_export.products import to_canonical

    # The demo's catalogue: products on 0, 1 and 2 option axes, with 0 to 3 images, with and
    # without brand, OCOP stars, certifications and package size.
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    products = session.scalars(select(Product).order_by(Product.id)).all()
    assert len(products) > 3
    expected = [to_canonical(p, images=tuple(_url(p, i) for i in p.images),
                             category_path=f"path {p.google_category_id}")
                for p in products]
    read = list(bulk_rows.canonical_products(
        session, Product.id > 0, image_of=_url, category_path=lambda i: f"path {i}",
        batch_size=3))
    # to_canonical names the seller from the product's vendor; a bulk read is of one seller's.
    assert [p.seller for p in expected if p.seller] == [p.name for p in
                                                        (x.vendor for x in products)]
    assert read == [replace(p, seller="") for p in expected]
    assert {len(p.option_names) for p in read} == {0, 1, 2}
    assert any(p.images for p in read) and any(p.certifications for p in read)


def test_a_condition_limits_the_products_read(runner, session):
    from catalog_export import bulk_rows
    from catalog_export.models import Product

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    vendor_id = session.scalar(select(Product.vendor_id).order_by(Product.id))
    read = list(bulk_rows.canonical_products(session, Product.vendor_id == vendor_id,
                                             seller="HTX", batch_size=2))
    wanted = session.scalars(select(Product.id).where(Product.vendor_id == vendor_id)
                             .order_by(Product.id)).all()
    assert [p.id for p in read] == wanted and all(p.seller == "HTX" for p in read)
    assert all(image.url is None for p in read for image in p.images)
