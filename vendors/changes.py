"""Changing a recorded vendor: who may, their details and place, and their leaving the market.
Nothing is deleted: leaving closes the membership period with the first day away."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import EDIT_VENDORS, market_scope, vendor_scope, ward_scope
from audit.service import record, snapshot
from domain_errors import N_, Invalid, NotFound
from market.closing import check_market_open
from market.models import Market, Stall, Ward
from periods import not_ended_by
from textnorm import nfc, search_key
from vendors.duplicates import DuplicateVendorError, find_duplicates
from vendors.models import Vendor, VendorKind, VendorStatusPeriod
from vendors.search import get_vendor

# What a change of a vendor's details logs, before and after.
DETAIL_FIELDS = ("name", "phone", "citizen_id", "tax_code", "market_id", "stall_id", "ward_code")


def writable_vendor(session: Session, actor: User, vendor_id: int) -> Vendor:
    """The vendor, if the actor sees it (else NotFound) and may change it (else Forbidden)."""
    vendor = get_vendor(session, vendor_id, vendor_scope(actor))
    if vendor is None:
        raise NotFound(N_("Không tìm thấy tiểu thương này trong địa bàn của bạn."))
    EDIT_VENDORS.check(actor)
    return vendor


def stall_in_market(session: Session, market: Market, stall_id: int) -> Stall:
    stall = session.scalar(select(Stall).where(Stall.id == stall_id, Stall.market_id == market.id))
    if stall is None:
        raise Invalid(fields={"stall_id": N_("Quầy có id %(id)s không thuộc chợ «%(market)s».",
                                             id=stall_id, market=market.name)})
    return stall


def update_vendor(session: Session, actor: User, vendor_id: int, data: dict) -> Vendor:
    """Change the fields VendorUpdateInput loaded, and only those; the kind and the history stay.

    A phone or citizen ID another vendor already has is refused as a possible duplicate unless
    `allow_duplicate` says the person has checked. Moving to another market leaves the stall
    unless a stall of the new market is given.
    """
    vendor = writable_vendor(session, actor, vendor_id)
    if "name" in data and not data["name"]:
        raise Invalid(fields={"name": N_("Vui lòng điền họ tên.")})
    market = vendor.market
    if "market_id" in data and data["market_id"] != vendor.market_id:
        if data["market_id"] is None:
            if vendor.kind is not VendorKind.COOPERATIVE:
                raise Invalid(fields={"market_id": N_("Tiểu thương và hộ kinh doanh phải có chợ.")})
            market = None
        else:
            market = session.scalar(select(Market).where(Market.id == data["market_id"],
                                                         market_scope(actor)))
            if market is None:
                raise Invalid(fields={"market_id": N_("Không có chợ này trong địa bàn của bạn.")})
            check_market_open(market, dt.date.today())  # nobody moves into a closed market
    ward_code = None if market else vendor.ward_code
    if data.get("ward_code"):
        if market is not None:
            raise Invalid(fields={"ward_code": N_(
                "Chỉ ghi xã/phường cho hợp tác xã không ở chợ.")})
        if session.scalar(select(Ward.code).where(Ward.code == data["ward_code"],
                                                  ward_scope(actor))) is None:
            raise Invalid(fields={"ward_code": N_(
                "Không có xã/phường này trong địa bàn của bạn.")})
        ward_code = data["ward_code"]
    if market is None and ward_code is None:
        raise Invalid(fields={"ward_code": N_(
            "Hợp tác xã không ở chợ cần có xã/phường đăng ký.")})
    stall_id = vendor.stall_id if market is not None and market.id == vendor.market_id else None
    if data.get("stall_id"):
        if market is None:
            raise Invalid(fields={"stall_id": N_("Chỉ chọn quầy khi tiểu thương có chợ.")})
        stall_id = stall_in_market(session, market, data["stall_id"]).id
    elif "stall_id" in data:
        stall_id = None

    new_phone = data["phone"] if "phone" in data and data["phone"] != vendor.phone else None
    new_citizen_id = (data["citizen_id"] if "citizen_id" in data
                      and data["citizen_id"] != vendor.citizen_id else None)
    if not data.get("allow_duplicate"):
        matches = find_duplicates(session, vendor_scope(actor), phone=new_phone,
                                  citizen_id=new_citizen_id, exclude_vendor_id=vendor.id)
        if matches:
            raise DuplicateVendorError(matches)

    before = snapshot(vendor, DETAIL_FIELDS)
    for name in ("name", "phone", "citizen_id", "tax_code"):
        if name in data:
            setattr(vendor, name, data[name])
    vendor.search_key = search_key(vendor.name)
    vendor.market_id = market.id if market else None
    vendor.ward_code, vendor.stall_id = ward_code, stall_id
    session.flush()
    record(session, actor.id, "vendor.update", "vendor", vendor.id, vendor_id=vendor.id,
           before=before, after=snapshot(vendor, DETAIL_FIELDS))
    return vendor


def close_vendor(session: Session, actor: User, vendor_id: int, left_on: dt.date,
                 reason: str | None = None) -> Vendor:
    """Record that the vendor left on `left_on` (the first day away); nothing is deleted."""
    vendor = writable_vendor(session, actor, vendor_id)
    period = session.scalar(select(VendorStatusPeriod).where(
        VendorStatusPeriod.vendor_id == vendor.id, VendorStatusPeriod.left_on.is_(None)))
    if period is None:
        raise Invalid(fields={"left_on": N_("Tiểu thương này đã nghỉ bán rồi.")})
    if left_on <= period.joined_on:
        raise Invalid(fields={"left_on": N_(
            "Ngày nghỉ phải sau ngày bắt đầu kinh doanh (%(day)s).",
            day=period.joined_on.strftime("%d/%m/%Y"))})
    period.left_on, period.left_reason = left_on, nfc(reason)
    record(session, actor.id, "vendor.leave", "vendor", vendor.id, vendor_id=vendor.id,
           after={"left_on": left_on.isoformat(), "reason": period.left_reason})
    # Payment methods stop with the membership: the figures count neither after that day.
    for method in vendor.payment_methods:
        if not_ended_by(method.stopped_on, left_on):
            method.stopped_on = max(left_on, method.started_on)
            record(session, actor.id, "payment_method.stop", "payment_method", method.id,
                   vendor_id=vendor.id, after={"stopped_on": method.stopped_on.isoformat()})
    session.flush()
    return vendor


def return_vendor(session: Session, actor: User, vendor_id: int, joined_on: dt.date) -> Vendor:
    """Record that a vendor who left trades again from `joined_on`: a new membership period,
    so the months away stay away in the figures. Payment methods are added again as they are
    taken up (a bank account stopped when the vendor left is not assumed to be back)."""
    vendor = writable_vendor(session, actor, vendor_id)
    periods = vendor.status_periods
    if not periods or any(period.left_on is None for period in periods):
        raise Invalid(fields={"joined_on": N_("Tiểu thương này đang kinh doanh.")})
    last_left = max(period.left_on for period in periods)
    if joined_on < last_left:
        raise Invalid(fields={"joined_on": N_(
            "Ngày quay lại phải từ ngày nghỉ (%(day)s) trở đi.",
            day=last_left.strftime("%d/%m/%Y"))})
    period = VendorStatusPeriod(vendor_id=vendor.id, joined_on=joined_on)
    session.add(period)
    session.flush()
    record(session, actor.id, "vendor.return", "vendor", vendor.id, vendor_id=vendor.id,
           after={"joined_on": joined_on.isoformat()})
    return vendor
