"""The readiness service: the canonical products every export reads (photos, category path and
platform category IDs), and each product's findings and status per platform, drafts left out,
scope as a WHERE clause."""
from __future__ import annotations

import pytest
from sqlalchemy import true

# catalog_export.products configures the mappers when imported: every model must be known first.
import qr.models  # noqa: F401
from accounts.models import Role
from accounts.permissions import vendor_scope
from accounts.service import Scope
from catalog_export import taxonomy
from catalog_export.canonical import Image
from catalog_export.export_rows import category_extra_key, stored_images
from catalog_export.exporters import EXPORTERS, sendo, shopee, tiki, tiktok
from catalog_export.readiness import (
    PlatformCounts,
    Status,
    canonical_products,
    readiness,
    readiness_document,
)
from domain_errors import Invalid, NotFound
from i18n import in_language
from tests.catalog_export.readiness_products import (
    SHORT_NAME_EN,
    SHORT_NAME_VI,
    SMALL_PHOTO_VI,
    make_catalogue,
    make_cooperative,
)
from tests.factories import THU_DAU_MOT, make_quick_user


@pytest.fixture
def cooperative(session):
    return make_cooperative(session)


@pytest.fixture
def catalogue(session, cooperative):
    return make_catalogue(session, cooperative)


def _rules(check):
    return [(finding.field, finding.rule, finding.severity.value) for finding in check.findings]


def test_a_product_that_breaks_tiktok_rules_has_each_finding_errors_first(
        session, cooperative, catalogue):
    report = readiness(session, true(), cooperative.id, ["tiktok"])
    broken = next(row for row in report.products if row.product.id == catalogue.broken.id)
    check = broken.checks["tiktok"]
    assert check.status is Status.ERRORS
    assert _rules(check) == [
        ("name", "name_too_short", "error"),
        ("weight_grams", "weight_missing", "error"),
        ("images", "images_missing", "error"),
        ("category", "platform_category_missing", "warning"),
    ]
    assert (check.errors, check.warnings) == (3, 1)
    assert check.findings[0].message == SHORT_NAME_VI
    assert in_language(check.findings[0].message, "en") == SHORT_NAME_EN


def test_a_photo_too_small_is_an_error_naming_its_size_and_the_limit(
        session, cooperative, catalogue):
    report = readiness(session, true(), cooperative.id, ["tiktok"])
    row = next(row for row in report.products if row.product.id == catalogue.small_photo.id)
    small = [f for f in row.checks["tiktok"].findings if f.rule == "image_too_small"]
    assert [(f.field, f.severity.value, f.message) for f in small] == [
        ("images", "error", SMALL_PHOTO_VI)]


def test_each_platform_is_checked_in_the_registrys_order_and_counted(
        session, cooperative, catalogue):
    report = readiness(session, true(), cooperative.id,
                       public_base_url="https://cho40.example.vn")
    assert [exporter.name for exporter in report.platforms] == list(EXPORTERS)
    # By name: "Chè búp...", "Chè móc câu...", "Chè Xanh"; the draft is never exported.
    assert [row.product.id for row in report.products] == [
        catalogue.complete.id, catalogue.small_photo.id, catalogue.broken.id]
    complete = report.products[0].checks
    assert complete["lazada"].status is Status.READY and complete["lazada"].findings == ()
    assert complete["tiktok"].status is Status.WARNINGS  # only TikTok's own category ID
    assert _rules(complete["tiktok"]) == [("category", "platform_category_missing", "warning")]
    assert report.counts["tiktok"] == PlatformCounts(ready=0, warnings=1, errors=2)
    assert report.counts["lazada"] == PlatformCounts(ready=1, warnings=0, errors=2)
    # With a public base URL each product on sale has a page, the link the feeds need.
    assert report.counts["google"] == PlatformCounts(ready=2, warnings=0, errors=1)


def test_drafts_and_archived_products_are_left_out(session, cooperative, catalogue):
    from catalog_export.models import ProductStatus

    catalogue.complete.status = ProductStatus.ARCHIVED
    session.commit()
    ids = [product.id for product in canonical_products(session, true(), cooperative.id)]
    assert ids == [catalogue.small_photo.id, catalogue.broken.id]


def test_photos_have_a_url_only_under_a_public_base_url(session, cooperative, catalogue):
    stored = catalogue.small_photo
    assert stored_images(stored, None) == (Image("nho.jpg", 200, 200, 150_000, None),)
    assert stored_images(stored, "https://cho40.example.vn/") == (Image(
        "nho.jpg", 200, 200, 150_000, "https://cho40.example.vn/catalog/public-images/nho.jpg"),)
    # Without one, the spreadsheets that take photos by URL cannot take the product.
    report = readiness(session, true(), cooperative.id, ["shopee"])
    row = next(row for row in report.products if row.product.id == stored.id)
    assert "image_url_missing" in [f.rule for f in row.checks["shopee"].findings]


def test_products_carry_the_category_path_and_each_platforms_mapped_category(
        session, cooperative, catalogue, monkeypatch):
    mapped = {"shopee": "100629", "tiktok": "601450"}

    def platform_category(platform, google_id):
        return taxonomy.PlatformCategory(platform, google_id, mapped.get(platform), "Trà")

    monkeypatch.setattr(taxonomy, "platform_category", platform_category)
    product = next(p for p in canonical_products(session, true(), cooperative.id)
                   if p.id == catalogue.complete.id)
    assert product.google_category_path == taxonomy.category(2073).english_path
    assert product.extra == {"shopee_category_id": "100629", "tiktok_category_id": "601450"}
    assert [f.rule for f in shopee.EXPORTER.check(product)
            if f.rule == "platform_category_missing"] == []
    # The keys are the ones the exporters read.
    assert [category_extra_key(name) for name in ("shopee", "tiktok", "tiki", "sendo")] == [
        shopee.SHOPEE_CATEGORY_KEY, tiktok.TIKTOK_CATEGORY_KEY, tiki.TIKI_CATEGORY_KEY,
        sendo.SENDO_CATEGORY_KEY]


def test_a_product_without_a_known_category_has_no_path(session, cooperative):
    from tests.factories import make_product

    make_product(session, cooperative, google_category_id=999_999_999)
    session.commit()
    [product] = canonical_products(session, true(), cooperative.id)
    assert (product.google_category_id, product.google_category_path, product.extra) == (
        999_999_999, None, {})


def test_a_vendor_outside_the_scope_is_not_found(session, cooperative, catalogue):
    outsider = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=THU_DAU_MOT))
    with pytest.raises(NotFound):
        readiness(session, vendor_scope(outsider), cooperative.id)
    with pytest.raises(NotFound):
        canonical_products(session, vendor_scope(outsider), cooperative.id)


def test_an_unknown_platform_is_refused_with_the_names_there_are(session, cooperative):
    with pytest.raises(Invalid) as refused:
        readiness(session, true(), cooperative.id, ["shopee", "amazon"])
    [message] = refused.value.fields["platform"]
    assert str(message).startswith("Không có sàn hoặc định dạng «amazon»; chọn một trong: "
                                   "shopee, lazada, tiktok,")


def test_the_document_is_plain_data_in_the_readers_language(session, cooperative, catalogue):
    report = readiness(session, true(), cooperative.id, ["tiktok"],
                       public_base_url="https://cho40.example.vn")
    document = readiness_document(report, lambda message: in_language(message, "en"))
    assert document["platforms"] == [{"name": "tiktok", "label": "TikTok Shop",
                                      "file_extension": "xlsx", "ready": 0, "warnings": 1,
                                      "errors": 2}]
    broken = next(p for p in document["products"] if p["id"] == catalogue.broken.id)
    assert broken["name"] == "Chè Xanh" and broken["sku"] == catalogue.broken.sku
    assert broken["platforms"]["tiktok"]["status"] == "errors"
    assert broken["platforms"]["tiktok"]["problems"][0] == {
        "field": "name", "rule": "name_too_short", "severity": "error", "message": SHORT_NAME_EN}
