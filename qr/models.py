"""The NAPAS member bank directory that bank-account payment methods point into."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from db import db


class Bank(db.Model):
    __tablename__ = "banks"

    # NAPAS acquirer ID: 6 digits, most but not all of the form 9704xx.
    bin: Mapped[str] = mapped_column(String(6), primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    short_name: Mapped[str] = mapped_column(String(50))
    full_name: Mapped[str] = mapped_column(String(200))
    swift_code: Mapped[str | None] = mapped_column(String(11))
    # 1 = takes VietQR transfers, 0 = not confirmed, -1 = does not.
    vietqr_status: Mapped[int] = mapped_column(SmallInteger, default=0)
    source: Mapped[str] = mapped_column(String(200))
    updated_on: Mapped[dt.date]
