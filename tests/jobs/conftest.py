"""Two Thái Nguyên markets with placards, one without, one in another province, and a jobs folder
of the test's own: what the job tests run."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.service import Scope
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THU_DAU_MOT,
    make_bank_account,
    make_market,
    make_stall,
    make_user,
    make_vendor,
)


@pytest.fixture
def jobs_dir(app, tmp_path):
    folder = tmp_path / "jobs"
    app.config.update(JOBS_DIR=str(folder), REDIS_URL=None)
    return folder


@pytest.fixture
def province(session, jobs_dir):
    """Two Thái Nguyên markets with placards, one without, one market in another province."""
    accounts = {}
    for name, ward, count in (
        ("Chợ Đại Từ", DAI_TU, 3),
        ("Chợ Tân Cương", TAN_CUONG, 2),
        ("Chợ Trống", DAI_TU, 0),
        ("Chợ Thủ Dầu Một", THU_DAU_MOT, 2),
    ):
        market = make_market(session, name=name, ward_code=ward)
        accounts[name] = []
        for i in range(count):
            vendor = make_vendor(
                session, market, stall_id=make_stall(session, market, f"A-{i + 1}").id
            )
            account = f"{market.id:03d}{i:07d}"
            make_bank_account(session, vendor, account_number=account)
            accounts[name].append(account)
        accounts[name, "id"] = market.id
    # A province's print run is started by someone who puts placards up: an agent of the province.
    staff = make_user(session, Role.ONBOARDING_AGENT, Scope(province_code="19"))
    session.commit()
    return {"accounts": accounts, "staff": staff.username, "staff_id": staff.id}

