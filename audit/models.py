"""The audit log: who changed what, when, with the values before and after."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    """One change by one person. `vendor_id` names the vendor a change concerns (its details,
    payment methods, membership), so the entries are read in the vendor's scope."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_vendor_at", "vendor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    entity: Mapped[str] = mapped_column(String(30))  # "vendor", "payment_method"
    entity_id: Mapped[int] = mapped_column()
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
