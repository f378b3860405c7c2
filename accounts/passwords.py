"""What makes a password acceptable, the passwords the system makes to hand over on a reset, and
hashing and checking one. Pure: no Flask, no database."""
from __future__ import annotations

import functools
import re
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from domain_errors import N_, Message

MIN_PASSWORD_LENGTH = 10
# Hashing cost grows with the length: a bound keeps a megabyte "password" from tying up a worker.
MAX_PASSWORD_LENGTH = 128
MIN_DISTINCT_CHARACTERS = 5

# Runs of neighbouring keys or letters: a password that is part of one is guessed first.
_RUNS = ("01234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
         "1qaz2wsx3edc4rfv5tgb", "1q2w3e4r5t6y7u8i9o0p", "qazwsxedcrfvtgbyhnujmikolp")
# The words of the most used passwords (common lists, and their Vietnamese counterparts):
# with only digits and signs added they are still among the first guesses.
_COMMON_WORDS = frozenset({
    "password", "passw0rd", "matkhau", "admin", "administrator", "qwerty", "iloveyou",
    "anhyeuem", "emyeuanh", "welcome", "letmein", "abc", "abcd", "abcdef", "vietnam",
    "cho", "chotot", "cho40", "hanoi", "saigon", "user", "test", "changeme", "dragon",
    "monkey", "football", "superman", "trustno",
})
_NOT_LETTERS = re.compile(r"[^a-z]+")

# Generated passwords: lower-case letters and digits without the look-alikes (i, l, 1, o, 0), in
# groups of four, to read out over the phone and type on one; four groups hold about 79 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP_LENGTH = 4, 4


def password_problems(password: str, *, username: str = "") -> list[Message]:
    """Why a password is refused, every reason at once (none: it is accepted). Length first;
    then what is guessed early: too few distinct characters, a run of keys, a common word with
    digits, the account's own name."""
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(N_("Mật khẩu cần ít nhất %(count)s ký tự.", count=MIN_PASSWORD_LENGTH))
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(N_("Mật khẩu dài tối đa %(count)s ký tự.", count=MAX_PASSWORD_LENGTH))
    lowered = password.lower()
    letters = _NOT_LETTERS.sub("", lowered)
    if password and (len(set(password)) < MIN_DISTINCT_CHARACTERS
                     or any(lowered in run or lowered in run[::-1] for run in _RUNS)
                     or letters in _COMMON_WORDS):
        problems.append(N_("Mật khẩu quá dễ đoán (lặp lại ít ký tự, dãy phím liền nhau hoặc "
                           "một từ phổ biến thêm số)."))
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in lowered:
        problems.append(N_("Mật khẩu không được chứa tên đăng nhập."))
    return problems


def generate_password() -> str:
    """A random password such as «k7mq-x3pt-9fzw-ab4c», accepted by password_problems."""
    while True:
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH))
                            for _ in range(_GROUPS))
        if not password_problems(password):
            return password


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed. Without a hash (no such account) a hash is checked
    all the same, so that an unknown username answers as slowly as a known one and its timing
    does not tell which usernames exist. Longer than any accepted password: no hash is checked
    (for an unknown username neither)."""
    password = password or ""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


@functools.cache
def _dummy_hash() -> str:
    # Made as every account's hash is (the same method and cost), of a password nobody knows.
    return hash_password(secrets.token_urlsafe(24))
