"""Configuration read from environment variables, with safe development defaults."""
from __future__ import annotations

import logging
import math
import os
import secrets
from collections import Counter
from pathlib import Path

PRODUCTION = "production"
MIN_PRODUCTION_SECRET_LENGTH = 32
# What a production key must be worth by secret_bits(): secrets.token_urlsafe(48) is about 330,
# token_hex(32) about 245; 32 characters of one letter are worth 0, of eight repeated 96.
MIN_PRODUCTION_SECRET_BITS = 128
GENERATE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"

log = logging.getLogger(__name__)


MIB = 1024 * 1024
# What an uploaded file may be: uploads.py checks every spreadsheet, CSV and photo against these
# before a parser sees it. Each can be set from the environment variable of the same name.
UPLOAD_LIMITS = {
    "UPLOAD_SPREADSHEET_MAX_BYTES": 5 * MIB,  # a 5,000-row list is under 1 MB as .xlsx or CSV
    "UPLOAD_ZIP_MAX_MEMBERS": 500,  # an .xlsx from Excel has about 10 parts
    "UPLOAD_ZIP_MAX_MEMBER_BYTES": 50 * MIB,  # one part, unpacked
    "UPLOAD_ZIP_MAX_UNPACKED_BYTES": 100 * MIB,  # all parts together, unpacked
    # Sheet XML packs 10-50 times, runs of empty styled rows more; zip bombs reach 1000 times.
    "UPLOAD_ZIP_MAX_RATIO": 200,
    # Distinct texts in an .xlsx (its shared strings): openpyxl keeps each as a Python string;
    # 5,000 rows of 20 columns are 100,000 at most.
    "UPLOAD_XLSX_MAX_SHARED_STRINGS": 200_000,
    "UPLOAD_TABLE_MAX_ROWS": 5000,
    "UPLOAD_TABLE_MAX_COLUMNS": 60,
    "UPLOAD_TABLE_MAX_CELL_CHARS": 2000,
    "UPLOAD_IMAGE_MAX_BYTES": 15 * MIB,  # a phone photo
    "UPLOAD_IMAGE_MAX_PIXELS": 40_000_000,  # a product photo, width x height from its header
    # A sticker photo is only read for its code, downscaled: a 50-megapixel camera's is taken.
    "UPLOAD_SCAN_MAX_PIXELS": 60_000_000,
}


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
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters ({GENERATE_SECRET})."
            )
        if secret_bits(secret) < MIN_PRODUCTION_SECRET_BITS:
            raise ConfigError(
                f"CHO40_ENV=production refuses this SECRET_KEY: its characters are too few or too "
                f"repetitive (worth about {secret_bits(secret):.0f} bits, at least "
                f"{MIN_PRODUCTION_SECRET_BITS} wanted). Make one with {GENERATE_SECRET}."
            )
        if secret == _read_dev_secret(instance_path):
            raise ConfigError("CHO40_ENV=production refuses the development secret key.")
    elif not secret:
        secret = _development_secret(instance_path)

    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("DATABASE_URL")
    if not database_url:
        instance_path.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance_path / 'cho40.sqlite3'}"
    redis_url = overrides.get("REDIS_URL", env.get("REDIS_URL"))
    if mode == PRODUCTION:
        if not redis_url:
            # A job in a thread of a web process dies with it (gunicorn restarts workers), holds
            # a province's placards in its memory and is invisible to the other machines.
            raise ConfigError(
                "CHO40_ENV=production needs REDIS_URL: long jobs run on RQ workers "
                "(rq worker -c worker), never in a thread of a web process."
            )
        if database_url.startswith("sqlite"):
            log.warning(
                "\n%s\nCHO40_ENV=production on SQLite (%s): one writer at a time, one machine, "
                "no shared database for several web processes and workers. Set DATABASE_URL to "
                "PostgreSQL (postgresql+psycopg://user:password@host:5432/cho40).\n%s",
                "!" * 78, database_url, "!" * 78,
            )

    config = {
        "CHO40_ENV": mode,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # No REDIS_URL: long jobs run in-process, so a newcomer needs no Redis.
        "REDIS_URL": redis_url,
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
        # Files jobs write (placard PDFs, exports, reports); None: the instance folder's jobs/.
        # Every web process and RQ worker must see the same folder (jobs.runner.output_dir).
        "JOBS_DIR": env.get("JOBS_DIR"),
        # The public address of this service ("https://cho40.thainguyen.gov.vn"): exported
        # catalogues point platforms at the photos of products on sale under it. None: exports
        # carry their photos in a ZIP beside the file instead.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL"),
        # Flask-Compress: files that are the same for everyone. Never pages: compressing a
        # page that carries a CSRF token beside text the visitor chose leaks the token (BREACH).
        "COMPRESS_MIMETYPES": ["text/css", "text/javascript", "application/javascript",
                               "image/svg+xml", "application/manifest+json"],
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ["vi", "en"],
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        **{name: int(env.get(name, default)) for name, default in UPLOAD_LIMITS.items()},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == PRODUCTION,
        "REMEMBER_COOKIE_SECURE": mode == PRODUCTION,
        "WTF_CSRF_TIME_LIMIT": None,
        # Rate limits (rate_limits.py), in the notation of the `limits` package ("10 per minute",
        # several joined by ";"). Logins that fail, per username and per client address; the
        # others per logged-in user. Counters live in Redis when REDIS_URL is set (shared by
        # every app process), in each process's memory otherwise.
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "LOGIN_LIMIT_PER_USER": env.get("LOGIN_LIMIT_PER_USER", "10 per minute;50 per hour"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute"),
        "SCAN_LIMIT": env.get("SCAN_LIMIT", "30 per minute;300 per hour"),
        "DOWNLOAD_LIMIT": env.get("DOWNLOAD_LIMIT", "30 per minute;300 per hour"),
        "DUPLICATE_LOOKUP_LIMIT": env.get("DUPLICATE_LOOKUP_LIMIT",
                                          "60 per minute;1000 per day"),
        # Proxies in front of the app that append the client's address to X-Forwarded-For
        # (nginx: 1); 0 when clients connect to the app directly. Login limits per address
        # read the address this many hops from the right.
        "PROXIES_IN_FRONT": int(env.get("PROXIES_IN_FRONT", "0")),
        # How long an API token works after it is issued.
        "API_TOKEN_LIFETIME_DAYS": int(env.get("API_TOKEN_LIFETIME_DAYS", "90")),
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


def secret_bits(secret: str) -> float:
    """An estimate of what guessing `secret` takes, in bits: the length of its shortest repeated
    unit ("0123456789" for "0123456789" * 4) times the Shannon entropy of that unit's
    characters. Low for few distinct characters or a pattern repeated; generous to a phrase of
    words, which a 32-character minimum and this still let through: make keys with the secrets
    module, never by hand."""
    if not secret:
        return 0.0
    period = next(p for p in range(1, len(secret) + 1)
                  if all(secret[i] == secret[i % p] for i in range(len(secret))))
    secret = secret[:period]
    counts = Counter(secret)
    length = len(secret)
    return -length * sum(n / length * math.log2(n / length) for n in counts.values())


def _read_dev_secret(instance_path: Path) -> str | None:
    key_file = instance_path / "dev-secret-key"
    return key_file.read_text().strip() if key_file.exists() else None
