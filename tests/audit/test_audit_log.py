"""Every kind of write leaves an entry saying who, when, what (kind and id), the action, and the
values before and after: through the public service functions, on a real database."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from accounts.management import create_account, reset_password, set_account_active, update_account
from accounts.models import Role
from accounts.service import Scope, change_own_password, issue_api_token, revoke_api_token
from audit.models import AuditEntry
from catalog_export.listings import end_listing, record_listing
from catalog_export.models import ProductStatus
from catalog_export.products import archive_product, create_product, restore_product, update_product
from market.cho40 import add_rule_version, start_fee_collection, stop_fee_collection
from market.service import close_market, create_market, reopen_market, update_market
from market.stalls import create_stall, merge_stalls, update_stall
from tests.factories import (
    DAI_TU,
    PASSWORD,
    TAN_CUONG,
    THAI_NGUYEN,
    make_market,
    make_quick_user,
    make_stall,
    make_vendor,
)
from vendors.models import VendorKind


@pytest.fixture
def people(session):
    admin = make_quick_user(session, Role.ADMIN)
    province = make_quick_user(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN))
    commune = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU))
    session.commit()
    return admin, province, commune


def _last(session, entity: str, entity_id: int | None = None) -> AuditEntry:
    stmt = select(AuditEntry).where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(1)).one()


def _actions(session, entity: str, entity_id: int) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)))


def test_products_and_their_listings_log_each_change(session):
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè",
                              ward_code=TAN_CUONG)
    manager = make_quick_user(session, Role.COOPERATIVE_MANAGER,
                              Scope(cooperative_id=cooperative.id))
    commune = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=TAN_CUONG))
    session.commit()
    product = create_product(session, manager, cooperative.id, {
        "name": "Chè búp Tân Cương", "status": ProductStatus.ACTIVE, "price": 150_000,
        "stock": 4})
    created = _last(session, "product", product.id)
    assert (created.action, created.user_id, created.before) == ("product.create", manager.id, None)
    assert created.after["name"] == "Chè búp Tân Cương" and created.after["price"] == 150_000
    assert created.province_code == THAI_NGUYEN and created.vendor_id is None

    update_product(session, manager, product.id, {"price": 180_000, "stock": 4})
    updated = _last(session, "product", product.id)
    assert (updated.action, updated.before, updated.after) == (
        "product.update", {"price": 150_000}, {"price": 180_000})
    update_product(session, manager, product.id, {"price": 180_000})  # nothing changed
    archive_product(session, manager, product.id)
    restore_product(session, manager, product.id)
    assert _last(session, "product", product.id).after == {"status": "draft"}
    assert _actions(session, "product", product.id) == [
        "product.create", "product.update", "product.archive", "product.restore"]

    listing = record_listing(session, commune, product.id, {
        "platform": "Shopee", "url": "https://shopee.vn/che-bup", "listed_on": dt.date(2026, 1, 5)})
    end_listing(session, commune, listing.id, dt.date(2026, 3, 1))
    recorded, ended = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "listing").order_by(AuditEntry.id)).all()
    assert recorded.after["url"] == "https://shopee.vn/che-bup" and recorded.user_id == commune.id
    assert (ended.action, ended.before, ended.after) == (
        "listing.end", {"ended_on": None}, {"ended_on": "2026-03-01"})


def test_markets_and_stalls_log_each_change(session, people):
    admin, _province, commune = people
    market = create_market(session, commune, {"name": "Chợ Mới", "ward_code": DAI_TU})
    created = _last(session, "market", market.id)
    assert (created.action, created.after["name"], created.province_code) == (
        "market.create", "Chợ Mới", THAI_NGUYEN)
    update_market(session, commune, market.id, {"address": "Tổ 3", "board_contact_phone": "0912345678"})
    updated = _last(session, "market", market.id)
    assert updated.before == {"address": None, "board_contact_phone": None}
    assert updated.after == {"address": "Tổ 3", "board_contact_phone": "0912345678"}

    stall = create_stall(session, commune, market.id, {"code": "a 1"})
    assert _last(session, "stall", stall.id).after == {"market_id": market.id, "code": "A-1",
                                                      "zone": None}
    update_stall(session, commune, market.id, stall.id, {"zone": "Khu rau"})
    assert _last(session, "stall", stall.id).before == {"zone": None}
    other = make_stall(session, market, "B-7")
    trader = make_vendor(session, market, stall_id=stall.id)
    session.flush()
    merge_stalls(session, commune, market.id, stall.id, "B-7")
    merged = _last(session, "stall", stall.id)
    assert merged.action == "stall.merge"
    assert merged.after == {"code": "B-7", "merged_into": other.id, "vendors_moved": 1}
    moved = _last(session, "vendor", trader.id)
    assert (moved.action, moved.user_id, moved.vendor_id, moved.province_code) == (
        "vendor.update", commune.id, trader.id, THAI_NGUYEN)
    assert (moved.before, moved.after) == ({"stall_id": stall.id}, {"stall_id": other.id})

    close_market(session, admin, market.id, dt.date(2026, 1, 1), today=dt.date(2026, 1, 2))
    reopen_market(session, admin, market.id)
    assert _actions(session, "market", market.id) == [
        "market.create", "market.update", "market.close", "market.reopen"]
    assert _last(session, "market", market.id).before == {"closed_on": "2026-01-01"}
    # The vendor the closing sent away has its own entry, as close_vendor writes it.
    assert _last(session, "vendor", trader.id).action == "vendor.leave"


def test_rule_versions_and_fee_collections_log_each_change(session, people):
    _admin, province, commune = people
    market = make_market(session)
    session.commit()
    rule = add_rule_version(session, province, THAI_NGUYEN, {
        "effective_from": dt.date(2026, 1, 1), "min_cashless_percent": 60})
    entry = _last(session, "cho40_rule", rule.id)
    assert (entry.action, entry.user_id, entry.province_code) == (
        "cho40_rule.add", province.id, THAI_NGUYEN)
    assert entry.after["min_cashless_percent"] == 60
    assert entry.after["effective_from"] == "2026-01-01"

    period = start_fee_collection(session, commune, market.id, dt.date(2025, 6, 1), "Qua VietQR")
    stop_fee_collection(session, commune, market.id, dt.date(2025, 9, 1))
    started, stopped = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "fee_collection", AuditEntry.entity_id == period.id)
        .order_by(AuditEntry.id)).all()
    assert started.after == {"market_id": market.id, "started_on": "2025-06-01",
                             "stopped_on": None, "note": "Qua VietQR"}
    assert (stopped.before, stopped.after) == ({"stopped_on": None}, {"stopped_on": "2025-09-01"})


def test_accounts_log_their_changes_but_never_a_password(session, people):
    admin, province, _commune = people
    market = make_market(session)
    session.commit()
    user, generated = create_account(session, province, username="tocongnghe", full_name="Tổ CN",
                                     role=Role.ONBOARDING_AGENT, scope=Scope(market_id=market.id))
    update_account(session, province, user.id, full_name="Tổ Công Nghệ",
                   role=Role.COMMUNE_STAFF, scope=Scope(ward_code=DAI_TU))
    set_account_active(session, province, user.id, False)
    set_account_active(session, admin, user.id, True)
    reset_password(session, admin, user.id)
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "account", AuditEntry.entity_id == user.id)
        .order_by(AuditEntry.id)).all()
    assert [(e.action, e.user_id) for e in entries] == [
        ("account.create", province.id), ("account.update", province.id),
        ("account.disable", province.id), ("account.enable", admin.id),
        ("account.reset_password", admin.id)]
    created, updated, disabled, _enabled, reset = entries
    assert created.after["role"] == "onboarding_agent" and created.after["market_id"] == market.id
    assert updated.before == {"full_name": "Tổ CN", "role": "onboarding_agent",
                              "ward_code": None, "market_id": market.id}
    assert updated.after == {"full_name": "Tổ Công Nghệ", "role": "commune_staff",
                             "ward_code": DAI_TU, "market_id": None}
    assert (disabled.before, disabled.after) == ({"active": True}, {"active": False})
    assert (reset.before, reset.after) == (None, None)
    assert {e.province_code for e in entries} == {THAI_NGUYEN}
    everything = repr([(e.before, e.after) for e in entries])
    assert generated not in everything and user.password_hash not in everything
    assert "password" not in everything


def test_api_tokens_log_their_issue_and_revocation_not_their_secret(session, people):
    admin, province, _commune = people
    token, plain = issue_api_token(session, province, "Máy tính bảng")
    revoke_api_token(session, admin, token.id)
    revoke_api_token(session, admin, token.id)  # already revoked: nothing more happened
    issued, revoked = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "api_token", AuditEntry.entity_id == token.id)
        .order_by(AuditEntry.id)).all()
    assert (issued.action, issued.user_id, issued.after) == (
        "api_token.issue", province.id, {"name": "Máy tính bảng"})
    assert (revoked.action, revoked.user_id) == ("api_token.revoke", admin.id)
    assert plain not in repr(issued.after) and token.token_hash not in repr(issued.after)


def test_a_password_change_logs_each_token_it_revokes(session, people):
    _admin, province, _commune = people
    kept_revoked, _ = issue_api_token(session, province, "Đã thu hồi trước")
    revoke_api_token(session, province, kept_revoked.id)
    first, _ = issue_api_token(session, province, "Máy chủ tỉnh")
    second, _ = issue_api_token(session, province, "Điện thoại")
    change_own_password(session, province, current=PASSWORD, new="một mật khẩu mới rất dài",
                        confirmation="một mật khẩu mới rất dài")
    revocations = session.execute(select(AuditEntry.entity_id, AuditEntry.user_id, AuditEntry.after)
                                  .where(AuditEntry.action == "api_token.revoke")
                                  .order_by(AuditEntry.id)).all()
    assert revocations == [(kept_revoked.id, province.id, {"name": "Đã thu hồi trước"}),
                           (first.id, province.id, {"name": "Máy chủ tỉnh"}),
                           (second.id, province.id, {"name": "Điện thoại"})]
