"""An area with a user and an API token per role, and helpers to call the API and to check
that a refused request left the database as it was."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from accounts.models import Role, User
from accounts.service import issue_api_token
from market.models import Market, Stall
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THU_DAU_MOT,
    make_market,
    make_one_user_per_role,
    make_stall,
    make_vendor,
)
from vendors.models import Vendor, VendorKind

# Every table the API writes to.
TABLES = ("markets", "stalls", "vendors", "vendor_status_periods", "payment_methods",
          "idempotency_records", "products", "product_variants")


@dataclass
class Area:
    market: Market  # Chợ Đại Từ, in Xã Đại Từ, Thái Nguyên
    stall: Stall
    far_market: Market  # in Phường Thủ Dầu Một, Hồ Chí Minh City: nobody's area but the admin's
    far_stall: Stall
    cooperative: Vendor  # HTX Chè Tân Cương, no market, Xã Tân Cương
    users: dict[Role, User]
    tokens: dict[Role, str]

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def area(session) -> Area:
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    far_market = make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè Tân Cương",
                              ward_code=TAN_CUONG)
    users = make_one_user_per_role(session, market, cooperative)
    tokens = {role: issue_api_token(session, user, "tests")[1] for role, user in users.items()}
    area = Area(market, make_stall(session, market, "A-01"), far_market,
                make_stall(session, far_market, "Z-09"), cooperative, users, tokens)
    session.commit()
    return area



def snapshot(session) -> dict[str, list]:
    """Every row of every table the API writes, to compare before and after a refusal."""
    session.commit()  # end the test session's transaction: see what the app committed
    return {table: session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in TABLES}


def refused(response, status: int, message: str | None = None, *, field: str | None = None,
            reason: str | None = None) -> dict:
    """The response is the API's error shape with this status, message and field reason; a
    refusal by role names the permission (reason "forbidden_..."), an unknown record is
    "not_found"."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["code"] == status and body["message"] and body["reason"], body
    if status == 403:
        assert body["reason"].startswith("forbidden"), body
    if status == 404:
        assert body["reason"] == "not_found", body
    if message is not None:
        assert message in body["message"], body
    if field is not None:
        assert field in body.get("errors", {}), body
        if reason is not None:
            assert any(reason in m for m in body["errors"][field]), body
    return body
