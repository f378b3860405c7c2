"""Input and output schemas for vendors and their payment methods (pages and API alike).

Schemas check shape and format only; what needs the database (scope, duplicates, known banks)
is checked in the services (vendors.registration, vendors.changes).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from market.schemas import StallCode
from schema_fields import (
    ID_RANGE,
    PROVINCE_CODE,
    REQUIRED,
    WARD_CODE,
    ApiChanges,
    ApiInput,
    ContactDetail,
    DigitsField,
    Identifier,
    PhoneNumber,
    TaxCode,
    Text,
    flat_messages,
    not_in_the_future,
)
from vendors.models import PaymentMethodKind, VendorKind, VisitAnswer, WalletProvider
from vendors.status import is_active_on, is_cashless_on, method_in_use_on

# The fields each kind of payment method needs, with what the form says when one is missing.
_FIELDS_OF_KIND = {
    PaymentMethodKind.BANK_ACCOUNT: {
        "bank_bin": _l("Chọn ngân hàng."),
        "account_number": _l("Nhập số tài khoản."),
        "account_holder": _l("Nhập tên chủ tài khoản."),
    },
    PaymentMethodKind.EWALLET: {"wallet_provider": _l("Chọn ví điện tử.")},
    PaymentMethodKind.CARD_TERMINAL: {"terminal_provider": _l("Nhập đơn vị cung cấp máy POS.")},
}


class PaymentMethodInput(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.Enum(PaymentMethodKind, by_value=True, required=True, error_messages=REQUIRED)
    bank_bin = fields.String(validate=validate.Regexp(r"^[0-9]{6}$", error=_l("Chọn ngân hàng trong danh sách.")),
                             allow_none=True)
    account_number = Identifier(validate=validate.Length(max=40), allow_none=True)
    account_holder = Text(validate=validate.Length(max=100, error=_l("Tên chủ tài khoản dài tối đa 100 ký tự.")),
                          allow_none=True)
    wallet_provider = fields.Enum(WalletProvider, by_value=True, allow_none=True)
    wallet_payload = fields.String(validate=validate.Length(max=512), allow_none=True)
    terminal_provider = Text(validate=validate.Length(max=100), allow_none=True)
    terminal_id = Text(validate=validate.Length(max=50), allow_none=True)
    started_on = fields.Date(allow_none=True)

    @validates_schema(skip_on_field_errors=False)  # reported with the other fields' errors
    def _fields_of_kind(self, data, **kwargs):
        needed = _FIELDS_OF_KIND.get(data.get("kind"), {})
        errors = {name: [message] for name, message in needed.items() if not data.get(name)}
        if errors:
            raise ValidationError(errors)


class VendorRegistrationInput(Schema):
    """What an agent enters at the stall, or an API client sends, to register a vendor."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.Enum(VendorKind, by_value=True, load_default=VendorKind.TRADER)
    name = Text(required=True, error_messages=REQUIRED,
                validate=validate.Length(min=2, max=200, error=_l("Họ tên dài từ 2 đến 200 ký tự.")))
    phone = PhoneNumber(allow_none=True)
    citizen_id = DigitsField(lengths=(12,), allow_none=True,
                             message=_l("Số CCCD gồm đúng 12 chữ số."))
    tax_code = TaxCode(allow_none=True)
    market_id = fields.Integer(allow_none=True, strict=False,
                               error_messages={"invalid": _l("Chọn chợ trong danh sách.")})
    stall_code = StallCode(allow_none=True)
    # The agent was asked about a stall near this code ("Có phải quầy C-07?") and says it is new.
    confirm_new_stall = fields.Boolean(load_default=False)
    ward_code = fields.String(allow_none=True, validate=WARD_CODE)
    joined_on = fields.Date(allow_none=True)
    payment_methods = fields.List(fields.Nested(PaymentMethodInput), load_default=list,
                                  validate=validate.Length(max=5, error=_l("Tối đa 5 phương thức thanh toán.")))
    # The agent has looked at the possible duplicates shown and says this is someone else.
    allow_duplicate = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=False)  # reported with the other fields' errors
    def _where_they_trade(self, data, **kwargs):
        if data.get("kind") is not VendorKind.COOPERATIVE and not data.get("market_id"):
            raise ValidationError({"market_id": [_l("Chọn chợ nơi tiểu thương kinh doanh.")]})
        if not data.get("market_id") and not data.get("ward_code"):
            raise ValidationError({"ward_code": [_l("Hợp tác xã không ở chợ cần có xã/phường đăng ký.")]})
        if data.get("stall_code") and not data.get("market_id"):
            raise ValidationError({"stall_code": [_l("Chỉ ghi số quầy khi đã chọn chợ.")]})

    @validates_schema
    def _not_in_the_future(self, data, **kwargs):
        # A day of slack: the phone's clock and time zone may be ahead of the server's.
        latest = dt.date.today() + dt.timedelta(days=1)
        if data.get("joined_on") and data["joined_on"] > latest:
            raise ValidationError({"joined_on": [_l("Ngày bắt đầu kinh doanh không thể ở tương lai.")]})
        for method in data.get("payment_methods", []):
            if method.get("started_on") and method["started_on"] > latest:
                raise ValidationError({"payment_methods": [_l("Ngày bắt đầu dùng không thể ở tương lai.")]})


ONBOARDING_BANK_FIELDS = ("bank_bin", "account_number", "account_holder")
ONBOARDING_WALLET_FIELDS = ("wallet_provider", "wallet_payload")


class OnboardingFormInput(VendorRegistrationInput):
    """The onboarding page's form: one bank account and one e-wallet as flat fields, blank fields
    as missing; errors come back flat too, keyed by the form's field names."""

    @pre_load
    def _nest_payment_methods(self, data, **kwargs):
        values = {name: value for name, value in data.items()
                  if not (isinstance(value, str) and not value.strip())}
        methods = []
        if any(name in values for name in ONBOARDING_BANK_FIELDS):
            methods.append({"kind": "bank_account", **{
                name: values.pop(name) for name in ONBOARDING_BANK_FIELDS if name in values}})
        if any(name in values for name in ONBOARDING_WALLET_FIELDS):
            methods.append({"kind": "ewallet", **{
                name: values.pop(name) for name in ONBOARDING_WALLET_FIELDS if name in values}})
        values["payment_methods"] = methods
        return values

    def handle_error(self, error, data, *, many, **kwargs):
        raise ValidationError(flat_messages(error.messages), valid_data=error.valid_data) from error


# --- The JSON API: stricter inputs, and outputs ------------------------------------------------

class VendorCreateInput(ApiInput, VendorRegistrationInput):
    """A registration sent to the API: as on the onboarding page, except that unknown fields are
    refused rather than dropped and the stall may also be chosen by id from the market's stalls
    (`stall_id`) instead of by code (`stall_code`, created on first use)."""

    market_id = fields.Integer(allow_none=True, strict=False, validate=ID_RANGE,
                               error_messages={"invalid": _l("Chọn chợ trong danh sách.")})
    stall_id = fields.Integer(allow_none=True, validate=ID_RANGE)

    @validates_schema
    def _one_stall(self, data, **kwargs):
        if data.get("stall_id") and data.get("stall_code"):
            raise ValidationError({"stall_id": [_l("Chọn quầy theo id hoặc theo số quầy, không cả hai.")]})
        if data.get("stall_id") and not data.get("market_id"):
            raise ValidationError({"stall_id": [_l("Chỉ chọn quầy khi đã chọn chợ.")]})


class VendorUpdateInput(ApiChanges):
    """The fields of a vendor that may be changed; only those sent are changed, null clears an
    optional one. The kind and the membership history are not changed here."""

    name = Text(validate=validate.Length(min=2, max=200, error=_l("Họ tên dài từ 2 đến 200 ký tự.")))
    phone = PhoneNumber(allow_none=True)
    citizen_id = DigitsField(lengths=(12,), allow_none=True,
                             message=_l("Số CCCD gồm đúng 12 chữ số."))
    tax_code = TaxCode(allow_none=True)
    market_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    stall_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    ward_code = fields.String(allow_none=True, validate=WARD_CODE)
    allow_duplicate = fields.Boolean(load_default=False)


class VendorCloseInput(ApiInput):
    left_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future,
                          metadata={"description": "The first day the vendor no longer traded."})
    reason = Text(allow_none=True, validate=validate.Length(max=300, error=_l("Lý do dài tối đa 300 ký tự.")))


class PaymentMethodCreateInput(ApiInput, PaymentMethodInput):
    """A payment method sent to the API: as on the pages, with unknown fields refused."""

    started_on = fields.Date(allow_none=True, validate=not_in_the_future)


class PaymentMethodUpdateInput(ApiChanges):
    """What may be corrected on a recorded method; another account or wallet is a new method."""

    account_holder = Text(allow_none=True, validate=validate.Length(
        max=100, error=_l("Tên chủ tài khoản dài tối đa 100 ký tự.")))
    wallet_payload = fields.String(allow_none=True, validate=validate.Length(max=512))
    terminal_provider = Text(allow_none=True, validate=validate.Length(max=100))
    terminal_id = Text(allow_none=True, validate=validate.Length(max=50))
    started_on = fields.Date(validate=not_in_the_future)


class PaymentMethodStopInput(ApiInput):
    stopped_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future,
                             metadata={"description": "The first day the method was no longer used."})


class VendorQueryArgs(Schema):
    q = fields.String(validate=validate.Length(max=100), metadata={
        "description": "Words of the name, with or without diacritics (`nguyen thi` finds "
                       "`Nguyễn Thị Hoa`)."})
    province = fields.String(validate=PROVINCE_CODE, metadata={
        "description": "Province code (2 digits): vendors whose market, or whose own commune "
                       "when they have no market, is in it."})
    ward = fields.String(validate=WARD_CODE, metadata={"description": "Commune code (5 digits)."})
    market = fields.Integer(validate=ID_RANGE, metadata={"description": "Market id."})
    kind = fields.Enum(VendorKind, by_value=True)
    accepts_cashless = fields.Boolean(metadata={
        "description": "true: only vendors with a payment method in use today; false: only "
                       "those without."})


class StatusPeriodSchema(Schema):
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True,
                          metadata={"description": "First day away; null while active."})
    left_reason = fields.String(allow_none=True)


class PaymentMethodSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    kind = fields.Enum(PaymentMethodKind, by_value=True)
    bank_bin = fields.String(allow_none=True)
    account_number = fields.String(allow_none=True)
    account_holder = fields.String(allow_none=True)
    wallet_provider = fields.Enum(WalletProvider, by_value=True, allow_none=True)
    wallet_payload = fields.String(allow_none=True)
    terminal_provider = fields.String(allow_none=True)
    terminal_id = fields.String(allow_none=True)
    started_on = fields.Date()
    stopped_on = fields.Date(allow_none=True, metadata={
        "description": "First day no longer used; null while in use."})
    in_use = fields.Function(lambda m: method_in_use_on(m, dt.date.today()),
                             metadata={"type": "boolean", "description": "In use today."})


class VendorSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(VendorKind, by_value=True)
    name = fields.String()
    phone = ContactDetail(allow_none=True,
                          metadata={"description": "Masked for roles that may not see it."})
    citizen_id = ContactDetail(allow_none=True, metadata={
        "description": "Masked for roles that may not see it."})
    tax_code = fields.String(allow_none=True)
    market_id = fields.Integer(allow_none=True)
    market_name = fields.Function(lambda v: v.market.name if v.market else None, allow_none=True,
                                  metadata={"type": "string"})
    stall_id = fields.Integer(allow_none=True)
    stall_code = fields.Function(lambda v: v.stall.code if v.stall else None, allow_none=True,
                                 metadata={"type": "string"})
    ward_code = fields.String(allow_none=True,
                              metadata={"description": "Only for a vendor with no market."})
    active = fields.Function(
        lambda v: is_active_on(v, dt.date.today()),
        metadata={"type": "boolean", "description": "Trading today."})
    accepts_cashless = fields.Function(
        lambda v: is_cashless_on(v, dt.date.today()),
        metadata={"type": "boolean", "description": "A payment method in use today."})
    status_periods = fields.List(fields.Nested(StatusPeriodSchema))
    payment_methods = fields.List(fields.Nested(PaymentMethodSchema))
    created_at = fields.DateTime()


# The retry key of a registration (vendors.registration.IDEMPOTENCY_KEY), a header the onboarding
# page and the API read from request.headers, documented for the API with this parameter:
# parsing one optional string through webargs' pass over every header cost 80 Python calls a
# registration, on the API's busiest route, and register_vendor checks the key anyway.
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_KEY_HEADER, "required": False,
    "schema": {"type": "string"},
    "description": (
        "8-64 letters, digits, `-` or `_`, generated once per registration: resending the same "
        "content with the same key returns the vendor created the first time (201, with "
        "`Idempotent-Replayed: true`); the same key with other content is 409."),
}


class VisitInput(Schema):
    """A return visit to a vendor, as the phone form posts it."""

    class Meta:
        unknown = EXCLUDE  # the CSRF token travels in the same form

    visited_on = fields.Date(load_default=dt.date.today, validate=not_in_the_future)
    placard_displayed = fields.Enum(VisitAnswer, by_value=True, required=True,
                                    error_messages=REQUIRED)
    used_last_30_days = fields.Enum(VisitAnswer, by_value=True, required=True,
                                    error_messages=REQUIRED)
    note = Text(allow_none=True, validate=validate.Length(
        max=500, error=_l("Ghi chú dài tối đa 500 ký tự.")))

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        return {key: value for key, value in data.items() if value != ""}


# --- The trader page's forms: as the API's inputs, posted flat with a CSRF token --------------


class _FormInput(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token and the buttons travel in the same form

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        # An emptied field clears an optional value; a required one reports it missing.
        return {key: (None if isinstance(value, str) and not value.strip() else value)
                for key, value in data.items()}


class VendorDetailsFormInput(_FormInput):
    name = Text(required=True, error_messages=REQUIRED,
                validate=validate.Length(min=2, max=200, error=_l("Họ tên dài từ 2 đến 200 ký tự.")))
    phone = PhoneNumber(allow_none=True)
    citizen_id = DigitsField(lengths=(12,), allow_none=True,
                             message=_l("Số CCCD gồm đúng 12 chữ số."))
    tax_code = TaxCode(allow_none=True)
    allow_duplicate = fields.Boolean(load_default=False, allow_none=True)


class PaymentMethodFormInput(_FormInput, PaymentMethodInput):
    """A bank account or an e-wallet added from the trader's page, maybe in place of one."""

    started_on = fields.Date(allow_none=True, validate=not_in_the_future)
    replaces = fields.Integer(allow_none=True, validate=ID_RANGE)


class LeaveFormInput(_FormInput):
    left_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future)
    reason = Text(allow_none=True, validate=validate.Length(max=300, error=_l("Lý do dài tối đa 300 ký tự.")))


class ReturnFormInput(_FormInput):
    joined_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future)


class StopFormInput(_FormInput):
    stopped_on = fields.Date(required=True, error_messages=REQUIRED, validate=not_in_the_future)
