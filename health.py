"""/healthz, for load balancers and monitoring: whether this process reaches its database (and
Redis, when jobs go through it). No login, no personal data: 200 or 503 with what failed."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from db import db

bp = Blueprint("health", __name__)
# Seconds Redis has to answer: a check that hangs is a failed check.
REDIS_TIMEOUT = 2


@bp.get("/healthz")
def healthz():
    checks = {"database": _database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis(current_app.config["REDIS_URL"])
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), (
        200 if healthy else 503)


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except (DBAPIError, PoolTimeout) as error:
        current_app.logger.error("Health check: database unreachable: %s", error)
        return "unreachable"
    finally:
        try:
            db.session.rollback()
        except DBAPIError:
            pass


def _redis(url: str) -> str:
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
        return "ok"
    except (RedisError, OSError) as error:
        current_app.logger.error("Health check: Redis unreachable: %s", error)
        return "unreachable"
    finally:
        client.close()
