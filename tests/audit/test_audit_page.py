"""The audit page: administrators read every entry, provincial staff those of their province,
other roles are refused; newest first, filtered by kind, person and days, and paged."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from accounts.models import Role
from accounts.service import Scope
from audit.models import AuditEntry
from audit.service import PAGE_SIZE, record
from market.service import update_market
from tests.factories import (
    DAI_TU,
    THAI_NGUYEN,
    THU_DAU_MOT,
    login,
    make_market,
    make_quick_user,
    make_vendor,
)
from vendors.changes import update_vendor

HCMC = "79"


@pytest.fixture
def two_provinces(session):
    """A market and a trader in Thái Nguyên and in Hồ Chí Minh City, each changed once by the
    commune staff there; the staff of each province, and an administrator."""
    here = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    there = make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    people = {
        "admin": make_quick_user(session, Role.ADMIN, username="quantri"),
        "tn": make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN),
                              username="canbo.tn"),
        "hcm": make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code=HCMC),
                               username="canbo.hcm"),
        "xa_tn": make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU),
                                 username="xa.daitu"),
        "xa_hcm": make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=THU_DAU_MOT),
                                  username="xa.tdm"),
    }
    trader_here = make_vendor(session, here, name="Nguyễn Thị Hoa", phone="0912345678")
    trader_there = make_vendor(session, there, name="Trần Văn Nam", phone="0987654321")
    session.flush()
    update_market(session, people["xa_tn"], here.id, {"address": "Tổ 3, Đại Từ"})
    update_market(session, people["xa_hcm"], there.id, {"address": "Số 1, Thủ Dầu Một"})
    update_vendor(session, people["xa_tn"], trader_here.id, {"phone": "0912345679"})
    update_vendor(session, people["xa_hcm"], trader_there.id, {"phone": "0987654322"})
    session.commit()
    return people


def _rows(client, query: str = "") -> list[str]:
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return re.findall(r'<tr data-entry="\d+">(.*?)</tr>', response.get_data(as_text=True),
                      re.DOTALL)


def test_provincial_staff_read_their_province_and_administrators_everything(
        client, two_provinces):
    login(client, "canbo.tn")
    rows = _rows(client)
    assert len(rows) == 2 and all("xa.daitu" in row for row in rows)
    assert not any("Thủ Dầu Một" in row or "0987" in row for row in rows)
    # Phones are masked for those who may not see them.
    assert "•••••••678 → •••••••679" in rows[0] and "0912345678" not in rows[0]
    assert "Tổ 3, Đại Từ" in rows[1]
    client.post("/logout")

    login(client, "canbo.hcm")
    rows = _rows(client)
    assert len(rows) == 2 and all("xa.tdm" in row for row in rows)
    client.post("/logout")

    login(client, "quantri")
    rows = _rows(client)
    assert len(rows) == 4
    assert "0912345678 → 0912345679" in "".join(rows)  # administrators see contact details


def test_other_roles_are_refused(client, two_provinces):
    login(client, "xa.daitu")
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "nhật ký thay đổi" in response.get_data(as_text=True)


def test_entries_are_filtered_by_kind_person_and_days(client, session, two_provinces):
    login(client, "quantri")
    assert len(_rows(client, "?entity=market")) == 2
    vendors_only = _rows(client, "?entity=vendor")
    assert len(vendors_only) == 2 and all("Sửa thông tin" in row for row in vendors_only)
    assert len(_rows(client, "?user=xa.tdm")) == 2
    assert len(_rows(client, "?user=XA.T&entity=vendor")) == 1
    # An entry made yesterday, on Vietnam's clock: 23:30 there is 16:30 UTC.
    yesterday = dt.date.today() - dt.timedelta(days=1)
    late = dt.datetime.combine(yesterday, dt.time(16, 30), dt.UTC)
    first = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id))
    session.execute(update(AuditEntry).where(AuditEntry.id == first).values(at=late))
    session.commit()
    assert len(_rows(client, f"?since={dt.date.today().isoformat()}")) == 3
    only = _rows(client, f"?since={yesterday.isoformat()}&until={yesterday.isoformat()}")
    assert len(only) == 1 and "Tổ 3, Đại Từ" in only[0]
    # Newest first: yesterday's entry last.
    assert "Tổ 3, Đại Từ" in _rows(client)[-1]


def test_wrong_filters_are_refused_with_a_reason(client, two_provinces):
    login(client, "quantri")
    response = client.get("/audit/?since=2026-05-01&until=2026-04-01")
    assert response.status_code == 422
    assert "Ngày bắt đầu phải trước" in response.get_data(as_text=True)
    response = client.get("/audit/?entity=password")
    assert response.status_code == 422
    assert "Không có loại đối tượng này." in response.get_data(as_text=True)
    assert client.get("/audit/?page=0").status_code == 422


def test_the_log_is_paged(client, session, two_provinces):
    admin = two_provinces["admin"]
    for n in range(PAGE_SIZE + 3):
        record(session, admin.id, "market.update", "market", 10_000 + n, province_code=HCMC,
               after={"note": f"lần {n}"})
    session.commit()
    login(client, "canbo.hcm")
    first = _rows(client)
    assert len(first) == PAGE_SIZE and "lần 52" in first[0]
    page = client.get("/audit/").get_data(as_text=True)
    assert "Trang 1/2" in page and 'href="/audit/?page=2"' in page
    second = _rows(client, "?page=2")
    assert len(second) == 5 and "lần 0" in second[-3]


def test_the_home_pages_of_readers_link_the_log(client, two_provinces):
    for username in ("quantri", "canbo.tn"):
        login(client, username)
        assert 'href="/audit/"' in client.get("/").get_data(as_text=True)
        client.post("/logout")
    login(client, "xa.daitu")
    assert 'href="/audit/"' not in client.get("/").get_data(as_text=True)
