"""Configuration: environment variables, safe defaults, and refusing an unsafe production start."""
from __future__ import annotations

import pytest

from app import create_app
from config import ConfigError


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
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "s" * 48


def test_database_and_redis_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("CHO40_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example:5432/cho40")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/cho40"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/3"


def test_default_database_is_a_sqlite_file_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CHO40_ENV", raising=False)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/cho40.sqlite3")
