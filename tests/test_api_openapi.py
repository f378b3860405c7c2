"""The OpenAPI document (valid, complete, secured), the docs page served without a CDN, and the one
error shape for API errors that no view produced (unknown path, wrong method, too large)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from openapi_spec_validator import validate

from accounts.models import Role
from tests.api_area import refused


def _document(client):
    response = client.get("/api/openapi.json")  # no token: the document is public
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_the_document_is_valid_openapi_3(client):
    document = _document(client)
    assert document["openapi"] == "3.0.3"
    assert (document["info"]["title"], document["info"]["version"]) == ("cho40", "v1")
    validate(document)


def test_the_document_has_every_api_route_and_method(app, client):
    documented = {
        (path, method.upper())
        for path, operations in _document(client)["paths"].items()
        for method in operations if method != "parameters"
    }
    routed = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    assert {path for path, _ in documented} == {
        "/api/v1/markets", "/api/v1/markets/{market_id}", "/api/v1/markets/{market_id}/stalls",
        "/api/v1/markets/{market_id}/stalls/{stall_id}", "/api/v1/vendors",
        "/api/v1/vendors/{vendor_id}", "/api/v1/vendors/{vendor_id}/close",
        "/api/v1/vendors/{vendor_id}/payment-methods", "/api/v1/payment-methods/{method_id}",
        "/api/v1/payment-methods/{method_id}/stop", "/api/v1/products",
        "/api/v1/products/{product_id}", "/api/v1/products/{product_id}/archive",
        "/api/v1/vendors/{vendor_id}/products", "/api/v1/products/{product_id}/listings",
        "/api/v1/listings/{listing_id}/end", "/api/v1/products/{product_id}/images",
        "/api/v1/images/{image_id}/move", "/api/v1/images/{image_id}",
        "/api/v1/platforms",
        "/api/v1/vendors/{vendor_id}/readiness",
        "/api/v1/stats/share",
        "/api/v1/stats/series",
        "/api/v1/stats/cho40",
        "/api/v1/stats/breakdown",
        "/api/v1/vendors/{vendor_id}/exports",
        "/api/v1/exports/{export_id}", "/api/v1/exports/{export_id}/file",
        "/api/v1/exports/{export_id}/images",
    }


def test_every_operation_needs_the_bearer_token_and_documents_its_errors(client):
    document = _document(client)
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"][
            "securitySchemes"]["bearerAuth"]["description"]}
    assert document["security"] == [{"bearerAuth": []}]
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {
        "code", "message", "errors", "duplicates"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), (method, path)
            responses = operation["responses"]
            assert "default" in responses, (method, path)
            if method in ("post", "patch"):
                # A write with a body documents its validation; one without (archiving) has none.
                assert ("422" in responses) == ("requestBody" in operation), (method, path)
                # Every write needs a permission: the refusal its client reads, in English.
                assert responses["403"]["description"].startswith(
                    ("Your account", "Only administrators")), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")) and "content" in response:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, (method, path, status)


def test_lists_document_their_filters_pages_and_pagination_header(client):
    document = _document(client)
    listing = document["paths"]["/api/v1/vendors"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert names >= {"q", "province", "ward", "market", "kind", "accepts_cashless", "page",
                     "page_size"}
    assert "X-Pagination" in listing["responses"]["200"]["headers"]
    registration = document["paths"]["/api/v1/vendors"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in registration["parameters"]}
    assert "Idempotent-Replayed" in registration["responses"]["201"]["headers"]


def test_the_docs_page_loads_its_files_from_this_server_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert not re.search(r"https?://", page)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert set(assets) == {"/static/vendor/swagger-ui/swagger-ui.css",
                           "/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
                           "/static/vendor/swagger-ui/swagger-ui-bundle.js",
                           "/static/js/swagger_init.js"}
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.data) > (
            100 if asset.startswith("/static/js/") else 10_000), asset
        served.close()
    assert '"/api/openapi.json"' in page
    # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    assert '"validatorUrl": null' in page


def test_the_swagger_ui_files_keep_their_licence(client):
    for name in ("LICENSE", "NOTICE", "README.md"):
        response = client.get(f"/static/vendor/swagger-ui/{name}")
        assert response.status_code == 200
        response.close()


def test_api_errors_no_view_produced_have_the_same_shape(client, area):
    headers = area.auth(Role.ADMIN)
    refused(client.get("/api/v1/nothing-here", headers=headers), 404)
    response = client.delete(f"/api/v1/vendors/{area.cooperative.id}", headers=headers)
    refused(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH"}
    refused(client.put(f"/api/v1/markets/{area.market.id}", json={}, headers=headers), 405)


def test_a_body_over_the_size_limit_is_refused(app, client, session, area):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/markets", json={"name": "x" * 2000, "ward_code": "05830"},
                           headers=area.auth(Role.ADMIN))
    refused(response, 413)


def test_pages_still_get_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "text/html" in response.content_type


@pytest.mark.browser
def test_the_docs_render_in_a_browser_without_leaving_this_server(live_server, browser, area):
    context = browser.new_context()
    page = context.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert "/api/v1/vendors/{vendor_id}/close" in {p.replace("\u200b", "") for p in paths}
    assert page.locator("button.authorize").count() == 1
    assert hosts == {urlsplit(live_server).netloc}
    context.close()
