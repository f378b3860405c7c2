"""A restart reports what the database holds now: `flask demo status`, and `flask demo load
--if-empty` on a database that has data, count it afresh; the demo accounts are kept in the file
given, without the first load's counts."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from accounts.models import Role, User
from market.models import Market
from tests.factories import make_market, make_product, make_quick_user, make_vendor
from vendors.models import Vendor, VendorKind

COUNTS = re.compile(
    r"Cơ sở dữ liệu hiện có (\d+) chợ, (\d+) tiểu thương/HTX, (\d+) phương thức thanh toán, "
    r"(\d+) lượt xác minh, (\d+) sản phẩm với (\d+) ảnh, (\d+) nơi bán trực tuyến, "
    r"(\d+) tài khoản\.")


def _counts(output: str) -> dict[str, int]:
    found = COUNTS.search(output)
    assert found, output
    names = ("markets", "vendors", "payment_methods", "visits", "products", "images",
             "listings", "users")
    return dict(zip(names, map(int, found.groups())))


def test_status_prints_the_databases_counts_and_follows_a_change(runner, session):
    market = make_market(session)
    make_vendor(session, market)
    make_quick_user(session, Role.ADMIN)
    session.commit()
    first = runner.invoke(args=["demo", "status"])
    assert first.exit_code == 0, first.output
    assert _counts(first.output) == {
        "markets": 1, "vendors": 1, "payment_methods": 0, "visits": 0, "products": 0,
        "images": 0, "listings": 0,
        "users": session.scalar(select(func.count()).select_from(User))}

    make_market(session)
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, ward_code=market.ward_code)
    make_product(session, cooperative)
    session.commit()
    later = _counts(runner.invoke(args=["demo", "status"]).output)
    assert (later["markets"], later["vendors"], later["products"]) == (
        session.scalar(select(func.count()).select_from(Market)),
        session.scalar(select(func.count()).select_from(Vendor)), 1)
    assert (later["markets"], later["vendors"]) == (2, 2)


def test_a_restart_prints_todays_counts_and_the_kept_accounts_not_the_first_loads(
        runner, session, tmp_path):
    make_vendor(session, make_market(session))
    session.commit()
    accounts = tmp_path / "demo-accounts.txt"
    # As earlier versions of scripts/start kept it: the first load's whole output.
    accounts.write_text(
        "Đã nạp 27 chợ, 612 tiểu thương/HTX, 700 phương thức thanh toán, 90 lượt xác minh, "
        "9 sản phẩm với 12 ảnh, 5 nơi bán trực tuyến trong 9.1 giây.\n"
        "Tài khoản mẫu (tên đăng nhập / mật khẩu / vai trò / phạm vi):\n"
        "  admin            mat-khau-1234  Quản trị viên — toàn quốc\n", encoding="utf-8")
    restart = runner.invoke(args=["demo", "load", "--if-empty", "--accounts-file", str(accounts)])
    assert restart.exit_code == 0, restart.output
    assert "không nạp lại" in restart.output
    assert (_counts(restart.output)["markets"], _counts(restart.output)["vendors"]) == (1, 1)
    assert "Đã nạp" not in restart.output and "612" not in restart.output
    assert "  admin            mat-khau-1234  Quản trị viên — toàn quốc" in restart.output


def test_the_first_load_keeps_its_accounts_in_the_file(runner, session, tmp_path):
    accounts = tmp_path / "instance" / "demo-accounts.txt"
    loaded = runner.invoke(args=["demo", "load", "--accounts-file", str(accounts)])
    assert loaded.exit_code == 0, loaded.output
    kept = accounts.read_text(encoding="utf-8").splitlines()
    usernames = set(session.scalars(select(User.username)))
    assert {line.split()[0] for line in kept} == usernames
    assert all(line in loaded.output for line in kept)
    assert not any("Đã nạp" in line for line in kept)
    restart = runner.invoke(args=["demo", "load", "--if-empty", "--accounts-file", str(accounts)])
    assert _counts(restart.output)["vendors"] == session.scalar(
        select(func.count()).select_from(Vendor))
    assert all(line in restart.output for line in kept)
