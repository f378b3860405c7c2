"""`flask demo load`: realistic Thái Nguyên data, a user per role, and a fast bulk --scale."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from accounts.models import Role, User
from catalog_export.models import Product, ProductImage, ProductListing, ProductVariant
from market.models import Market, Ward
from qr.models import Bank
from tests.factories import login
from vendors.models import (
    PaymentMethod,
    PaymentMethodKind,
    Vendor,
    VendorKind,
    VerificationVisit,
)


def test_demo_load_builds_markets_vendors_and_cooperatives_of_two_provinces(runner, session):
    result = runner.invoke(args=["demo", "load", "--password", "mat-khau-demo"])
    assert result.exit_code == 0, result.output
    markets = session.scalars(select(Market)).all()
    assert 25 <= len(markets) <= 30
    assert {m.ward.province_code for m in markets} == {"19", "25"}
    assert "Chợ Đại Từ" in {m.name for m in markets}
    vendors = session.scalars(select(Vendor)).all()
    assert 400 <= len(vendors) <= 750
    assert all(unicodedata.is_normalized("NFC", v.name) for v in vendors)
    assert any(ch in "".join(v.name for v in vendors) for ch in "ăâđêôơư")
    banks = {m.bank_bin for m in session.scalars(
        select(PaymentMethod).where(PaymentMethod.kind == PaymentMethodKind.BANK_ACCOUNT))}
    assert banks and banks <= set(session.scalars(select(Bank.bin)))
    cooperatives = [v for v in vendors if v.kind is VendorKind.COOPERATIVE]
    assert len(cooperatives) >= 3
    assert session.scalar(select(func.count()).select_from(Product)) >= 4
    assert session.scalar(select(func.min(ProductVariant.price))) > 0


def test_demo_load_prints_the_counts_of_what_it_loaded(runner, session):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    printed = re.search(
        r"Đã nạp (\d+) chợ, (\d+) tiểu thương/HTX, (\d+) phương thức thanh toán, (\d+) lượt "
        r"xác minh, (\d+) sản phẩm với (\d+) ảnh, (\d+) nơi bán trực tuyến", result.output)
    assert printed, result.output
    counted = [session.scalar(select(func.count()).select_from(model)) for model in (
        Market, Vendor, PaymentMethod, VerificationVisit, Product, ProductImage, ProductListing)]
    assert [int(n) for n in printed.groups()] == counted


def test_demo_load_prints_a_working_account_for_every_role(runner, app, session):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    users = session.scalars(select(User)).all()
    assert {u.role for u in users} == set(Role)
    for user in users:
        match = re.search(rf"^\s+{re.escape(user.username)}\s+(\S+)", result.output, re.MULTILINE)
        assert match, f"{user.username} not printed"
        client = app.test_client()
        assert login(client, user.username, match.group(1)).status_code == 302
        assert f'data-home="{user.role.value}"' in client.get("/").get_data(as_text=True)


def test_demo_load_refuses_a_database_that_has_data_unless_asked_to_skip(runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 2 and "cơ sở dữ liệu trống" in again.output
    skipped = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skipped.exit_code == 0


def test_scale_load_creates_exactly_n_vendors_each_with_history(runner, session):
    result = runner.invoke(args=["demo", "load", "--scale", "1200"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Vendor)) == 1200
    without_history = session.scalar(
        select(func.count()).select_from(Vendor).where(~Vendor.status_periods.any()))
    assert without_history == 0
    wards = set(session.scalars(select(Market.ward_code)))
    assert wards <= set(session.scalars(select(Ward.code).where(Ward.province_code == "19")))


def test_rows_added_after_a_bulk_load_get_fresh_ids(runner, session):
    # Bulk loading reserves ids itself; on PostgreSQL the sequence must stay ahead of them.
    assert runner.invoke(args=["demo", "load", "--scale", "300"]).exit_code == 0
    assert runner.invoke(args=["demo", "load", "--scale", "300"]).exit_code == 0
    from tests.factories import make_vendor

    vendor = make_vendor(session)
    session.commit()
    assert vendor.id > 600
    assert session.scalar(select(func.count()).select_from(Vendor)) == 601


# The products of cooperatives.json that break a platform's rule on purpose, and the rule each
# breaks: (exporter, finding rule) -> SKU.
RULES_BROKEN_ON_PURPOSE = {
    ("tiktok", "name_too_short"): "TC-MC",
    ("shopee", "description_too_long"): "TC-NON",
    ("lazada", "image_too_small"): "DH-MAT",
    ("shopee", "weight_missing"): "PB-HOPQUA",
    ("shopee", "images_missing"): "CD-LAPSUON",
    ("lazada", "size_missing"): "BB-MANG",
}


def _load_with_pictures(runner, app):
    from catalog_export.image_store import images_dir

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return images_dir(app)


def test_demo_cooperatives_have_a_catalogue_with_variants_and_drawn_pictures(
        runner, app, session):
    from PIL import Image

    from catalog_export import image_store, taxonomy
    from catalog_export.models import ProductImage, ProductStatus

    folder = _load_with_pictures(runner, app)
    products = session.scalars(select(Product).order_by(Product.id)).all()
    assert len(products) >= 12
    assert all(p.status is ProductStatus.ACTIVE for p in products)
    assert {len(p.option_names) for p in products} == {0, 1, 2}
    two_axes = next(p for p in products if p.sku == "TC-BUP")
    assert two_axes.option_names == ["Khối lượng", "Loại"]
    assert len(two_axes.variants) == 6 and two_axes.price == 70000
    assert two_axes.stock == sum(v.stock for v in two_axes.variants)
    assert two_axes.ocop_stars == 4 and two_axes.certifications == ["vietgap"]
    for product in products:
        assert unicodedata.is_normalized("NFC", product.name)
        assert any(ch in product.name for ch in "ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ")
        assert taxonomy.category(product.google_category_id) is not None, product.sku
        assert all(v.price > 0 for v in product.variants)
        assert all(set(v.options) == set(product.option_names) for v in product.variants)

    images = session.scalars(select(ProductImage)).all()
    assert 20 <= len(images) <= 45
    small = []
    for image in images:
        for name in (image.file_name, image.thumbnail_name):
            path = image_store.path_of(folder, name)
            assert path is not None, name
            with Image.open(path) as opened:
                opened.load()
                if name == image.file_name:
                    assert opened.size == (image.width, image.height)
                    assert path.stat().st_size == image.byte_size
        if min(image.width, image.height) < 800:
            small.append(image)
    assert [(i.width, i.height) for i in small] == [(320, 320)]
    assert session.get(Product, small[0].product_id).sku == "DH-MAT"
    covers = session.scalars(select(ProductImage.product_id).where(ProductImage.position == 0))
    without = {p.sku for p in products} - {session.get(Product, i).sku for i in covers}
    assert without == {"CD-LAPSUON"}


def test_demo_products_that_break_a_rule_break_that_rule_and_only_they_do(
        runner, app, session):
    from catalog_export import canonical
    from catalog_export.exporters import exporter_named
    from catalog_export.products import to_canonical

    _load_with_pictures(runner, app)
    products = session.scalars(select(Product).order_by(Product.id)).all()
    found: dict[tuple[str, str], set[str]] = {key: set() for key in RULES_BROKEN_ON_PURPOSE}
    for product in products:
        images = tuple(canonical.Image(name=i.file_name, width=i.width, height=i.height,
                                       bytes=i.byte_size, url=f"https://example.invalid/{i.file_name}")
                       for i in product.images)
        item = to_canonical(product, images=images)
        for platform, rule in RULES_BROKEN_ON_PURPOSE:
            if any(f.rule == rule for f in exporter_named(platform).check(item)):
                found[platform, rule].add(product.sku)
    assert found == {key: {sku} for key, sku in RULES_BROKEN_ON_PURPOSE.items()}
