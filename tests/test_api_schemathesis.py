"""The API answers as its OpenAPI document says: schemathesis reads /api/openapi.json from the app
in-process and calls every operation with data made from the document, valid and invalid, with a
real token (an administrator's, then provincial staff's), checking every answer with all its
checks but one (EXCLUDED_CHECKS says which and why): no server error; status code, content
type, headers and body as documented; data the document calls invalid refused; a token left out
refused. A few cases per operation, derandomized: the same calls on every run."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup

from accounts.models import Role
from tests.factories import make_bank_account, make_listing, make_product, make_product_image

# A few cases per operation and kind of data, the same on every run.
EXAMPLES = settings(max_examples=5, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def records(app, session, area):
    """A record of each kind the operations take by id, in the administrator's area."""
    method = make_bank_account(session, area.cooperative)
    product = make_product(session, area.cooperative)
    image = make_product_image(session, product, app.config["PRODUCT_IMAGES_DIR"])
    listing = make_listing(session, product)
    session.commit()
    return {"market_id": area.market.id, "stall_id": area.stall.id,
            "vendor_id": area.cooperative.id, "method_id": method.id, "product_id": product.id,
            "image_id": image.id, "listing_id": listing.id}


def pagination_is_json(ctx, response, case):
    """X-Pagination is JSON text (documented with `content`, which schemathesis does not read)."""
    value = response.headers.get("x-pagination")
    if value is None:
        return None
    pages = json.loads(value[0])
    # The page's own numbers are left out when the list is empty or the page past its end.
    assert set(pages) >= {"total", "total_pages"}, pages
    assert all(isinstance(number, int) for number in pages.values()), pages
    return True


# Every check but one. positive_data_acceptance expects every body the document allows to be
# accepted, but the API also applies rules JSON Schema cannot state, each answered 422 with its
# reason: a day not after tomorrow (closing, stopping, listing), the fields a payment method's
# `kind` requires, a phone, citizen ID, tax code or stall code as people write them (folded,
# then checked), a category in Google's taxonomy, a photo that is a real image, a ward or bank
# that exists, a month range in order. The opposite check (invalid data refused) stays.
EXCLUDED_CHECKS = [positive_data_acceptance]


def _failures(operation, strategy, statuses: set[int]) -> set[str]:
    """What the calls of one operation found wrong: each kind once, with its details. The
    statuses answered are added to `statuses`."""
    found: set[str] = set()

    @EXAMPLES
    @given(strategy)
    def run(case):
        try:
            response = case.call_and_validate(excluded_checks=EXCLUDED_CHECKS,
                                              additional_checks=[pagination_is_json])
            statuses.add(response.status_code)
        except (Failure, FailureGroup) as error:
            for failure in getattr(error, "exceptions", [error]):
                found.add(f"{operation.label}: {failure.title}\n{failure.message}\n"
                          f"{case.as_curl_command()}")

    run()
    return found


# An administrator reaches every record; provincial staff read with contact details masked and
# are refused every write (403).
@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROVINCIAL_STAFF], ids=lambda role: role.value)
def test_the_api_answers_as_its_document_says(app, area, records, role):
    # The token as the document's security scheme: the invalid cases may also leave it out.
    config = SchemathesisConfig.from_dict(
        {"auth": {"openapi": {"bearerAuth": {"bearer": area.tokens[role]}}}})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)
    failures: set[str] = set()
    answered: set[str] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 38
    for operation in operations:
        known = {parameter.name: records[parameter.name]
                 for parameter in operation.path_parameters if parameter.name in records}
        strategies = [
            # Records that exist, then any id (mostly none: 404), then invalid data.
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        statuses: set[int] = set()
        for strategy in strategies:
            failures |= _failures(operation, strategy, statuses)
        if any(200 <= status < 300 for status in statuses):
            answered.add(operation.label)
    assert not failures, "\n\n".join(sorted(failures))
    # The token was used: the reads, and for the administrator many writes, were answered.
    assert len(answered) >= (24 if role is Role.ADMIN else 16), sorted(answered)
