"""A vendor's status on a day, through the one period rule (periods.py): active (a membership
period covers the day) and accepting cashless payment (a payment method is in use that day).
As SQL clauses over Vendor for queries and counts, and as functions of a loaded Vendor."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, exists

from periods import in_use_on, in_use_on_clause
from vendors.models import PaymentMethod, Vendor, VendorStatusPeriod


def membership_on_clause(day: dt.date) -> ColumnElement[bool]:
    """A membership period (over VendorStatusPeriod) that covers `day`."""
    return in_use_on_clause(VendorStatusPeriod.joined_on, VendorStatusPeriod.left_on, day)


def payment_method_in_use_clause(day: dt.date) -> ColumnElement[bool]:
    """A payment method (over PaymentMethod) in use on `day`."""
    return in_use_on_clause(PaymentMethod.started_on, PaymentMethod.stopped_on, day)


def active_on(day: dt.date) -> ColumnElement[bool]:
    """The vendor (a WHERE clause over Vendor) had a membership period covering `day`."""
    return exists().where(VendorStatusPeriod.vendor_id == Vendor.id, membership_on_clause(day))


def accepts_cashless_on(day: dt.date) -> ColumnElement[bool]:
    """The vendor (a WHERE clause over Vendor) had at least one payment method in use on `day`."""
    return exists().where(PaymentMethod.vendor_id == Vendor.id, payment_method_in_use_clause(day))


def is_active_on(vendor: Vendor, day: dt.date) -> bool:
    return any(in_use_on(period.joined_on, period.left_on, day)
               for period in vendor.status_periods)


def method_in_use_on(method: PaymentMethod, day: dt.date) -> bool:
    return in_use_on(method.started_on, method.stopped_on, day)


def is_cashless_on(vendor: Vendor, day: dt.date) -> bool:
    return any(method_in_use_on(method, day) for method in vendor.payment_methods)
