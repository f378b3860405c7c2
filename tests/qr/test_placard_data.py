"""Placards from the database: which vendors get one and what it says, in one query."""

from __future__ import annotations

from sqlalchemy import event

from qr.placard_data import market_placards, vendor_placard
from tests.qr.conftest import BANK_NAMES, transfer_of


def test_market_placards_are_the_active_vendors_with_a_bank_account_in_stall_order(session, market):
    placards = market_placards(session, market.id)
    assert [
        (p.stall_code, p.holder_name, p.bank_bin, p.account_number) for p in placards
    ] == market.expected
    for placard in placards:
        assert placard.market_name == "Chợ Đại Từ"
        assert placard.bank_short_name == BANK_NAMES[placard.bank_bin]
        transfer = transfer_of(placard.payload)
        assert (transfer.bin, transfer.account, transfer.amount) == (
            placard.bank_bin,
            placard.account_number,
            None,
        )


def test_placards_come_from_one_query(app, session, market):
    from db import db

    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(engine, "before_cursor_execute", listener)
    try:
        market_placards(session, market.id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_a_vendor_without_a_bank_account_in_use_has_no_placard(session, market):
    assert vendor_placard(session, market.without_account) is None
    assert vendor_placard(session, market.elsewhere).market_name == "Chợ Khác"
