"""Holding logins under attack: failed logins limited per username and per client address (429
with Retry-After), and an unknown username costing the same work as a known one."""
from __future__ import annotations

import pytest

import accounts.passwords
from accounts.models import Role
from accounts.service import authenticate
from tests.factories import PASSWORD, login, make_quick_user, make_user


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def users(session):
    found = {name: make_quick_user(session, Role.ADMIN, username=name)
             for name in ("lan", "minh", "hoa", "tuan")}
    session.commit()
    return found


def _refused_for_a_while(response) -> int:
    assert response.status_code == 429, _text(response)
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    assert "Đăng nhập sai quá nhiều lần." in _text(response)
    assert "Vui lòng thử lại sau" in _text(response)
    return seconds


def test_wrong_passwords_for_one_username_are_stopped_and_the_right_one_then_too(app, users):
    app.config.update(LOGIN_LIMIT_PER_USER="3 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    client = app.test_client()
    for _ in range(3):
        assert login(client, "lan", "đoán thử mật khẩu").status_code == 400
    _refused_for_a_while(login(client, "lan", PASSWORD))  # the right password, too late
    assert client.get("/").status_code == 302  # no session was opened
    # The name as typed differently is the same account, and the same count.
    _refused_for_a_while(login(client, " LAN ", PASSWORD))
    # Other accounts from the same address still log in.
    assert login(app.test_client(), "minh").status_code == 302


def test_successful_logins_are_not_counted(app, users):
    app.config.update(LOGIN_LIMIT_PER_USER="2 per minute", LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    for _ in range(5):
        assert login(app.test_client(), "lan").status_code == 302


def test_failures_from_one_address_are_stopped_whatever_the_username(app, users):
    app.config.update(LOGIN_LIMIT_PER_USER="100 per minute", LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    attacker = app.test_client()
    for name in ("lan", "minh", "không.có.ai"):
        assert login(attacker, name, "mật khẩu phổ biến").status_code == 400
    _refused_for_a_while(login(attacker, "hoa", PASSWORD))
    # Someone else, at another address, logs in as usual.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert login(elsewhere, "hoa").status_code == 302


def test_the_address_behind_a_proxy_is_the_one_the_proxy_saw(app, users):
    app.config.update(LOGIN_LIMIT_PER_USER="100 per minute", LOGIN_LIMIT_PER_ADDRESS="2 per minute",
                      PROXIES_IN_FRONT=1)
    proxy = app.test_client()  # every request comes from the proxy's own address

    def attempt(client_address, password="sai mật khẩu", claimed=""):
        forwarded = f"{claimed}, {client_address}" if claimed else client_address
        return proxy.post("/login", data={"username": "tuan", "password": password},
                          headers={"X-Forwarded-For": forwarded})

    assert attempt("198.51.100.1").status_code == 400
    # A client cannot escape its count by claiming another address to the proxy.
    assert attempt("198.51.100.1", claimed="10.9.9.9").status_code == 400
    assert attempt("198.51.100.1", claimed="10.9.9.8").status_code == 429
    # Another client behind the same proxy is not held up by the first.
    assert attempt("198.51.100.2", password=PASSWORD).status_code == 302


def test_the_api_way_of_asking_gets_the_json_error_shape(app, users):
    app.config.update(LOGIN_LIMIT_PER_USER="1 per minute")
    client = app.test_client()
    assert login(client, "lan", "sai").status_code == 400
    answer = client.post("/login", data={"username": "lan", "password": "sai"},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 429 and answer.is_json
    body = answer.get_json()
    assert body["code"] == 429 and body["reason"] == "too_many_requests"
    assert body["message"].startswith("Đăng nhập sai quá nhiều lần.")
    assert int(answer.headers["Retry-After"]) > 0


def test_the_limit_message_in_english(app, users):
    app.config.update(LOGIN_LIMIT_PER_USER="1 per minute")
    client = app.test_client()
    client.get("/lang/en")
    assert login(client, "lan", "sai").status_code == 400
    page = _text(login(client, "lan", "sai"))
    assert "Too many failed logins." in page and "Đăng nhập" not in page


def test_an_unknown_username_costs_the_same_hash_check_as_a_known_one(session, monkeypatch):
    """The answer's timing cannot tell whether a username exists: a password is checked against
    a hash made the same way (method and cost) whether the account exists or not."""
    known = make_user(session, Role.ADMIN, username="co.that")
    session.commit()
    checked: list[str] = []
    real_check = accounts.passwords.check_password_hash

    def counting_check(password_hash, password):
        checked.append(password_hash.split("$", 1)[0])  # the method and its cost
        return real_check(password_hash, password)

    monkeypatch.setattr(accounts.passwords, "check_password_hash", counting_check)

    assert authenticate(session, "co.that", "sai mật khẩu rồi") is None
    assert authenticate(session, "khong.co.ai", "sai mật khẩu rồi") is None
    assert authenticate(session, "", "") is None
    method = known.password_hash.split("$", 1)[0]
    assert checked == [method, method, method]
    # And a right password is checked the same once.
    assert authenticate(session, "co.that", PASSWORD) == known
    assert checked == [method] * 4
