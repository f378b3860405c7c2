"""Configuration read from environment variables, with safe development defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PRODUCTION = "production"
MIN_PRODUCTION_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The app refuses to start with this configuration."""


def _development_secret(instance_path: Path) -> str:
    # A random key kept beside the SQLite file, so no secret ever lives in the repo and
    # development sessions survive a restart.
    key_file = instance_path / "dev-secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment; `overrides` win (tests use them)."""
    overrides = overrides or {}
    env = os.environ
    mode = overrides.get("CHO40_ENV", env.get("CHO40_ENV", "development"))
    secret = overrides.get("SECRET_KEY", env.get("SECRET_KEY"))
    if mode == PRODUCTION:
        if not secret or len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
            raise ConfigError(
                "CHO40_ENV=production needs SECRET_KEY set to a random value of at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
        if secret == _read_dev_secret(instance_path):
            raise ConfigError("CHO40_ENV=production refuses the development secret key.")
    elif not secret:
        secret = _development_secret(instance_path)

    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("DATABASE_URL")
    if not database_url:
        instance_path.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance_path / 'cho40.sqlite3'}"

    config = {
        "CHO40_ENV": mode,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # No REDIS_URL: long jobs run in-process, so a newcomer needs no Redis.
        "REDIS_URL": env.get("REDIS_URL"),
        # --- Long jobs (jobs/runner.py) ---
        # At most JOBS_PER_USER of one person's jobs and JOBS_TOTAL in all run at once (counted
        # in the database, so every process and worker agrees); the others wait in order. A
        # person with JOBS_WAITING_PER_USER jobs waiting or running is refused (429). Without
        # Redis, each web process runs jobs in a pool of JOBS_TOTAL threads; with it, run as many
        # RQ workers as JOBS_TOTAL. Job files are removed JOB_FILES_MAX_AGE_DAYS after the job.
        "JOBS_PER_USER": int(env.get("JOBS_PER_USER", 2)),
        "JOBS_TOTAL": int(env.get("JOBS_TOTAL", 4)),
        "JOBS_WAITING_PER_USER": int(env.get("JOBS_WAITING_PER_USER", 10)),
        "JOB_FILES_MAX_AGE_DAYS": float(env.get("JOB_FILES_MAX_AGE_DAYS", 7)),
        # Product photos, outside the static folder (served by a route that checks who may see
        # them); None: the instance folder's product_images/. Every app process and worker
        # must see the same folder.
        "PRODUCT_IMAGES_DIR": env.get("PRODUCT_IMAGES_DIR"),
        # The public address of this service ("https://cho40.thainguyen.gov.vn"): exported
        # catalogues point platforms at the photos of products on sale under it. None: exports
        # carry their photos in a ZIP beside the file instead.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ["vi", "en"],
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == PRODUCTION,
        "REMEMBER_COOKIE_SECURE": mode == PRODUCTION,
        "WTF_CSRF_TIME_LIMIT": None,
        # The JSON API (api.py): OpenAPI document at /api/openapi.json, Swagger UI at
        # /api/docs with its files served from static/ (no CDN, no call to validator.swagger.io).
        "API_TITLE": "cho40",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "persistAuthorization": False},
    }
    config.update(overrides)
    config["SECRET_KEY"] = secret
    return config


def _read_dev_secret(instance_path: Path) -> str | None:
    key_file = instance_path / "dev-secret-key"
    return key_file.read_text().strip() if key_file.exists() else None
