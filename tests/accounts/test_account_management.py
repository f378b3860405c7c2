"""Accounts managed by administrators and provincial staff, passwords and API tokens, through the
services (accounts.management, accounts.service, accounts.passwords) on a real database."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from werkzeug.security import check_password_hash

from accounts.management import (
    create_account,
    get_account,
    list_accounts,
    reset_password,
    scope_choices,
    scope_for_role,
    set_account_active,
    update_account,
)
from accounts.models import ApiToken, Role
from accounts.passwords import generate_password, password_problems
from accounts.service import (
    AccountDisabled,
    AccountError,
    Scope,
    authenticate,
    change_own_password,
    issue_api_token,
    list_api_tokens,
    revoke_api_token,
    use_api_token,
    user_for_session,
)
from domain_errors import Forbidden, NotFound
from tests.factories import (
    DAI_TU,
    PASSWORD,
    TAN_CUONG,
    THAI_NGUYEN,
    THU_DAU_MOT,
    make_market,
    make_quick_user,
    make_vendor,
)
from vendors.models import VendorKind

HO_CHI_MINH = "79"
NEW_PASSWORD = "mười quả cam chín"


def _acting_user(session, plain, now=None):
    """Whom the token acts for (None: refused)."""
    use = use_api_token(session, plain, now=now)
    return use.user if use else None


@pytest.fixture
def area(session):
    """Thái Nguyên's staff and an admin; accounts of each kind of scope in Thái Nguyên, and the
    same outside it (Phường Thủ Dầu Một, Hồ Chí Minh City)."""
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    far_market = make_market(session, name="Chợ Thủ Dầu Một", ward_code=THU_DAU_MOT)
    cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE, name="HTX Chè Tân Cương",
                              ward_code=TAN_CUONG)
    far_cooperative = make_vendor(session, None, kind=VendorKind.COOPERATIVE,
                                  name="HTX Thủ Dầu Một", ward_code=THU_DAU_MOT)
    quick = make_quick_user
    users = {
        "admin": quick(session, Role.ADMIN, username="quantri"),
        "other_admin": quick(session, Role.ADMIN, username="quantri2"),
        "province": quick(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN),
                          username="tinh"),
        "province_peer": quick(session, Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN),
                               username="tinh2"),
        "commune": quick(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU), username="xa"),
        "agent": quick(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id),
                       username="tocongnghe"),
        "manager": quick(session, Role.COOPERATIVE_MANAGER, Scope(cooperative_id=cooperative.id),
                         username="htx"),
        "far_province": quick(session, Role.PROVINCIAL_STAFF, Scope(province_code=HO_CHI_MINH),
                              username="hcm"),
        "far_commune": quick(session, Role.COMMUNE_STAFF, Scope(ward_code=THU_DAU_MOT),
                             username="hcm.xa"),
        "far_agent": quick(session, Role.ONBOARDING_AGENT, Scope(market_id=far_market.id),
                           username="hcm.to"),
        "far_manager": quick(session, Role.COOPERATIVE_MANAGER,
                             Scope(cooperative_id=far_cooperative.id), username="hcm.htx"),
    }
    session.commit()
    return {**users, "market": market, "far_market": far_market, "cooperative": cooperative,
            "far_cooperative": far_cooperative}


def _usernames(page) -> set[str]:
    return {user.username for user in page.items}


# --- Who manages which accounts ---------------------------------------------------------------


def test_provincial_staff_list_the_accounts_of_their_province_only(session, area):
    listed = _usernames(list_accounts(session, area["province"]))
    assert listed == {"tinh", "tinh2", "xa", "tocongnghe", "htx"}
    assert len(list_accounts(session, area["admin"]).items) == 11


def test_other_roles_manage_no_account(session, area):
    for role in ("commune", "agent", "manager"):
        with pytest.raises(Forbidden):
            list_accounts(session, area[role])
        with pytest.raises(Forbidden):
            get_account(session, area[role], area[role].id)


def test_an_account_outside_the_province_is_not_found(session, area):
    for name in ("admin", "far_province", "far_commune", "far_agent", "far_manager"):
        with pytest.raises(NotFound):
            get_account(session, area["province"], area[name].id)
        with pytest.raises(NotFound):
            set_account_active(session, area["province"], area[name].id, False)
        with pytest.raises(NotFound):
            reset_password(session, area["province"], area[name].id)
    assert get_account(session, area["province"], area["commune"].id) == area["commune"]


def test_provincial_staff_create_accounts_within_their_province(session, area):
    actor = area["province"]
    scopes = {
        "tinh.moi": (Role.PROVINCIAL_STAFF, Scope(province_code=THAI_NGUYEN)),
        "xa.moi": (Role.COMMUNE_STAFF, Scope(ward_code=TAN_CUONG)),
        "to.cho": (Role.ONBOARDING_AGENT, Scope(market_id=area["market"].id)),
        "to.xa": (Role.ONBOARDING_AGENT, Scope(ward_code=DAI_TU)),
        "to.tinh": (Role.ONBOARDING_AGENT, Scope(province_code=THAI_NGUYEN)),
        "htx.moi": (Role.COOPERATIVE_MANAGER, Scope(cooperative_id=area["cooperative"].id)),
    }
    for username, (role, scope) in scopes.items():
        user, generated = create_account(session, actor, username=username, full_name="",
                                         role=role, scope=scope)
        assert check_password_hash(user.password_hash, generated)
    session.commit()
    # Every account they make stays among those they manage.
    assert set(scopes) <= _usernames(list_accounts(session, actor))


def test_provincial_staff_may_not_create_an_administrator(session, area):
    with pytest.raises(AccountError) as refused:
        create_account(session, area["province"], username="quantri.moi", full_name="",
                       role=Role.ADMIN, scope=Scope())
    assert refused.value.fields["role"] == ["Chỉ quản trị viên được tạo tài khoản quản trị viên."]
    user, _password = create_account(session, area["admin"], username="quantri.moi",
                                     full_name="", role=Role.ADMIN, scope=Scope())
    assert user.role is Role.ADMIN


@pytest.mark.parametrize("role, scope_of", [
    (Role.PROVINCIAL_STAFF, lambda area: Scope(province_code=HO_CHI_MINH)),
    (Role.COMMUNE_STAFF, lambda area: Scope(ward_code=THU_DAU_MOT)),
    (Role.ONBOARDING_AGENT, lambda area: Scope(market_id=area["far_market"].id)),
    (Role.COOPERATIVE_MANAGER, lambda area: Scope(cooperative_id=area["far_cooperative"].id)),
])
def test_provincial_staff_may_not_give_a_scope_outside_their_province(session, area, role,
                                                                      scope_of):
    scope = scope_of(area)
    with pytest.raises(AccountError) as refused:
        create_account(session, area["province"], username="ngoai", full_name="", role=role,
                       scope=scope)
    field, = [name for name, value in vars(scope).items() if value is not None]
    # Refused as if it did not exist: nothing is disclosed about other provinces.
    assert str(refused.value.fields[field][0]).startswith("Không có ")
    with pytest.raises(AccountError) as refused:
        update_account(session, area["province"], area["commune"].id, full_name=None, role=role,
                       scope=scope)
    assert field in refused.value.fields
    # The administrator gives any of them.
    create_account(session, area["admin"], username="ngoai", full_name="", role=role,
                   scope=scope)


def test_every_problem_of_a_new_account_is_reported_at_once(session, area):
    with pytest.raises(AccountError) as refused:
        create_account(session, area["admin"], username="xa", full_name="", role=Role.COMMUNE_STAFF,
                       scope=Scope(), password="1234567890", confirmation="0987654321")
    assert set(refused.value.fields) == {"username", "password", "confirmation", "scope"}


def test_the_form_offers_provincial_staff_their_province_only(session, area):
    choices = scope_choices(session, area["province"], HO_CHI_MINH)
    assert [p.code for p in choices.provinces] == [THAI_NGUYEN]
    assert choices.province_code == THAI_NGUYEN
    assert Role.ADMIN not in choices.roles
    assert {w.province_code for w in choices.wards} == {THAI_NGUYEN}
    assert [m.name for m in choices.markets] == ["Chợ Đại Từ"]
    assert [c.name for c in choices.cooperatives] == ["HTX Chè Tân Cương"]
    everything = scope_choices(session, area["admin"], None)
    assert len(everything.provinces) == 34 and everything.wards == []
    assert Role.ADMIN in everything.roles


def test_an_agents_scope_is_the_narrowest_chosen():
    chosen = {"province_code": THAI_NGUYEN, "ward_code": DAI_TU, "market_id": 7,
              "cooperative_id": 9}
    assert scope_for_role(Role.ONBOARDING_AGENT, **chosen) == Scope(market_id=7)
    assert scope_for_role(Role.ONBOARDING_AGENT, **{**chosen, "market_id": None}) == Scope(
        ward_code=DAI_TU)
    assert scope_for_role(Role.COMMUNE_STAFF, **chosen) == Scope(ward_code=DAI_TU)
    assert scope_for_role(Role.COOPERATIVE_MANAGER, **chosen) == Scope(cooperative_id=9)
    assert scope_for_role(Role.ADMIN, **chosen) == Scope()


def test_changing_role_and_scope(session, area):
    user = update_account(session, area["province"], area["agent"].id, full_name="Lò Văn Mới",
                          role=Role.COMMUNE_STAFF, scope=Scope(ward_code=TAN_CUONG))
    session.commit()
    assert (user.role, user.ward_code, user.market_id, user.full_name) == (
        Role.COMMUNE_STAFF, TAN_CUONG, None, "Lò Văn Mới")
    with pytest.raises(Forbidden):
        update_account(session, area["admin"], area["admin"].id, full_name=None,
                       role=Role.COMMUNE_STAFF, scope=Scope(ward_code=DAI_TU))


# --- Disabling ---------------------------------------------------------------------------------


def test_an_account_cannot_disable_itself(session, area):
    for actor in ("admin", "province"):
        with pytest.raises(Forbidden) as refused:
            set_account_active(session, area[actor], area[actor].id, False)
        assert refused.value.code == "disable_self"
        assert area[actor].active


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(session, area):
    user = area["commune"]
    session_id = user.get_id()
    assert user_for_session(session, session_id) == user
    set_account_active(session, area["province"], user.id, False)
    session.commit()
    with pytest.raises(AccountDisabled):
        authenticate(session, "xa", PASSWORD)
    assert authenticate(session, "xa", "wrong password") is None  # says nothing more
    assert user_for_session(session, session_id) is None
    set_account_active(session, area["province"], user.id, True)
    assert authenticate(session, "xa", PASSWORD) == user


def test_a_disabled_accounts_tokens_stop_working_until_it_is_enabled(session, area):
    _token, plain = issue_api_token(session, area["agent"], "điện thoại")
    assert _acting_user(session, plain) == area["agent"]
    set_account_active(session, area["admin"], area["agent"].id, False)
    session.commit()
    assert _acting_user(session, plain) is None
    set_account_active(session, area["admin"], area["agent"].id, True)
    assert _acting_user(session, plain) == area["agent"]


# --- Passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize("password, reason", [
    ("ngắn", "ít nhất 10"),
    ("a" * 129, "tối đa 128"),
    ("aaaaabbbbbaaaaa", "dễ đoán"),  # too few distinct characters
    ("1234567890", "dễ đoán"),
    ("qwertyuiop", "dễ đoán"),
    ("Password123!", "dễ đoán"),
    ("matkhau2026", "dễ đoán"),
    ("tocongnghe-2026", "tên đăng nhập"),
])
def test_weak_passwords_are_refused_with_their_reason(password, reason):
    problems = password_problems(password, username="tocongnghe")
    assert any(reason in str(problem) for problem in problems), problems


def test_good_and_generated_passwords_are_accepted():
    assert password_problems(NEW_PASSWORD, username="tocongnghe") == []
    assert password_problems(PASSWORD) == []
    generated = {generate_password() for _ in range(50)}
    assert len(generated) == 50
    assert all(len(p) == 19 and password_problems(p) == [] for p in generated)


def test_changing_ones_own_password_reports_every_problem_at_once(session, area):
    user = area["agent"]
    with pytest.raises(AccountError) as refused:
        change_own_password(session, user, current="sai", new="1234567890",
                            confirmation="khác hẳn")
    assert set(refused.value.fields) == {"current_password", "new_password", "confirmation"}
    with pytest.raises(AccountError) as refused:
        change_own_password(session, user, current=PASSWORD, new=PASSWORD,
                            confirmation=PASSWORD)
    assert set(refused.value.fields) == {"new_password"}


def test_changing_ones_own_password_ends_ones_other_sessions(session, area):
    user = area["agent"]
    old_session = user.get_id()
    change_own_password(session, user, current=PASSWORD, new=NEW_PASSWORD,
                        confirmation=NEW_PASSWORD)
    session.commit()
    assert authenticate(session, "tocongnghe", PASSWORD) is None
    assert authenticate(session, "tocongnghe", NEW_PASSWORD) == user
    assert user_for_session(session, old_session) is None
    assert user_for_session(session, user.get_id()) == user


def test_a_reset_gives_a_generated_or_chosen_password(session, area):
    user, generated = reset_password(session, area["province"], area["commune"].id)
    assert authenticate(session, "xa", generated) == user
    with pytest.raises(AccountError) as refused:
        reset_password(session, area["province"], area["commune"].id, password=NEW_PASSWORD,
                       confirmation="khác")
    assert set(refused.value.fields) == {"confirmation"}
    reset_password(session, area["province"], area["commune"].id, password=NEW_PASSWORD,
                   confirmation=NEW_PASSWORD)
    assert authenticate(session, "xa", NEW_PASSWORD) == user
    # One's own password is changed knowing the current one, not reset.
    with pytest.raises(Forbidden):
        reset_password(session, area["admin"], area["admin"].id)


# --- API tokens --------------------------------------------------------------------------------


def test_a_revoked_token_stops_working(session, area):
    token, plain = issue_api_token(session, area["agent"], "máy tính bảng")
    session.commit()
    assert _acting_user(session, plain) == area["agent"]
    revoke_api_token(session, area["agent"], token.id)
    session.commit()
    assert _acting_user(session, plain) is None
    first_revocation = token.revoked_at
    assert revoke_api_token(session, area["agent"], token.id).revoked_at == first_revocation


def test_users_see_and_revoke_their_own_tokens_and_administrators_everyones(session, area):
    mine, _plain = issue_api_token(session, area["agent"], "của tôi")
    theirs, _plain = issue_api_token(session, area["commune"], "của người khác")
    session.commit()
    assert [t.name for t in list_api_tokens(session, area["agent"])] == ["của tôi"]
    assert {t.name for t in list_api_tokens(session, area["admin"])} == {"của tôi",
                                                                         "của người khác"}
    # Not even provincial staff see the tokens of the accounts they manage.
    assert list_api_tokens(session, area["province"], user_id=area["commune"].id) == []
    for actor in ("agent", "province"):
        with pytest.raises(NotFound):
            revoke_api_token(session, area[actor], theirs.id)
    assert revoke_api_token(session, area["admin"], theirs.id).revoked_at is not None
    assert mine.revoked_at is None


def test_a_tokens_last_use_is_recorded_at_most_once_a_minute(session, area):
    token, plain = issue_api_token(session, area["agent"], "đồng bộ")
    session.commit()
    assert token.last_used_at is None
    first = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)

    def last_used(now):
        use = use_api_token(session, plain, now=now)
        assert use.user == area["agent"]
        recorded.append(use.recorded)
        session.commit()
        return session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token.id))

    updates, recorded = [], []

    def count_updates(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            updates.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count_updates)
    try:
        assert last_used(first) == first
        # Within the minute not even an UPDATE is sent: on SQLite one that changes no row
        # still takes the database's write lock.
        assert last_used(first + dt.timedelta(seconds=59)) == first
        assert len(updates) == 1
        later = first + dt.timedelta(minutes=1, seconds=5)
        assert last_used(later) == later
        assert len(updates) == 2 and recorded == [True, False, True]
    finally:
        event.remove(engine, "before_cursor_execute", count_updates)
