"""The floor of bench/onboarding.py: a bare Flask route sending PostgreSQL the same statements a
registration sends (token, market and stall, bank, duplicate and retry look-ups, the five
inserts, the audit entries, commit) through SQLAlchemy Core, and Redis the one round trip of the
registration's rate limit, with none of the rest: no marshmallow validation, no ORM, no scope
rules, a two-field response. Not part of cho40; bench/onboarding.py --floor,
bench/open_loop.py --floor and bench/registration_instructions.py serve it with the same
settings and load, to show what this machine allows at all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from pathlib import Path

import redis
from flask import Flask, jsonify, request
from sqlalchemy import and_, bindparam, create_engine, insert, literal, null, select, union_all
from sqlalchemy.exc import IntegrityError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from accounts.models import ApiToken, User
from audit.models import AuditEntry
from market.models import Market, Stall, Ward
from qr.models import Bank
from vendors.models import (
    IdempotencyRecord,
    PaymentMethod,
    Vendor,
    VendorStatusPeriod,
)

users, tokens, markets, stalls = (m.__table__ for m in (User, ApiToken, Market, Stall))
vendors, periods, methods, keys = (
    m.__table__ for m in (Vendor, VendorStatusPeriod, PaymentMethod, IdempotencyRecord))
banks = Bank.__table__
audit, wards = AuditEntry.__table__, Ward.__table__

TOKEN_USER = (select(users.c.id).select_from(users.join(tokens, tokens.c.user_id == users.c.id))
              .where(tokens.c.token_hash == bindparam("digest"), tokens.c.revoked_at.is_(None),
                     users.c.active))
MARKET_STALL = (
    select(markets.c.id, markets.c.name, stalls.c.id, markets.c.ward_code)
    .select_from(markets.outerjoin(stalls, and_(stalls.c.market_id == markets.c.id,
                                                stalls.c.code == bindparam("code"))))
    .where(markets.c.id == bindparam("market_id")))
BANK = select(banks.c.short_name).where(banks.c.bin == bindparam("bin"))
LOOKUPS = union_all(
    select(vendors.c.id, literal("phone"), null()).where(vendors.c.phone == bindparam("phone")),
    select(methods.c.vendor_id, literal("account"), null()).where(
        methods.c.bank_bin == bindparam("bin"), methods.c.account_number == bindparam("number")),
    select(keys.c.vendor_id, literal("key"), keys.c.fingerprint).where(
        keys.c.user_id == bindparam("user_id"), keys.c.key == bindparam("key")),
)
INSERT = {table.name: insert(table).returning(table.c.id)
          for table in (stalls, vendors, periods, methods, keys)}
INSERT_AUDIT = insert(audit).values(province_code=select(wards.c.province_code).where(
    wards.c.code == bindparam("entry_ward")).scalar_subquery())

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
counters = redis.Redis.from_url(os.environ["REDIS_URL"])
app = Flask(__name__)


@app.post("/api/v1/vendors")
def register():
    try:
        return _register()
    except IntegrityError:
        # A retry racing its first try, as cho40 answers it: with the first try's vendor.
        with engine.begin() as db:
            vendor_id = db.execute(select(keys.c.vendor_id).where(
                keys.c.key == request.headers["Idempotency-Key"])).scalar_one()
        return jsonify(id=vendor_id, replayed=True), 201


def _register():
    digest = hashlib.sha256(request.headers["Authorization"].split()[1].encode()).hexdigest()
    body = request.get_json()
    key = request.headers["Idempotency-Key"]
    account = body["payment_methods"][0]
    now, today = dt.datetime.now(dt.UTC), dt.date.today()
    counted = counters.pipeline().incr(f"floor:{digest}").expire(f"floor:{digest}", 60).execute()
    if counted[0] > 1_000_000:
        return jsonify(message="too many"), 429
    with engine.begin() as db:
        user_id = db.execute(TOKEN_USER, {"digest": digest}).scalar_one()
        market_id, market_name, stall_id, ward_code = db.execute(
            MARKET_STALL, {"code": body["stall_code"], "market_id": body["market_id"]}).one()
        db.execute(BANK, {"bin": account["bank_bin"]}).scalar_one()
        found = db.execute(LOOKUPS, {
            "phone": body["phone"], "bin": account["bank_bin"],
            "number": account["account_number"], "user_id": user_id, "key": key}).all()
        if found:
            return jsonify(id=found[0][0], replayed=True), 201
        new_stall = stall_id is None
        if new_stall:
            stall_id = db.execute(INSERT["stalls"], {
                "market_id": market_id, "code": body["stall_code"], "zone": None}).scalar_one()
        vendor_id = db.execute(INSERT["vendors"], {
            "kind": "trader", "name": body["name"], "search_key": body["name"].lower(),
            "phone": body["phone"], "citizen_id": None, "tax_code": None,
            "market_id": market_id, "stall_id": stall_id, "ward_code": None,
            "created_at": now}).scalar_one()
        db.execute(INSERT["vendor_status_periods"], {
            "vendor_id": vendor_id, "joined_on": today, "left_on": None, "left_reason": None})
        method_id = db.execute(INSERT["payment_methods"], {
            "vendor_id": vendor_id, "kind": "bank_account", "bank_bin": account["bank_bin"],
            "account_number": account["account_number"],
            "account_holder": account["account_holder"], "wallet_provider": None,
            "wallet_payload": None, "terminal_provider": None, "terminal_id": None,
            "started_on": today, "stopped_on": None, "created_at": now}).scalar_one()
        db.execute(INSERT["idempotency_records"], {
            "user_id": user_id, "key": key, "fingerprint": "-", "vendor_id": vendor_id,
            "created_at": now})
        entries = [("vendor.register", "vendor", vendor_id, {"name": body["name"]}),
                   ("payment_method.add", "payment_method", method_id,
                    {"account_number": account["account_number"]})]
        if new_stall:
            entries.append(("stall.create", "stall", stall_id, {"code": body["stall_code"]}))
        db.execute(INSERT_AUDIT, [
            {"at": now, "user_id": user_id, "action": action, "vendor_id": vendor_id,
             "entity": entity, "entity_id": entity_id, "before": None, "after": after,
             "entry_ward": ward_code} for action, entity, entity_id, after in entries])
    return jsonify(id=vendor_id, market_name=market_name), 201
