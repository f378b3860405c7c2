"""Extension objects (database, migrations, login, i18n, CSRF), bound to the app in create_app."""
from __future__ import annotations

import datetime as dt
import enum
import functools

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from textnorm import vietnamese_sort_key

# One naming convention so Alembic names constraints identically on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both engines (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], name: str | None = None) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, storing the member's value. Two columns
    of one enum in a table need a `name` each: it names their CHECK constraints."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=name or enum_cls.__name__.lower(),
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay as they are after a commit rather than being reloaded on the next access: a
# route commits and then serialises what it changed, and nothing else writes behind the
# session's back within a request (sessions end with the request).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
# render_as_batch lets later migrations alter tables on SQLite, which has no ALTER COLUMN.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
compress = Compress()


# The collation lists of names are sorted with, the Vietnamese way (textnorm.vietnamese_sort_key:
# Đ after D, Ư after U, tones after the plain letter): ICU's "vi" on PostgreSQL (created by a
# migration), the same order on SQLite from a function given to each connection.
VIETNAMESE = "vi"


def vietnamese_order(column):
    """`column` as ORDER BY sorts it for Vietnamese readers, on either engine."""
    return column.collate(VIETNAMESE)


@functools.lru_cache(maxsize=65536)
def _sort_key(text: str):
    return vietnamese_sort_key(text)


def _vietnamese_compare(left: str, right: str) -> int:
    a, b = _sort_key(left), _sort_key(right)
    return (a > b) - (a < b) or (left > right) - (left < right)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        dbapi_connection.create_collation(VIETNAMESE, _vietnamese_compare)


def end_request_session(_error=None) -> None:
    """Close the request's session; when its connection died under it (the database went away
    or killed it), drop that connection instead of failing the answer already made. Registered
    after Flask-SQLAlchemy's own teardown, so it runs first."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        db.session.remove()
    except SQLAlchemyError:
        db.session().invalidate()
        db.session.remove()
