"""The audit log: who changed what, when, with the values before and after."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    """One change by one person. `entity` and `entity_id` name what changed (a vendor, a
    payment method, a market, a stall, a product, a listing, a Chợ 4.0 rule version, a fee
    collection period, an account, an API token, a vendor import). `vendor_id` names the vendor
    a change concerns (its details, payment methods, membership), so the trader's page reads its
    history; `province_code` the province the changed thing was in when it changed, so provincial
    staff read the entries of their province (accounts.permissions.audit_scope). An entry about
    nothing in a province (an administrator's account, an API token) has none: administrators
    alone read it."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_vendor_at", "vendor_id", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_province_at", "province_code", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column()
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User", lazy="raise")
