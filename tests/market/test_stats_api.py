"""The digitisation figures through the JSON API and the command line: the same counts as the
pages, in the shapes the issue specifies, for the caller's area only."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from accounts.models import Role
from market.cho40 import add_rule_version
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THAI_NGUYEN,
    THU_DAU_MOT,
    make_bank_account,
    make_market,
    make_vendor,
)

DAY = dt.date(2025, 6, 30)


@pytest.fixture
def figures(session, area):
    """In the area's market (Chợ Đại Từ): 3 vendors, 2 cashless on DAY, one of them with two
    methods; one who left in May; in a second market of Tân Cương, 1 cash-only vendor."""
    vendors = [make_vendor(session, area.market, joined_on=dt.date(2025, 1, 1)) for _ in range(3)]
    make_bank_account(session, vendors[0], started_on=dt.date(2025, 2, 1))
    make_bank_account(session, vendors[0], started_on=dt.date(2025, 3, 1),
                      account_number="0011009999999")
    make_bank_account(session, vendors[1], started_on=dt.date(2025, 5, 1))
    make_vendor(session, area.market, joined_on=dt.date(2025, 1, 1), left_on=dt.date(2025, 5, 20))
    second = make_market(session, ward_code=TAN_CUONG, name="Chợ Tân Cương")
    make_vendor(session, second, joined_on=dt.date(2025, 1, 1))
    make_vendor(session, make_market(session, ward_code=THU_DAU_MOT), joined_on=dt.date(2025, 1, 1))
    add_rule_version(session, area.users[Role.ADMIN], THAI_NGUYEN,
                     {"effective_from": dt.date(2025, 1, 1), "min_cashless_percent": 50})
    session.commit()
    return {"second": second}


def test_share_gives_the_province_with_its_communes_and_markets(client, area, figures):
    response = client.get(f"/api/v1/stats/share?province={THAI_NGUYEN}&date={DAY}",
                          headers=area.auth(Role.PROVINCIAL_STAFF))
    assert response.status_code == 200
    body = response.get_json()
    assert {key: body[key] for key in ("date", "level", "code", "active", "cashless", "share")} == {
        "date": "2025-06-30", "level": "province", "code": THAI_NGUYEN, "active": 5,
        "cashless": 2, "share": 0.4}  # the area's cooperative is active too
    wards = {ward["code"]: ward for ward in body["children"]}
    assert set(wards) == {DAI_TU, TAN_CUONG}  # the cooperative is registered in Tân Cương
    assert wards[DAI_TU]["share"] == pytest.approx(2 / 3, abs=1e-6)
    (market,) = wards[DAI_TU]["children"]
    assert market == {"level": "market", "code": str(area.market.id), "name": "Chợ Đại Từ",
                      "active": 3, "cashless": 2, "share": pytest.approx(2 / 3, abs=1e-6),
                      "children": []}


def test_share_defaults_to_the_callers_area_and_hides_others(client, area, figures):
    body = client.get(f"/api/v1/stats/share?date={DAY}",
                      headers=area.auth(Role.ONBOARDING_AGENT)).get_json()
    assert (body["level"], body["code"], body["active"]) == ("market", str(area.market.id), 3)
    for query in (f"province={THAI_NGUYEN}", f"ward={TAN_CUONG}", f"market={area.far_market.id}"):
        response = client.get(f"/api/v1/stats/share?{query}",
                              headers=area.auth(Role.ONBOARDING_AGENT))
        assert response.status_code == 404, query
    # A commune of another province named with this one is not found, for the admin too.
    response = client.get(f"/api/v1/stats/share?province={THAI_NGUYEN}&ward={THU_DAU_MOT}",
                          headers=area.auth(Role.ADMIN))
    assert response.status_code == 404
    assert client.get("/api/v1/stats/share?date=2025-13-01",
                      headers=area.auth(Role.ADMIN)).status_code == 422


def test_series_and_cho40(client, area, figures):
    response = client.get(f"/api/v1/stats/series?market={area.market.id}&from=2025-01&to=2025-06",
                          headers=area.auth(Role.COMMUNE_STAFF))
    months = response.get_json()["months"]
    assert [(m["month"], m["date"], m["active"], m["cashless"]) for m in months] == [
        ("2025-01", "2025-01-31", 4, 0), ("2025-02", "2025-02-28", 4, 1),
        ("2025-03", "2025-03-31", 4, 1), ("2025-04", "2025-04-30", 4, 1),
        ("2025-05", "2025-05-31", 3, 2), ("2025-06", "2025-06-30", 3, 2)]
    assert months[0]["share"] == 0
    refused = client.get("/api/v1/stats/series?from=2025-06&to=2025-01",
                         headers=area.auth(Role.ADMIN))
    assert refused.status_code == 422 and "to" in refused.get_json()["errors"]
    body = client.get(f"/api/v1/stats/cho40?ward={TAN_CUONG}&date={DAY}",
                      headers=area.auth(Role.COMMUNE_STAFF))
    assert body.status_code == 404  # Tân Cương is not the commune staff's commune
    body = client.get(f"/api/v1/stats/cho40?province={THAI_NGUYEN}&date={DAY}",
                      headers=area.auth(Role.PROVINCIAL_STAFF)).get_json()
    verdicts = {m["name"]: m for m in body["markets"]}
    assert verdicts["Chợ Đại Từ"]["qualifies"] is True
    assert verdicts["Chợ Tân Cương"]["shortfalls"] == [{
        "kind": "more_cashless_vendors", "missing": 1,
        "message": "cần thêm 1 tiểu thương nhận thanh toán không dùng tiền mặt"}]


def test_breakdown_by_kind_class_payment_and_visits(client, area, figures):
    body = client.get(f"/api/v1/stats/breakdown?market={area.market.id}&date={DAY}&days=10",
                      headers=area.auth(Role.COMMUNE_STAFF)).get_json()
    assert body["by_vendor_kind"]["trader"] == {"active": 3, "cashless": 2,
                                                "share": pytest.approx(0.666667)}
    assert body["by_market_class"]["II"]["active"] == 3
    # Two bank accounts of one vendor: one vendor under bank_account.
    assert body["by_payment_kind"] == {"bank_account": 2}
    assert body["visits"] == {"days": 10, "cashless": 2, "visited": 0, "verified_used": 0,
                              "due": 2}


def test_the_cli_share_as_json_and_csv(runner, area, figures):
    result = runner.invoke(args=["stats", "share", "--province", THAI_NGUYEN, "--date",
                                 DAY.isoformat()])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"date", "level", "code", "name", "active", "cashless", "share",
                         "children"}
    assert (data["level"], data["active"], data["cashless"], data["share"]) == (
        "province", 5, 2, 0.4)
    assert data["name"] == "Tỉnh Thái Nguyên"
    result = runner.invoke(args=["stats", "share", "--province", THAI_NGUYEN, "--market",
                                 str(figures["second"].id), "--date", DAY.isoformat(),
                                 "--format", "csv"])
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows == [["date", "level", "code", "name", "active", "cashless", "share"],
                    ["2025-06-30", "market", str(figures["second"].id), "Chợ Tân Cương", "1",
                     "0", "0.0"]]


def test_the_cli_series_and_its_errors(runner, area, figures):
    result = runner.invoke(args=["stats", "series", "--province", THAI_NGUYEN, "--from",
                                 "2025-04", "--to", "2025-06"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [m["active"] for m in data["months"]] == [6, 5, 5]
    assert (data["level"], data["code"]) == ("province", THAI_NGUYEN)
    bad = runner.invoke(args=["stats", "series", "--province", THAI_NGUYEN, "--from",
                              "2025-4", "--to", "2025-06"])
    assert bad.exit_code == 2 and "NNNN-TT" in bad.output
    bad = runner.invoke(args=["stats", "share", "--province", THAI_NGUYEN, "--ward",
                              THU_DAU_MOT, "--date", "2025-06-30"])
    assert bad.exit_code == 2 and "Không tìm thấy xã/phường" in bad.output
