"""core_rows: objects made from Core rows behave in the session as the ORM's own loaded objects
do (one object per row, nothing to flush, relationships that load, changes that are written)."""
from __future__ import annotations

from sqlalchemy import inspect as orm_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_rows import as_loaded, columns_of, insert_rows, loaded
from market.models import Market, Stall
from tests.factories import make_market


def _market_row(session: Session, market_id: int):
    return session.connection().execute(
        select(*columns_of(Market)).where(Market.id == market_id)).one()


def test_a_row_read_with_core_is_the_sessions_object_for_it(session):
    market_id = make_market(session, name="Chợ Đồng Xuân").id
    session.commit()
    session.expunge_all()

    market = loaded(session, Market, _market_row(session, market_id))

    assert orm_inspect(market).persistent
    assert not session.dirty and not session.new
    # The identity map answers for the row: no second object, as a query would not make one.
    assert session.get(Market, market_id) is market
    assert session.scalars(select(Market).where(Market.id == market_id)).one() is market
    assert loaded(session, Market, _market_row(session, market_id)) is market
    assert market.name == "Chợ Đồng Xuân"
    # Relationships nothing read yet load when first read, as on any loaded object.
    assert market.ward.code == market.ward_code


def test_the_object_already_in_the_session_is_kept_as_it_is(session):
    market = make_market(session, name="Chợ Bến Thành")
    session.commit()
    market.name = "Chợ Bến Thành (đang sửa)"

    assert loaded(session, Market, _market_row(session, market.id)) is market
    assert market.name == "Chợ Bến Thành (đang sửa)"


def test_an_inserted_row_made_loaded_is_tracked_like_any_other(session):
    market = make_market(session)
    session.commit()
    (stall,) = insert_rows(session, Stall, [
        {"market_id": market.id, "code": "B-01", "match_key": "B1", "zone": None}])
    as_loaded(session, stall)

    assert stall.id is not None and stall.zone is None
    assert session.get(Stall, stall.id) is stall
    assert not session.dirty and not session.new
    assert stall.market is market  # its relationship, loaded from the identity map

    stall.zone = "Khu rau"  # a change the session writes at commit
    session.commit()
    stored = session.connection().execute(
        select(Stall.zone).where(Stall.id == stall.id)).scalar_one()
    assert stored == "Khu rau"


def test_columns_not_read_load_when_first_read(session):
    market_id = make_market(session, name="Chợ Hôm", address="Phố Huế, Hà Nội").id
    session.commit()
    session.expunge_all()
    read = ("id", "name")
    row = session.connection().execute(
        select(*columns_of(Market, read)).where(Market.id == market_id)).one()

    market = loaded(session, Market, row, read)

    assert market.name == "Chợ Hôm"
    assert "address" not in market.__dict__
    assert market.address == "Phố Huế, Hà Nội"  # loaded by the session, not None
    assert not session.dirty
