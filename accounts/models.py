"""Users with a role, each scoped to a province, commune, market or cooperative."""
from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import UTCDateTime, db, utcnow
from market.models import Market, Province, Ward, enum_column
from vendors.models import Vendor


class Role(str, enum.Enum):
    ADMIN = "admin"
    PROVINCIAL_STAFF = "provincial_staff"
    COMMUNE_STAFF = "commune_staff"
    ONBOARDING_AGENT = "onboarding_agent"
    COOPERATIVE_MANAGER = "cooperative_manager"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'admin')"
            " OR (role = 'provincial_staff' AND province_code IS NOT NULL)"
            " OR (role = 'commune_staff' AND ward_code IS NOT NULL)"
            " OR (role = 'onboarding_agent' AND (province_code IS NOT NULL"
            "     OR ward_code IS NOT NULL OR market_id IS NOT NULL))"
            " OR (role = 'cooperative_manager' AND cooperative_id IS NOT NULL)",
            name="role_has_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"))
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("wards.code"))
    market_id: Mapped[int | None] = mapped_column(ForeignKey("markets.id"))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Carried by every login session and remember cookie (get_id); raised by a logout, a new
    # password and disabling, which ends every session of the account on every server.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    province: Mapped[Province | None] = relationship()
    ward: Mapped[Ward | None] = relationship()
    market: Mapped[Market | None] = relationship()
    cooperative: Mapped[Vendor | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # What Flask-Login keeps in the session cookie and the remember cookie
        # (accounts.service.user_for_session reads it): a cookie of an older version has ended.
        return f"{self.id}.{self.session_version}"


class ApiToken(db.Model):
    """A bearer token for the JSON API, acting as its user with the user's scope, until it
    expires or is revoked (by its user, an administrator, the CLI, or a new password).

    Only a SHA-256 of the token is stored; the token itself is shown once, when created.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())
