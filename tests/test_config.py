"""Configuration: environment variables, safe defaults, and refusing an unsafe production start."""
from __future__ import annotations

import logging
import secrets

import pytest

from app import create_app
from config import ConfigError, secret_bits

STRONG = secrets.token_urlsafe(48)


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CHO40_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_the_development_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CHO40_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    development_app = create_app()
    dev_secret = development_app.config["SECRET_KEY"]
    monkeypatch.setenv("CHO40_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", dev_secret)
    with pytest.raises(ConfigError, match="development secret"):
        create_app()


def test_production_starts_with_a_strong_secret_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("CHO40_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example:5432/cho40")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == STRONG


@pytest.mark.parametrize("weak", ["s" * 48, "a" * 32, "ab" * 16, "abcdefgh" * 4,
                                  "0123456789" * 4])
def test_production_refuses_a_long_but_repetitive_secret(monkeypatch, tmp_path, weak):
    monkeypatch.setenv("CHO40_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", weak)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(ConfigError, match="too few or too repetitive"):
        create_app()


def test_keys_made_by_the_secrets_module_are_worth_enough():
    for _ in range(200):
        assert secret_bits(secrets.token_urlsafe(48)) > 250
        assert secret_bits(secrets.token_hex(32)) > 200
    assert secret_bits("a" * 32) == 0
    assert secret_bits("ab" * 16) == secret_bits("ab") == 2  # the unit repeated counts once


def test_production_refuses_to_run_jobs_without_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("CHO40_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example:5432/cho40")
    with pytest.raises(ConfigError, match="REDIS_URL"):
        create_app()


def test_production_on_sqlite_starts_but_says_so_loudly(monkeypatch, tmp_path, caplog):
    # Alembic's logging set-up, run earlier in this process, disables the loggers it finds.
    monkeypatch.setattr(logging.getLogger("config"), "disabled", False)
    monkeypatch.setenv("CHO40_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with caplog.at_level(logging.WARNING, logger="config"):
        create_app()
    assert "CHO40_ENV=production on SQLite" in caplog.text
    caplog.clear()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example:5432/cho40")
    with caplog.at_level(logging.WARNING, logger="config"):
        create_app()
    assert "SQLite" not in caplog.text


def test_database_and_redis_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("CHO40_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example:5432/cho40")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("JOBS_DIR", "/srv/cho40/jobs")
    app = create_app()
    assert app.config["JOBS_DIR"] == "/srv/cho40/jobs"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/cho40"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/3"


def test_default_database_is_a_sqlite_file_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CHO40_ENV", raising=False)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/cho40.sqlite3")
