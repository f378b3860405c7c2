"""Labels the templates show for domain values, in the person's language."""
from __future__ import annotations

import datetime as dt

import flask_babel
from flask import Flask
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l

from accounts.models import Role
from accounts.permissions import masked
from errors import translate
from formats import day_text, moment_text, money_text
from jobs.models import JobStatus
from vendors.models import (
    PaymentMethod,
    PaymentMethodKind,
    VendorKind,
    VisitAnswer,
    WalletProvider,
)

ROLE_LABELS = {
    Role.ADMIN: _l("Quản trị viên"),
    Role.PROVINCIAL_STAFF: _l("Cán bộ tỉnh"),
    Role.COMMUNE_STAFF: _l("Cán bộ xã/phường"),
    Role.ONBOARDING_AGENT: _l("Tổ công nghệ số cộng đồng"),
    Role.COOPERATIVE_MANAGER: _l("Quản lý hợp tác xã"),
}
JOB_STATUS_LABELS = {
    JobStatus.QUEUED: _l("Đang chờ"),
    JobStatus.RUNNING: _l("Đang chạy"),
    JobStatus.DONE: _l("Xong"),
    JobStatus.FAILED: _l("Không thành công"),
}
KIND_LABELS = {
    VendorKind.TRADER: _l("Tiểu thương"),
    VendorKind.HOUSEHOLD_BUSINESS: _l("Hộ kinh doanh"),
    VendorKind.COOPERATIVE: _l("Hợp tác xã"),
}
VISIT_ANSWER_LABELS = {
    VisitAnswer.YES: _l("có"),
    VisitAnswer.NO: _l("không"),
    VisitAnswer.UNKNOWN: _l("không rõ"),
}
PAYMENT_KIND_LABELS = {
    PaymentMethodKind.BANK_ACCOUNT: _l("Tài khoản ngân hàng"),
    PaymentMethodKind.EWALLET: _l("Ví điện tử"),
    PaymentMethodKind.CARD_TERMINAL: _l("Máy POS"),
}
WALLET_LABELS = {
    WalletProvider.MOMO: "MoMo",
    WalletProvider.ZALOPAY: "ZaloPay",
    WalletProvider.VIETTEL_MONEY: "Viettel Money",
    WalletProvider.VNPT_MONEY: "VNPT Money",
    WalletProvider.SHOPEEPAY: "ShopeePay",
    WalletProvider.OTHER: _l("Ví điện tử khác"),
}


def method_label(method: PaymentMethod) -> str:
    if method.kind is PaymentMethodKind.BANK_ACCOUNT:
        bank = method.bank.short_name if method.bank else method.bank_bin
        return f"{bank} · {method.account_number} · {method.account_holder}"
    if method.kind is PaymentMethodKind.EWALLET:
        return str(_l("Ví %(name)s", name=WALLET_LABELS[method.wallet_provider]))
    return str(_l("Máy POS %(provider)s", provider=method.terminal_provider))


AUDIT_ACTION_LABELS = {
    "vendor.update": _l("Sửa thông tin"),
    "vendor.leave": _l("Nghỉ bán"),
    "vendor.return": _l("Quay lại kinh doanh"),
    "payment_method.add": _l("Thêm phương thức thanh toán"),
    "payment_method.update": _l("Sửa phương thức thanh toán"),
    "payment_method.stop": _l("Ngừng phương thức thanh toán"),
}
AUDIT_FIELD_LABELS = {
    "name": _l("họ tên"), "phone": _l("điện thoại"), "citizen_id": _l("số CCCD"),
    "tax_code": _l("mã số thuế"), "market_id": _l("chợ số"), "stall_id": _l("quầy số"),
    "ward_code": _l("mã xã/phường"), "left_on": _l("nghỉ từ"), "reason": _l("lý do"),
    "joined_on": _l("quay lại từ"), "bank_bin": _l("mã ngân hàng"),
    "account_number": _l("số tài khoản"), "account_holder": _l("chủ tài khoản"),
    "wallet_provider": _l("ví"), "terminal_provider": _l("máy POS"),
    "terminal_id": _l("số máy POS"), "started_on": _l("dùng từ"), "stopped_on": _l("ngừng từ"),
}
_PERSONAL_FIELDS = {"phone", "citizen_id"}


def shown_value(name: str, value, show_contact: bool) -> str:
    """A value of the audit log as the trader's page shows it: dates as dd/mm/yyyy, a phone or
    ID number masked for those who may not see it, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if name in _PERSONAL_FIELDS and not show_contact:
        return masked(str(value))
    if name.endswith("_on"):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    if name == "wallet_provider" and value in {w.value for w in WalletProvider}:
        return str(WALLET_LABELS[WalletProvider(value)])
    return str(value)


def payment_kind_label(key: str) -> str:
    """A payment kind as the figures key it: "bank_account", "ewallet:momo", "card_terminal"."""
    kind, _sep, provider = key.partition(":")
    if kind == PaymentMethodKind.EWALLET.value and provider:
        return str(_l("Ví %(name)s", name=WALLET_LABELS[WalletProvider(provider)]))
    return str(PAYMENT_KIND_LABELS[PaymentMethodKind(kind)])


def reader_language() -> str:
    """ "vi" or "en": the language of the page being written."""
    return "en" if str(get_locale()) == "en" else "vi"


def format_date(day: dt.date, form: str = "short") -> str:
    """A day in the reader's language, as formats.DATE_FORMATS writes it: "short" (02/12/2026) or
    "long" (2 tháng 12 năm 2026, 2 December 2026)."""
    if form not in ("short", "long"):
        return flask_babel.format_date(day, form)  # a Babel pattern, as some pages still pass
    return day_text(day, reader_language(), form)


def format_datetime(moment: dt.datetime) -> str:
    """A moment (stored in UTC) on Vietnam's clock: 02/12/2026 14:05."""
    return moment_text(moment, reader_language())


def format_money(dong: int) -> str:
    """A sum of whole đồng: "125.000 đ" in Vietnamese, "125,000 VND" in English."""
    return money_text(dong, reader_language())


def percent_of(part: int, whole: int) -> str:
    """part / whole as a percentage with one decimal, or a dash when there is no whole."""
    if not whole:
        return "—"
    return format_percent(part / whole, format="#,##0.0%")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_label=lambda role: ROLE_LABELS[role],
        kind_label=lambda kind: KIND_LABELS[kind],
        wallet_label=lambda provider: WALLET_LABELS[provider],
        method_label=method_label,
        masked=masked,
        translate=translate,
        get_locale=get_locale,
        format_date=format_date,
        format_decimal=format_decimal,
        format_percent=format_percent,
        format_datetime=format_datetime,
        format_money=format_money,
        job_status_label=lambda status: JOB_STATUS_LABELS[status],
        vendor_kind_label=lambda value: KIND_LABELS[VendorKind(value)],
        payment_kind_label=payment_kind_label,
        pct_of=percent_of,
        audit_action_label=lambda action: AUDIT_ACTION_LABELS.get(action, action),
        audit_field_label=lambda name: AUDIT_FIELD_LABELS.get(name, name),
        shown_value=shown_value,
        visit_answer_label=lambda answer: VISIT_ANSWER_LABELS[VisitAnswer(answer)],
        today_iso=lambda: dt.date.today().isoformat(),
    )
    app.jinja_env.filters["translate"] = translate
