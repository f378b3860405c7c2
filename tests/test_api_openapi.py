"""The OpenAPI document (valid, complete, secured), the docs page served without a CDN, and the one
error shape for API errors that no view produced (unknown path, wrong method, too large)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from openapi_spec_validator import validate

from accounts.models import Role
from tests.api_area import refused, snapshot


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
        "code", "reason", "message", "errors", "duplicates"}
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


def test_nullable_fields_are_declared_nullable_and_only_they(client):
    """Every field of a response read from a column is nullable in the document exactly when its
    column is: a client generated from the document must expect null there, and nowhere else."""
    from catalog_export.models import Product, ProductImage, ProductListing, ProductVariant
    from market.models import Market, Stall
    from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod

    schemas = _document(client)["components"]["schemas"]
    models = {"Market": Market, "Stall": Stall, "Vendor": Vendor, "PaymentMethod": PaymentMethod,
              "StatusPeriod": VendorStatusPeriod, "Product": Product, "Variant": ProductVariant,
              "Image": ProductImage, "Listing": ProductListing}
    compared = 0
    for name, model in models.items():
        columns = model.__table__.columns
        for field, declared in schemas[name]["properties"].items():
            column = columns.get(field.replace("_cm", "_mm"))
            if column is not None:
                assert declared.get("nullable", False) == column.nullable, (name, field)
                compared += 1
    assert compared > 60
    # Fields computed from relations, not columns.
    vendor = schemas["Vendor"]["properties"]
    assert vendor["market_name"]["nullable"] and vendor["stall_code"]["nullable"]
    assert "nullable" not in vendor["name"] and "nullable" not in vendor["active"]
    assert schemas["PaymentMethod"]["properties"]["wallet_provider"]["enum"][-1] is None


def test_headers_are_typed_as_they_are_sent(client):
    document = _document(client)
    # X-Pagination is JSON text, not an object in the header's own syntax.
    pagination = document["components"]["headers"]["PAGINATION"]
    assert "schema" not in pagination
    assert pagination["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginationMetadata"}
    registration = document["paths"]["/api/v1/vendors"]["post"]["responses"]
    assert registration["201"]["headers"]["Location"]["schema"] == {"type": "string"}
    limited = [response for operations in document["paths"].values()
               for operation in operations.values() if isinstance(operation, dict)
               for status, response in operation.get("responses", {}).items() if status == "429"]
    assert len(limited) >= 4
    for response in limited:
        assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"
    # Any operation may answer 401 with its challenge and 503 with when to try again.
    default = document["components"]["responses"]["DEFAULT_ERROR"]["headers"]
    assert default["Retry-After"]["schema"]["type"] == "integer"
    assert default["WWW-Authenticate"]["schema"]["type"] == "string"
    # Every error body has the same members, and may carry more (duplicates, stall_choices).
    error = document["components"]["schemas"]["Error"]
    assert error["additionalProperties"] is True
    assert {"code", "reason", "message", "errors"} <= set(error["properties"])


def test_change_bodies_are_documented_as_changing_something(client):
    document = _document(client)
    patches = {path: operations["patch"] for path, operations in document["paths"].items()
               if "patch" in operations}
    assert len(patches) == 5
    for path, operation in patches.items():
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
        assert schema["minProperties"] == 1, path


def test_an_empty_change_is_refused_on_every_patch_route(app, client, session, area):
    from tests.factories import make_bank_account, make_product

    method = make_bank_account(session, area.cooperative)
    product = make_product(session, area.cooperative)
    session.commit()
    stall = f"/api/v1/markets/{area.market.id}/stalls/{area.stall.id}"
    vendor = f"/api/v1/vendors/{area.cooperative.id}"
    paths = [f"/api/v1/markets/{area.market.id}", stall, vendor,
             f"/api/v1/payment-methods/{method.id}", f"/api/v1/products/{product.id}"]
    assert len(paths) == len([rule for rule in app.url_map.iter_rules()
                              if rule.rule.startswith("/api/v1/") and "PATCH" in rule.methods])
    before = snapshot(session)
    # Nothing, or only an option saying how to change: nothing to change.
    for path, body in [*((path, {}) for path in paths), (vendor, {"allow_duplicate": True}),
                       (stall, {"confirm_new_stall": True})]:
        response = client.patch(path, json=body, headers=area.auth(Role.ADMIN))
        answer = refused(response, 422, "Không có gì để thay đổi")
        assert "errors" not in answer, (path, answer)
    assert snapshot(session) == before
    # One field is a change.
    response = client.patch(stall, json={"zone": "Khu B"}, headers=area.auth(Role.ADMIN))
    assert response.status_code == 200 and response.get_json()["zone"] == "Khu B"
