"""Rows read or written with SQLAlchemy Core, made into ORM objects as a query would have made
them. For the few statements on a hot path (a registration, the bearer token's user): an ORM
query costs about twice its Core statement in Python, most of it in setting up the ORM's
loading, which these rows do not need.

`as_loaded` puts such an object into the session the way SQLAlchemy's own loader does
(sqlalchemy/orm/loading.py, `_instance`): with its identity key, in the identity map, its state
committed. That takes three of SQLAlchemy's private names (`InstanceState.session_id`,
`IdentityMap._add_unpresent`, `InstanceState._commit_all`) because no public function does it:
the public way, make_transient_to_detached and Session.add, cost 80 Python calls an object,
most of them cascading through relationships nothing has loaded. SQLAlchemy is pinned
(requirements.txt); tests/test_core_rows.py fails at once if a new version moves these.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import insert, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, scoped_session
from sqlalchemy.orm.attributes import instance_state


@functools.cache
def columns_of(model, keys: tuple[str, ...] | None = None) -> tuple:
    """The model's mapped columns (those of the attributes named by `keys`, its primary key
    among them; all by default), in the order `loaded` reads a row's values."""
    # The mapper's columns, not its column_attrs: these are known before the mappers are
    # configured, so statements can be built when a module is imported.
    columns = inspect(model).columns
    return tuple(columns[key] for key in keys) if keys else tuple(columns)


class _Shape(NamedTuple):
    """What making and attaching objects of a model from some of its columns reads, looked up
    once per model and columns."""

    mapper: Mapper
    new_instance: Callable[[], object]
    keys: tuple[str, ...]  # of columns_of(model, keys)
    primary_key_keys: tuple[str, ...]
    primary_key_positions: tuple[int, ...]  # in keys
    unread: tuple[str, ...]  # the model's column attributes not in keys


@functools.cache
def _shape(model, keys: tuple[str, ...] | None = None) -> _Shape:
    mapper = inspect(model)
    every_key = tuple(mapper.columns.keys())
    keys = keys or every_key
    primary_key_keys = tuple(mapper.get_property_by_column(column).key
                             for column in mapper.primary_key)
    return _Shape(mapper, mapper.class_manager.new_instance, keys, primary_key_keys,
                  tuple(keys.index(key) for key in primary_key_keys),
                  tuple(key for key in every_key if key not in keys))


def made_object(model, values, keys: tuple[str, ...] | None = None) -> object:
    """A transient object of `model` with `values` as its state (a row of columns_of(model), or
    of the attributes named by `keys`), set as the ORM's loader sets it: without the change
    events a constructor fires."""
    shape = _shape(model)
    instance = shape.new_instance()
    instance.__dict__.update(zip(keys or shape.keys, values))
    return instance


def loaded(session: Session, model, values, keys: tuple[str, ...] | None = None) -> object:
    """The object for a row of columns_of(model, keys) read with Core, as a query would give it:
    the session's own object with that primary key when it has one (a query does not overwrite
    it either), else a new one, persistent in the session with nothing to flush. Columns not
    read are expired, as after a commit: the first to be read loads them."""
    shape = _shape(model, keys)
    identity = shape.mapper.identity_key_from_primary_key(
        [values[at] for at in shape.primary_key_positions])
    existing = session.identity_map.get(identity)
    if existing is not None:
        return existing
    instance = made_object(model, values, shape.keys)
    _attach(session, instance_state(instance), identity)
    if shape.unread:
        session.expire(instance, shape.unread)
    return instance


def as_loaded(session: Session, instance) -> None:
    """Make `instance` (transient, every column set, its primary key among them: made_object's,
    or a constructor's) persistent in the session as if a query had loaded it: in the identity
    map, nothing to flush, its relationships loading when first read. It must not be in the
    identity map yet (a row just inserted)."""
    state = instance_state(instance)
    shape = _shape(type(instance))
    identity = shape.mapper.identity_key_from_primary_key(
        [state.dict[key] for key in shape.primary_key_keys])
    _attach(session, state, identity)


def _attach(session: Session | scoped_session, state: InstanceState, identity: tuple) -> None:
    # The steps of SQLAlchemy's loader for a new instance (see the module's docstring), on the
    # Session itself (db.session is the proxy of the request's).
    if isinstance(session, scoped_session):
        session = session()
    state.key = identity
    state.session_id = session.hash_key
    session.identity_map._add_unpresent(state, identity)
    state._commit_all(state.dict, session.identity_map)


def insert_rows(session: Session, model, rows: list[dict]) -> list:
    """INSERT `rows` (dicts with the same keys) into the model's table with one statement (Core,
    not the unit of work) and return the transient objects they make, in the order given, with
    every column as stored: a column not given takes its default, as it would through the ORM."""
    if not rows:
        return []
    keys = rows[0].keys()
    if any(row.keys() != keys for row in rows):
        raise ValueError("rows inserted together must have the same columns")
    statement, returned = _insert_returning(model, tuple(keys))
    result = session.connection().execute(statement, rows[0] if len(rows) == 1 else rows)
    # What was given is kept as given (as the ORM keeps it after a flush); what the database
    # made (the id, the defaults) is read back.
    made_keys = (*returned, *keys)
    return [made_object(model, (*row, *given.values()), made_keys)
            for given, row in zip(rows, result, strict=True)]


@functools.cache
def _insert_returning(model, given: tuple[str, ...]):
    """The INSERT of rows with the `given` columns, returning the others, and their names."""
    # Built once per model and columns given: building a statement and its cache key costs as
    # much as running it.
    returned = {key: column for key, column in inspect(model).columns.items() if key not in given}
    statement = insert(model.__table__).returning(*returned.values(),
                                                  sort_by_parameter_order=True)
    return statement, tuple(returned)
