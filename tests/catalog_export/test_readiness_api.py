"""The readiness report and the platform registry through the JSON API: the body's structure,
messages in the language of Accept-Language, one platform, drafts left out, scope."""
from __future__ import annotations

from accounts.models import Role
from catalog_export.exporters import EXPORTERS
from tests.api_area import refused
from tests.catalog_export.readiness_products import (
    SHORT_NAME,
    SHORT_NAME_EN,
    SHORT_NAME_VI,
    make_catalogue,
)


def _report(client, area, role=Role.COOPERATIVE_MANAGER, query="", **headers):
    return client.get(f"/api/v1/vendors/{area.cooperative.id}/readiness{query}",
                      headers={**area.auth(role), **headers})


def test_the_platforms_are_the_registrys(client, area):
    answer = client.get("/api/v1/platforms", headers=area.auth(Role.PROVINCIAL_STAFF))
    assert answer.status_code == 200
    assert answer.get_json()[:3] == [
        {"name": "shopee", "label": "Shopee", "file_extension": "xlsx"},
        {"name": "lazada", "label": "Lazada", "file_extension": "xlsx"},
        {"name": "tiktok", "label": "TikTok Shop", "file_extension": "xlsx"}]
    assert [p["name"] for p in answer.get_json()] == list(EXPORTERS)


def test_the_report_per_product_and_platform(client, area, session):
    catalogue = make_catalogue(session, area.cooperative)
    answer = _report(client, area, query="?platform=tiktok")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["vendor_id"], body["vendor_name"]) == (area.cooperative.id, "HTX Chè Tân Cương")
    assert body["platforms"] == [{"name": "tiktok", "label": "TikTok Shop",
                                  "file_extension": "xlsx", "ready": 0, "warnings": 0,
                                  "errors": 3}]
    # The draft is never exported, so never reported.
    assert [p["id"] for p in body["products"]] == [
        catalogue.complete.id, catalogue.small_photo.id, catalogue.broken.id]
    broken = body["products"][2]
    assert (broken["name"], broken["sku"], list(broken["platforms"])) == (
        SHORT_NAME, catalogue.broken.sku, ["tiktok"])
    tiktok = broken["platforms"]["tiktok"]
    assert (tiktok["status"], tiktok["errors"], tiktok["warnings"]) == ("errors", 3, 1)
    assert tiktok["problems"][0] == {"field": "name", "rule": "name_too_short",
                                     "severity": "error", "message": SHORT_NAME_VI}
    assert [(p["field"], p["rule"], p["severity"]) for p in tiktok["problems"][1:]] == [
        ("weight_grams", "weight_missing", "error"), ("images", "images_missing", "error"),
        ("category", "platform_category_missing", "warning")]


def test_every_platform_when_none_is_named(client, area, session):
    make_catalogue(session, area.cooperative)
    body = _report(client, area, Role.PROVINCIAL_STAFF).get_json()  # read-only staff read it
    assert [p["name"] for p in body["platforms"]] == list(EXPORTERS)
    # The order is the list's: JSON objects' keys come sorted.
    assert all(set(p["platforms"]) == set(EXPORTERS) for p in body["products"])


def test_messages_in_the_language_the_client_accepts(client, area, session):
    make_catalogue(session, area.cooperative)
    for accepted in ("en", "en-US,en;q=0.9", "vi;q=0.5, en"):
        body = _report(client, area, query="?platform=tiktok",
                       **{"Accept-Language": accepted}).get_json()
        assert body["products"][2]["platforms"]["tiktok"]["problems"][0]["message"] == (
            SHORT_NAME_EN), accepted
    body = _report(client, area, query="?platform=tiktok", **{"Accept-Language": "fr"}).get_json()
    assert body["products"][2]["platforms"]["tiktok"]["problems"][0]["message"] == SHORT_NAME_VI


def test_an_unknown_platform_is_refused(client, area):
    refused(_report(client, area, query="?platform=amazon"), 422, field="platform",
            reason="Không có sàn hoặc định dạng «amazon»")


def test_a_vendor_outside_the_area_is_not_found(client, area, session):
    make_catalogue(session, area.cooperative)
    # Commune staff of Xã Đại Từ: the cooperative is registered in Xã Tân Cương.
    refused(_report(client, area, Role.COMMUNE_STAFF), 404)
