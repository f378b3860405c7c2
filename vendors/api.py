"""JSON API for vendors and their payment methods, under /api/v1 (see api.py for tokens, scope,
errors and retries)."""
from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort

from accounts.permissions import EDIT_VENDORS, REGISTER_VENDORS, vendor_scope
from api import ID, ApiBlueprint, api_user
from db import db
from rate_limits import duplicate_lookups
from vendors.changes import close_vendor, update_vendor
from vendors.payment_methods import (
    record_payment_method,
    stop_payment_method,
    update_payment_method,
)
from vendors.registration import register_vendor
from vendors.schemas import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_PARAMETER,
    PaymentMethodCreateInput,
    PaymentMethodSchema,
    PaymentMethodStopInput,
    PaymentMethodUpdateInput,
    VendorCloseInput,
    VendorCreateInput,
    VendorQueryArgs,
    VendorSchema,
    VendorUpdateInput,
)
from vendors.search import get_payment_method, get_vendor, search_vendors

blp = ApiBlueprint(
    "vendors_api", __name__,
    description="Vendors (traders, household businesses, cooperatives) and their payment "
                "methods. Administrators, commune staff and onboarding agents register and edit "
                "vendors of their area; a cooperative manager edits only their own cooperative; "
                "provincial staff read only. Vendors are closed, payment methods stopped, with a "
                "date: nothing is deleted.",
)


def _vendor_or_404(vendor_id: int):
    vendor = get_vendor(db.session, vendor_id, vendor_scope(api_user()))
    if vendor is None:
        abort(404, message=_("Không tìm thấy tiểu thương này trong địa bàn của bạn."))
    return vendor


@blp.route("/vendors")
class Vendors(MethodView):
    @blp.arguments(VendorQueryArgs, location="query", as_kwargs=True)
    @blp.response(200, VendorSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, q="", province=None, ward=None, market=None, kind=None,
            accepts_cashless=None):
        """Vendors in your area, by name, with filters"""
        page = search_vendors(
            db.session, vendor_scope(api_user()), query=q, market_id=market,
            province_code=province, ward_code=ward, kind=kind, accepts_cashless=accepts_cashless,
            page=pagination_parameters.page, page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.requires(REGISTER_VENDORS)
    @blp.arguments(VendorCreateInput)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @blp.response(201, VendorSchema, headers={
        "Location": {"schema": {"type": "string"}, "description": "The vendor's URL."},
        "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]},
                                "description": "Present on a retry answered from the first one."},
    })
    @blp.alt_response(409, description="A possible duplicate (`duplicates` lists them; send "
                                       "`allow_duplicate: true` after checking), or the "
                                       "Idempotency-Key was used for other content.")
    @blp.alt_response(429, description="Too many registrations and changes of vendors in a "
                                       "short time (each answer says whether a phone, citizen "
                                       "ID or account is recorded); `Retry-After` says when.")
    @duplicate_lookups()
    def post(self, data):
        """Register a vendor, with their stall, first day and payment methods"""
        idempotency_key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
        # The request's session itself rather than its proxy, which looks the session up
        # again on each of the registration's few dozen uses.
        session = db.session()
        registration = register_vendor(session, api_user(), data, idempotency_key)
        session.commit()
        headers = {"Location": url_for(".VendorById", vendor_id=registration.vendor.id)}
        if registration.replayed:
            headers["Idempotent-Replayed"] = "true"
        return registration.vendor, 201, headers


@blp.route(f"/vendors/<{ID}:vendor_id>")
class VendorById(MethodView):
    @blp.response(200, VendorSchema)
    @blp.alt_response(404, description="No such vendor in your area.")
    def get(self, vendor_id):
        """One vendor, with their membership periods and payment methods"""
        return _vendor_or_404(vendor_id)

    @blp.requires(EDIT_VENDORS)
    @blp.arguments(VendorUpdateInput)
    @blp.response(200, VendorSchema)
    @blp.alt_response(404, description="No such vendor in your area.")
    @blp.alt_response(409, description="Another vendor has this phone or citizen ID.")
    @blp.alt_response(429, description="Too many registrations and changes of vendors in a "
                                       "short time; `Retry-After` says when.")
    @duplicate_lookups()
    def patch(self, data, vendor_id):
        """Change a vendor: only the fields sent"""
        vendor = update_vendor(db.session, api_user(), vendor_id, data)
        db.session.commit()
        return vendor


@blp.route(f"/vendors/<{ID}:vendor_id>/close")
class VendorClose(MethodView):
    @blp.requires(EDIT_VENDORS)
    @blp.arguments(VendorCloseInput)
    @blp.response(200, VendorSchema)
    @blp.alt_response(404, description="No such vendor in your area.")
    def post(self, data, vendor_id):
        """Record that the vendor left the market on `left_on`; their payment methods stop too"""
        vendor = close_vendor(db.session, api_user(), vendor_id, data["left_on"],
                              data.get("reason"))
        db.session.commit()
        return vendor


@blp.route(f"/vendors/<{ID}:vendor_id>/payment-methods")
class VendorPaymentMethods(MethodView):
    @blp.response(200, PaymentMethodSchema(many=True))
    @blp.alt_response(404, description="No such vendor in your area.")
    def get(self, vendor_id):
        """The vendor's payment methods, in use and stopped, by first day used"""
        return _vendor_or_404(vendor_id).payment_methods

    @blp.requires(EDIT_VENDORS)
    @blp.arguments(PaymentMethodCreateInput)
    @blp.response(201, PaymentMethodSchema)
    @blp.alt_response(200, schema=PaymentMethodSchema, success=True,
                      description="The vendor already uses this account, wallet code or "
                                  "terminal: the method recorded before, unchanged.")
    @blp.alt_response(404, description="No such vendor in your area.")
    def post(self, data, vendor_id):
        """Add a payment method (an unknown bank BIN or a malformed wallet code is 422)"""
        method, created = record_payment_method(db.session, api_user(), vendor_id, data)
        db.session.commit()
        return method, 201 if created else 200


@blp.route(f"/payment-methods/<{ID}:method_id>")
class PaymentMethodById(MethodView):
    @blp.response(200, PaymentMethodSchema)
    @blp.alt_response(404, description="No such payment method for a vendor in your area.")
    def get(self, method_id):
        """One payment method"""
        method = get_payment_method(db.session, vendor_scope(api_user()), method_id)
        if method is None:
            abort(404, message=_("Không tìm thấy phương thức thanh toán này."))
        return method

    @blp.requires(EDIT_VENDORS)
    @blp.arguments(PaymentMethodUpdateInput)
    @blp.response(200, PaymentMethodSchema)
    @blp.alt_response(404, description="No such payment method for a vendor in your area.")
    def patch(self, data, method_id):
        """Correct a payment method: holder's name, wallet code, terminal or first day used"""
        method = update_payment_method(db.session, api_user(), method_id, data)
        db.session.commit()
        return method


@blp.route(f"/payment-methods/<{ID}:method_id>/stop")
class PaymentMethodStop(MethodView):
    @blp.requires(EDIT_VENDORS)
    @blp.arguments(PaymentMethodStopInput)
    @blp.response(200, PaymentMethodSchema)
    @blp.alt_response(404, description="No such payment method for a vendor in your area.")
    def post(self, data, method_id):
        """Record the first day the method was no longer used"""
        method = stop_payment_method(db.session, api_user(), method_id, data["stopped_on"])
        db.session.commit()
        return method
