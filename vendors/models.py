"""Vendors, their membership history in a market, and their payment methods over time."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import UTCDateTime, db, utcnow
from market.models import Market, Stall, Ward, enum_column


class VendorKind(str, enum.Enum):
    TRADER = "trader"  # tiểu thương
    HOUSEHOLD_BUSINESS = "household_business"  # hộ kinh doanh
    COOPERATIVE = "cooperative"  # hợp tác xã


class Vendor(db.Model):
    __tablename__ = "vendors"
    __table_args__ = (
        # A cooperative may sell only online; everyone else trades at a market.
        CheckConstraint("kind = 'cooperative' OR market_id IS NOT NULL", name="market_required"),
        CheckConstraint("stall_id IS NULL OR market_id IS NOT NULL", name="stall_needs_market"),
        CheckConstraint("market_id IS NOT NULL OR ward_code IS NOT NULL", name="located"),
        # The digitisation figures (market/stats.py) read every vendor's place in id order, to
        # merge with their periods and methods, and an area's vendors by market or, without a
        # market, by commune, all from the index alone.
        Index("ix_vendors_place", "id", "market_id", "ward_code"),
        Index("ix_vendors_market_vendor", "market_id", "id"),
        Index("ix_vendors_without_market", "ward_code", "id",
              sqlite_where=text("market_id IS NULL"), postgresql_where=text("market_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[VendorKind] = mapped_column(enum_column(VendorKind))
    # Owner's full name for a trader or household business, legal name for a cooperative.
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(15), index=True)
    citizen_id: Mapped[str | None] = mapped_column(String(12), index=True)
    tax_code: Mapped[str | None] = mapped_column(String(14), index=True)
    market_id: Mapped[int | None] = mapped_column(ForeignKey("markets.id"), index=True)
    stall_id: Mapped[int | None] = mapped_column(ForeignKey("stalls.id"), index=True)
    # Where a vendor without a market (a cooperative) is registered; scopes it to a commune.
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("wards.code"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    market: Mapped[Market | None] = relationship()
    stall: Mapped[Stall | None] = relationship()
    ward: Mapped[Ward | None] = relationship()
    status_periods: Mapped[list[VendorStatusPeriod]] = relationship(
        back_populates="vendor", order_by="VendorStatusPeriod.joined_on"
    )
    payment_methods: Mapped[list[PaymentMethod]] = relationship(
        back_populates="vendor", order_by="PaymentMethod.started_on"
    )


class VendorStatusPeriod(db.Model):
    """One stretch of time a vendor was active; leaving closes it, rejoining opens another.

    Rows are never deleted: the digitisation figures for any past date are computed from them.
    """

    __tablename__ = "vendor_status_periods"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        # At most one open period per vendor.
        Index(
            "uq_vendor_status_periods_open",
            "vendor_id",
            unique=True,
            sqlite_where=text("left_on IS NULL"),
            postgresql_where=text("left_on IS NULL"),
        ),
        # Who was active on a day, read from the index alone (market/stats.py).
        Index("ix_vendor_status_periods_vendor_dates", "vendor_id", "joined_on", "left_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    joined_on: Mapped[dt.date]
    left_on: Mapped[dt.date | None]
    left_reason: Mapped[str | None] = mapped_column(String(300))

    vendor: Mapped[Vendor] = relationship(back_populates="status_periods")


class PaymentMethodKind(str, enum.Enum):
    BANK_ACCOUNT = "bank_account"
    EWALLET = "ewallet"
    CARD_TERMINAL = "card_terminal"


class WalletProvider(str, enum.Enum):
    MOMO = "momo"
    ZALOPAY = "zalopay"
    VIETTEL_MONEY = "viettel_money"
    VNPT_MONEY = "vnpt_money"
    SHOPEEPAY = "shopeepay"
    OTHER = "other"


class PaymentMethod(db.Model):
    """A way a vendor takes cashless payment, with the dates it was in use."""

    __tablename__ = "payment_methods"
    __table_args__ = (
        CheckConstraint(
            "stopped_on IS NULL OR stopped_on >= started_on", name="stopped_after_started"
        ),
        CheckConstraint(
            "kind <> 'bank_account' OR (bank_bin IS NOT NULL AND account_number IS NOT NULL"
            " AND account_holder IS NOT NULL)",
            name="bank_account_fields",
        ),
        CheckConstraint(
            "kind <> 'ewallet' OR wallet_provider IS NOT NULL", name="ewallet_fields"
        ),
        CheckConstraint(
            "kind <> 'card_terminal' OR terminal_provider IS NOT NULL",
            name="card_terminal_fields",
        ),
        # Who accepted cashless payment on a day, read from the index alone (market/stats.py).
        Index("ix_payment_methods_vendor_dates", "vendor_id", "started_on", "stopped_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    kind: Mapped[PaymentMethodKind] = mapped_column(enum_column(PaymentMethodKind))
    bank_bin: Mapped[str | None] = mapped_column(ForeignKey("banks.bin"))
    # EMVCo limits the beneficiary account or card number to 19 characters.
    account_number: Mapped[str | None] = mapped_column(String(19), index=True)
    account_holder: Mapped[str | None] = mapped_column(String(100))
    wallet_provider: Mapped[WalletProvider | None] = mapped_column(enum_column(WalletProvider))
    # The wallet's own QR payload, scanned from the trader's sticker and kept exactly as read.
    wallet_payload: Mapped[str | None] = mapped_column(Text)
    terminal_provider: Mapped[str | None] = mapped_column(String(100))
    terminal_id: Mapped[str | None] = mapped_column(String(50))
    started_on: Mapped[dt.date]
    # Half-open like VendorStatusPeriod: in use on started_on, no longer in use on stopped_on.
    stopped_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship(back_populates="payment_methods")
    bank: Mapped[Bank | None] = relationship()  # noqa: F821 - qr.models.Bank


Index(
    "ix_payment_methods_bank_account",
    PaymentMethod.bank_bin,
    PaymentMethod.account_number,
)


class VisitAnswer(str, enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class VerificationVisit(db.Model):
    """An agent's return to a vendor after registration: is the placard still up, and has the
    vendor been paid through it in the last 30 days (as the vendor says or shows)."""

    __tablename__ = "verification_visits"
    __table_args__ = (Index("ix_verification_visits_vendor_day", "vendor_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    visited_on: Mapped[dt.date]
    placard_displayed: Mapped[VisitAnswer] = mapped_column(enum_column(VisitAnswer, "placard_answer"))
    used_last_30_days: Mapped[VisitAnswer] = mapped_column(enum_column(VisitAnswer, "used_answer"))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()


class IdempotencyRecord(db.Model):
    """The first outcome of a write sent with a client-generated key, so a retry or a double tap
    returns it again instead of writing twice."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the validated request: the same key with other content is a conflict.
    fingerprint: Mapped[str] = mapped_column(String(64))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()


class ImportUpload(db.Model):
    """A vendor list uploaded to /vendors/import, from its check to its commit.

    The file is kept here, in the database, rather than on the disk of the web server that took
    it (or in the jobs folder): every web process and every RQ worker already reads this
    database, where a local folder would have to be shared between machines; and the commit can
    mark the upload imported in the very transaction that registers its rows, so a commit job
    run twice (a retry, a restarted worker) registers nobody twice (vendors.import_jobs)."""

    __tablename__ = "import_uploads"
    # Jobs name their upload by id: SQLite must not give a deleted upload's id to the next one.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only they (or an administrator) see the upload and its result, and import it.
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Uploads older than a day are deleted when the next one is made.
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    # The market of rows that name none, as chosen on the page.
    market_id: Mapped[int | None] = mapped_column(ForeignKey("markets.id"))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # The file as uploaded; None once imported (or refused at its commit): it is not kept.
    # Deferred: the pages showing an import never load the file.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # vendors.bulk_import.ImportReport.as_record() of the check, then of the commit.
    check_report: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    commit_report: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # The latest job that was asked to import it.
    commit_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    # Set in the transaction that registers the rows: a second commit finds it set.
    committed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    vendors_registered: Mapped[int | None]

    @property
    def awaiting_import(self) -> bool:
        """Its file is still kept: neither imported nor refused at its commit."""
        return self.committed_at is None and self.commit_report is None
