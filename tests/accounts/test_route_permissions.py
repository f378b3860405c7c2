"""Every route of the app (from its URL map), requested as every role, answers what the table in
route_permissions.txt says; records outside a role's area answer 404, as if they did not exist;
nothing answers 500.

Requests carry no body (an empty form, or `{}` to the JSON API), so no write succeeds: a role
allowed to write gets a validation status (422), a refused one 403 (its role may not, whatever
the record) or 404 (the record is not in its area). The rules answered here live in
accounts/permissions.py.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.routing import Rule

from accounts.models import Role, User
from accounts.service import Scope, issue_api_token
from catalog_export.models import CatalogExport
from jobs.runner import wait_for_threads
from jobs.service import create_job
from market.models import Market, Stall
from tests.conftest import make_app
from tests.factories import (
    DAI_TU,
    THAI_NGUYEN,
    THU_DAU_MOT,
    login,
    make_bank_account,
    make_listing,
    make_market,
    make_one_user_per_role,
    make_product,
    make_product_image,
    make_quick_user,
    make_stall,
    make_vendor,
)
from vendors.models import PaymentMethod, Vendor, VendorKind

FAR_PROVINCE = "79"  # Hồ Chí Minh City, where THU_DAU_MOT is: only the admin's area
CONVERTER_ARGUMENTS = re.compile(r"<(\w+)\([^)]*\):")
TABLE_FILE = Path(__file__).with_name("route_permissions.txt")
# How the table writes the answers to anonymous requests.
ANONYMOUS = {"A": 302, "U": 401}  # a page: redirected to the login page; the API: no token


def read_table(path: Path) -> dict[str, tuple[int, ...]]:
    """{"METHOD rule": (status for each of ROLES)} from the table's rows; '#' lines are notes."""
    table = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        method, rule, *answers = line.split()
        if len(answers) != len(ROLES) or f"{method} {rule}" in table:
            raise ValueError(f"{path.name}:{number}: want METHOD rule and {len(ROLES)} statuses, "
                             f"once per route: {line!r}")
        table[f"{method} {rule}"] = tuple(ANONYMOUS.get(answer) or int(answer)
                                          for answer in answers)
    return table


# The table's columns, in order; None is the anonymous visitor.
ROLES = (None, Role.ADMIN, Role.PROVINCIAL_STAFF, Role.COMMUNE_STAFF, Role.ONBOARDING_AGENT,
         Role.COOPERATIVE_MANAGER)
ROLE_NAMES = ("anonymous", *(role.value for role in ROLES[1:]))
TABLE = read_table(TABLE_FILE)

# What a form posts instead of nothing, where nothing would still do something.
FORMS = {
    # An empty form starts a placard run of every market in scope, in a background thread:
    # a per_page the form refuses stops it before any job is recorded.
    "POST /qr/placards/jobs": {"per_page": "0"},
}

# Routes whose vendor must be a cooperative: C (XC out of scope) for every role, not V.
COOPERATIVE_ROUTES = {"GET /catalog/<int:vendor_id>",
                      "POST /api/v1/vendors/<int:vendor_id>/products"}

# Routes that remove their record: given one no other route uses, so the routes requested after
# them still find theirs.
DISPOSABLE_ROUTES = ["POST /catalog/images/<int:image_id>/delete",
                     "DELETE /api/v1/images/<int:image_id>"]

# Routes that take their product off sale: given one no other route uses.
ARCHIVING_ROUTES = {"POST /api/v1/products/<int:product_id>/archive",
                    "POST /catalog/products/<int:product_id>/archive"}

# The URL arguments that name a record: routes with one are requested a second time with the
# records out of everyone's area but the admin's.
RECORD_ARGUMENTS = {"vendor_id", "market_id", "stall_id", "method_id", "job_id", "product_id",
                    "image_id", "listing_id", "export_id", "province_code", "ward_code",
                    "user_id", "token_id"}

# The out-of-scope sweep sends these valid bodies, to every role but the admin, where an empty
# one is refused before the record is looked up: the scope check must answer, not the schema.
FAR_BODIES = {
    # An empty change is refused (422) before the record is looked up: a change to make.
    "PATCH /api/v1/markets/<int:market_id>": {"name": "Chợ Xa"},
    "PATCH /api/v1/markets/<int:market_id>/stalls/<int:stall_id>": {"zone": "Khu Xa"},
    "PATCH /api/v1/payment-methods/<int:method_id>": {"account_holder": "NGUYEN VAN XA"},
    "PATCH /api/v1/products/<int:product_id>": {"name": "Chè Xa"},
    "PATCH /api/v1/vendors/<int:vendor_id>": {"name": "Tên Xa"},
    "POST /api/v1/markets/<int:market_id>/stalls": {"code": "Z-10"},
    "POST /api/v1/payment-methods/<int:method_id>/stop": {"stopped_on": "2025-01-01"},
    "POST /api/v1/vendors/<int:vendor_id>/close": {"left_on": "2025-01-01"},
    "POST /api/v1/vendors/<int:vendor_id>/products": {"name": "Chè Xa"},
    "POST /api/v1/products/<int:product_id>/listings": {"platform": "Shopee",
                                                        "url": "https://shopee.vn/che-xa"},
    "POST /api/v1/listings/<int:listing_id>/end": {"ended_on": "2026-02-01"},
    "POST /api/v1/images/<int:image_id>/move": {"position": 0},
    "POST /api/v1/vendors/<int:vendor_id>/exports": {"platform": "google"},
    "POST /stats/markets/<int:market_id>/fees": {"action": "start", "day": "2025-01-01"},
    "POST /stats/provinces/<province_code>/rule": {"effective_from": "2025-01-01",
                                                   "min_cashless_percent": "50"},
    "POST /stats/provinces/<province_code>/report": {"month": "2025-01"},
    "POST /vendors/<int:vendor_id>/visits/new": {"placard_displayed": "yes",
                                                 "used_last_30_days": "yes"},
    "POST /api/v1/vendors/<int:vendor_id>/payment-methods": {
        "kind": "bank_account", "bank_bin": "970436", "account_number": "0011001000009",
        "account_holder": "TRAN VAN XA"},
}

# Out-of-scope requests that legitimately answer something else than 404 to non-admin roles,
# one line each with why, as `"GET /rule": 403,  # why`.
OUT_OF_SCOPE_EXCEPTIONS: dict[str, int] = {
    # A multipart upload, which these requests cannot carry: its missing file is refused before
    # the product is looked up (tests/catalog_export/test_product_photos.py sends real ones).
    "POST /api/v1/products/<int:product_id>/images": 422,
    # The public page of a product on sale: anyone's, wherever it is.
    "GET /catalog/public/<int:product_id>": 200,
}


@dataclass
class World:
    market: Market  # M, in Xã Đại Từ, Thái Nguyên
    stall: Stall
    vendor: Vendor  # V, a trader at M's stall, with a bank account in use: a placard
    method: PaymentMethod
    cooperative: Vendor  # C, registered in Xã Đại Từ, no market
    cooperative_method: PaymentMethod
    far_market: Market  # X, in Phường Thủ Dầu Một (Hồ Chí Minh City): only the admin's area
    far_stall: Stall
    far_vendor: Vendor  # XV, a trader at X with a bank account in use
    far_method: PaymentMethod
    far_cooperative: Vendor  # XC, registered in Phường Thủ Dầu Một
    users: dict[Role, User]
    tokens: dict[Role, str]
    jobs: dict[Role, int]  # a queued placard job each user created, never run
    far_job: int  # a job created by a user none of the roles is
    product: int  # P, a product of C on sale
    far_product: int  # XP, a product of XC
    image: int  # a photo of P
    spare_images: list[int]  # more photos of P, one for each route that deletes one
    far_image: int  # a photo of XP
    far_spare_images: list[int]
    listing: int  # where P is listed
    far_listing: int
    export: int  # E, an export of C's catalogue, recorded before its file was written
    far_export: int  # XE, an export of XC's
    archivable: tuple[int, int]  # one more product of C and of XC, for the routes archiving one
    account: int  # A, an agent's account in Xã Đại Từ: managed by the admin and Thái Nguyên's staff
    far_account: int  # XA, the outsider's account (commune staff of Phường Thủ Dầu Một)
    spare_tokens: dict[Role, int]  # one more token of each user, for the route revoking one
    far_token: int  # a token of the outsider


def build_world(session, images_folder) -> World:
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    stall = make_stall(session, market, "A-01")
    vendor = make_vendor(session, market, name="Nguyễn Thị Vân", stall_id=stall.id)
    method = make_bank_account(session, vendor, account_number="0011001000001")
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE,
                              name="HTX Chè Đại Từ", ward_code=DAI_TU)
    cooperative_method = make_bank_account(session, cooperative, account_number="0011001000002",
                                           account_holder="HTX CHE DAI TU")
    product = make_product(session, cooperative, name="Chè Đại Từ 500 g")
    far_market = make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    far_stall = make_stall(session, far_market, "Z-09")
    far_vendor = make_vendor(session, far_market, name="Trần Văn Xa", stall_id=far_stall.id)
    far_method = make_bank_account(session, far_vendor, account_number="0011001000003",
                                   account_holder="TRAN VAN XA")
    far_cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE,
                                  name="HTX Thủ Dầu Một", ward_code=THU_DAU_MOT)
    far_product = make_product(session, far_cooperative)
    archivable = (make_product(session, cooperative).id, make_product(session, far_cooperative).id)
    image = make_product_image(session, product, images_folder)
    spare_images = [make_product_image(session, product, images_folder).id
                    for _route in DISPOSABLE_ROUTES]
    far_image = make_product_image(session, far_product, images_folder)
    far_spare_images = [make_product_image(session, far_product, images_folder).id
                        for _route in DISPOSABLE_ROUTES]
    listing = make_listing(session, product)
    far_listing = make_listing(session, far_product)
    users = make_one_user_per_role(session, market, cooperative)
    outsider = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=THU_DAU_MOT))
    tokens = {role: issue_api_token(session, user, "tests")[1] for role, user in users.items()}
    spare_tokens = {role: issue_api_token(session, user, "spare")[0].id
                    for role, user in users.items()}
    account = make_quick_user(session, Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU))
    far_token = issue_api_token(session, outsider, "far")[0].id
    params = {"per_page": 4, "day": dt.date.today().isoformat()}
    jobs = {role: create_job(session, "placards", {"market_ids": [market.id], **params},
                             created_by=user.id).id
            for role, user in users.items()}
    far_job = create_job(session, "placards", {"market_ids": [far_market.id], **params},
                         created_by=outsider.id).id
    exports = [CatalogExport(vendor_id=owner.id, platform="shopee", left_out={})
               for owner in (cooperative, far_cooperative)]
    session.add_all(exports)
    session.commit()
    return World(market, stall, vendor, method, cooperative, cooperative_method, far_market,
                 far_stall, far_vendor, far_method, far_cooperative, users, tokens, jobs, far_job,
                 product.id, far_product.id, image.id, spare_images, far_image.id,
                 far_spare_images, listing.id, far_listing.id, exports[0].id,
                 exports[1].id, archivable, account.id, outsider.id, spare_tokens, far_token)


def url_values(world: World, role: Role | None, route: str, *, far: bool = False) -> dict:
    """What fills each URL argument: a record in the role's area (the admin's for the anonymous
    visitor), or with `far` the record of the same kind outside every area but the admin's."""
    own = role or Role.ADMIN
    manager = own is Role.COOPERATIVE_MANAGER
    if far:
        values = {"vendor_id": world.far_vendor.id, "market_id": world.far_market.id,
                  "stall_id": world.far_stall.id, "method_id": world.far_method.id,
                  "job_id": world.far_job,
                  "product_id": world.archivable[1] if route in ARCHIVING_ROUTES
                  else world.far_product,
                  "image_id": world.far_spare_images[DISPOSABLE_ROUTES.index(route)]
                  if route in DISPOSABLE_ROUTES else world.far_image,
                  "listing_id": world.far_listing,
                  "export_id": world.far_export, "province_code": FAR_PROVINCE,
                  "ward_code": THU_DAU_MOT, "user_id": world.far_account,
                  "token_id": world.far_token}
        cooperative = world.far_cooperative
    else:
        values = {"vendor_id": (world.cooperative if manager else world.vendor).id,
                  "market_id": world.market.id, "stall_id": world.stall.id,
                  "method_id": (world.cooperative_method if manager else world.method).id,
                  "job_id": world.jobs[own],
                  "product_id": world.archivable[0] if route in ARCHIVING_ROUTES
                  else world.product,
                  "image_id": world.spare_images[DISPOSABLE_ROUTES.index(route)]
                  if route in DISPOSABLE_ROUTES else world.image,
                  "listing_id": world.listing, "export_id": world.export,
                  "province_code": THAI_NGUYEN, "ward_code": DAI_TU,
                  "user_id": world.account, "token_id": world.spare_tokens[own]}
        cooperative = world.cooperative
    if route in COOPERATIVE_ROUTES:
        values["vendor_id"] = cooperative.id
    # A photo name of the form the store makes, of no stored photo: 404 to everyone (the photos
    # of products on sale are served in tests/catalog_export/test_export_pages.py).
    # A digitisation table every page of its level has.
    table = "vendors" if route.startswith("GET /stats/markets/") else "units"
    return {**values, "code": "en", "filename": "css/app.css", "table": table, "fmt": "csv",
            "name": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.jpg"}


def route_name(method: str, rule: Rule) -> str:
    return method + " " + CONVERTER_ARGUMENTS.sub(r"<\1:", rule.rule)


def routes(app) -> list[tuple[str, str, Rule]]:
    """(name, method, rule) for every rule and method of the URL map but HEAD and OPTIONS."""
    found = [(route_name(method, rule), method, rule)
             for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda item: item[0].split(" ", 1)[::-1])


def fill(rule: Rule, values: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{rule.rule}: no value for the URL argument <{name}>: add one to "
                           f"url_values() in {__name__}")
        return str(values[name])

    return re.sub(r"<(?:[^>:]+:)?(\w+)>", value, rule.rule)


class Requester:
    """Requests as one role: pages through a client logged in as the role's user (a fresh client
    per request carrying the same session cookie, so switching the language leaves the next
    request as it was; logging out ends every session of the user, so it logs in again), the API
    with the role's bearer token."""

    def __init__(self, app, world: World, role: Role | None):
        self.app = app
        self.cookie = None
        self.headers = {}
        self.username = None
        if role is not None:
            self.username = world.users[role].username
            self._login()
            self.headers = {"Authorization": f"Bearer {world.tokens[role]}"}

    def _login(self) -> None:
        client = self.app.test_client()
        assert login(client, self.username).status_code == 302
        self.cookie = client.get_cookie("session").value

    def status(self, name: str, method: str, url: str, body: dict | None = None) -> int:
        client = self.app.test_client()
        writes = method in ("POST", "PUT", "PATCH")
        if url.startswith("/api/v1/"):
            json = (body or {}) if writes else None
            return client.open(url, method=method, json=json, headers=self.headers).status_code
        if self.cookie is not None:
            client.set_cookie("session", self.cookie)
        data = (body or FORMS.get(name, {})) if writes else None
        status = client.open(url, method=method, data=data).status_code
        if name == "POST /logout" and self.username is not None:
            self._login()
        return status


def check(wrong: list[str], label: str, expected: int | None, status: int) -> None:
    if status >= 500:
        wrong.append(f"{label}: got {status}: no route may answer that, for anyone")
    elif status != expected:
        wrong.append(f"{label}: expected {expected}, got {status}")


@pytest.fixture
def quiet_app(app, tmp_path):
    """The app with its jobs and photos folders in the test's temporary folder, and no Redis."""
    app.config.update(JOBS_DIR=str(tmp_path / "jobs"), REDIS_URL=None,
                      PRODUCT_IMAGES_DIR=str(tmp_path / "images"))
    return app


def test_the_table_has_one_row_per_route():
    names = {name for name, _method, _rule in routes(make_app("sqlite://"))}
    problems = [f"{name}: no row in route_permissions.txt: add one" for name in sorted(names - TABLE.keys())]
    problems += [f"{name}: route_permissions.txt has a row for it but the app has no such route: remove it"
                 for name in sorted(TABLE.keys() - names)]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("column", range(len(ROLES)), ids=ROLE_NAMES)
def test_each_route_answers_each_role_as_the_table_says(quiet_app, session, column):
    world = build_world(session, quiet_app.config["PRODUCT_IMAGES_DIR"])
    role, who = ROLES[column], ROLE_NAMES[column]
    requester = Requester(quiet_app, world, role)
    wrong: list[str] = []
    for name, method, rule in routes(quiet_app):
        status = requester.status(name, method, fill(rule, url_values(world, role, name)))
        if name not in TABLE:
            wrong.append(f"{name} as {who}: no row in route_permissions.txt (answered {status}): add one")
        else:
            check(wrong, f"{name} as {who}", TABLE[name][column], status)
    # No request should have started a job (see FORMS); if one did, it ends with this test.
    wait_for_threads(timeout=60)
    if wrong:
        pytest.fail("\n".join(wrong), pytrace=False)


@pytest.mark.parametrize("column", range(1, len(ROLES)), ids=ROLE_NAMES[1:])
def test_records_outside_a_roles_area_are_not_found(quiet_app, session, column):
    """Every non-admin role gets 404 for records outside its area, reads and writes alike, unless
    its role may not do that at all (403 in the table: refused whatever the record); the admin,
    whose area is everything, gets what the table says."""
    world = build_world(session, quiet_app.config["PRODUCT_IMAGES_DIR"])
    role, who = ROLES[column], ROLE_NAMES[column]
    requester = Requester(quiet_app, world, role)
    wrong: list[str] = []
    for name, method, rule in routes(quiet_app):
        if not RECORD_ARGUMENTS & set(rule.arguments):
            continue
        url = fill(rule, url_values(world, role, name, far=True))
        if role is Role.ADMIN:
            status = requester.status(name, method, url)
            expected = TABLE[name][column] if name in TABLE else None
        elif TABLE.get(name, (None,) * len(ROLES))[column] == 403:
            # The role may not do this to any record: refused before the record is looked up,
            # which discloses nothing about it.
            status = requester.status(name, method, url, FAR_BODIES.get(name))
            expected = 403
        else:
            status = requester.status(name, method, url, FAR_BODIES.get(name))
            expected = OUT_OF_SCOPE_EXCEPTIONS.get(name, 404)
        check(wrong, f"{name} out of the area of {who}", expected, status)
    if wrong:
        pytest.fail("\n".join(wrong), pytrace=False)


def test_a_refusal_by_role_says_why_on_the_page_and_in_the_api(quiet_app, session):
    """A record the user sees but may not change: 403 with the reason, in their language."""
    world = build_world(session, quiet_app.config["PRODUCT_IMAGES_DIR"])
    provincial = Requester(quiet_app, world, Role.PROVINCIAL_STAFF)
    client = quiet_app.test_client()
    client.set_cookie("session", provincial.cookie)
    page = client.get("/vendors/new")
    assert page.status_code == 403
    assert "Tài khoản của bạn không được đăng ký tiểu thương." in page.get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/vendors/new")
    assert page.status_code == 403
    assert "Tài khoản" not in page.get_data(as_text=True)
    answer = quiet_app.test_client().patch(f"/api/v1/vendors/{world.vendor.id}",
                                           json={"name": "Tên Mới"}, headers=provincial.headers)
    assert answer.status_code == 403
    assert answer.get_json()["reason"] == "forbidden_edit_vendors"
    assert answer.get_json()["message"] == "Tài khoản của bạn chỉ được xem, không được sửa."
