"""Administrative units (after the 1 July 2025 reform), markets and their stalls."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from db import UTCDateTime, db, enum_column, utcnow
from market.stall_codes import MAX_PATTERN_LENGTH, stall_match_key


class WardKind(str, enum.Enum):
    WARD = "ward"  # phường
    COMMUNE = "commune"  # xã
    SPECIAL_ZONE = "special_zone"  # đặc khu


class Province(db.Model):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    wards: Mapped[list[Ward]] = relationship(back_populates="province")


class Ward(db.Model):
    """A commune-level unit: phường, xã or đặc khu."""

    __tablename__ = "wards"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[WardKind] = mapped_column(enum_column(WardKind))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    search_key: Mapped[str] = mapped_column(String(100))

    province: Mapped[Province] = relationship(back_populates="wards")


class MarketClass(str, enum.Enum):
    # Hạng chợ under Decree 60/2024/NĐ-CP.
    I = "I"
    II = "II"
    III = "III"


class Market(db.Model):
    __tablename__ = "markets"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), index=True)
    ward_code: Mapped[str] = mapped_column(ForeignKey("wards.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    market_class: Mapped[MarketClass | None] = mapped_column(enum_column(MarketClass))
    board_contact_name: Mapped[str | None] = mapped_column(String(200))
    board_contact_phone: Mapped[str | None] = mapped_column(String(15))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    # The shape new stall codes must fit ("A-00, A-000"; market/stall_codes.py), if any.
    stall_code_pattern: Mapped[str | None] = mapped_column(String(MAX_PATTERN_LENGTH))
    # The first day the market no longer runs (an end day, half-open as in periods.py): it stays
    # in the figures of the days before and takes no new registrations.
    closed_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    ward: Mapped[Ward] = relationship()
    stalls: Mapped[list[Stall]] = relationship(back_populates="market", order_by="Stall.code")


def _match_key_of_inserted_code(context) -> str:
    return stall_match_key(context.get_current_parameters()["code"])


class Stall(db.Model):
    """A numbered place inside a market (ki-ốt, sạp, lô)."""

    __tablename__ = "stalls"
    __table_args__ = (
        UniqueConstraint("market_id", "code"),
        # Near matches of a typed code ("C7" for "C-07") are one index lookup.
        Index("ix_stalls_market_id_match_key", "market_id", "match_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str | None] = mapped_column(String(100))
    # stall_match_key(code), kept by the model: set whenever the code is (below), and by the
    # column default for rows inserted without the ORM (the demo's bulk inserts, registration's).
    match_key: Mapped[str] = mapped_column(String(40), default=_match_key_of_inserted_code)

    market: Mapped[Market] = relationship(back_populates="stalls")

    @validates("code")
    def _keep_match_key(self, _name: str, code: str) -> str:
        self.match_key = stall_match_key(code)
        return code


Index("ix_wards_search_key", Ward.search_key)


class MarketFeeCollection(db.Model):
    """A period in which the market's management board collected the stall fees cashless (a
    criterion of the Chợ 4.0 rule). Half-open like every dated period (periods.py)."""

    __tablename__ = "market_fee_collections"
    __table_args__ = (
        CheckConstraint("stopped_on IS NULL OR stopped_on >= started_on",
                        name="stopped_after_started"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id"), index=True)
    started_on: Mapped[dt.date]
    stopped_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Cho40Rule(db.Model):
    """One version of a province's rule for calling a market "Chợ 4.0", in force from
    `effective_from` until the next version's day. A criterion left empty is not required.
    Versions are never changed once saved: a past date is judged by the version of that date."""

    __tablename__ = "cho40_rules"
    __table_args__ = (
        UniqueConstraint("province_code", "effective_from"),
        CheckConstraint("min_cashless_percent BETWEEN 0 AND 100", name="cashless_percent_range"),
        CheckConstraint("min_verified_percent BETWEEN 0 AND 100", name="verified_percent_range"),
        CheckConstraint("min_listed_products >= 0", name="listed_products_positive"),
        CheckConstraint("verified_within_days BETWEEN 1 AND 366", name="verified_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    effective_from: Mapped[dt.date]
    min_cashless_percent: Mapped[int | None]
    min_verified_percent: Mapped[int | None]
    verified_within_days: Mapped[int] = mapped_column(default=30)
    require_cashless_fees: Mapped[bool] = mapped_column(default=False)
    min_listed_products: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
