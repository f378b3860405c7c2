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
    "vendor.register": _l("Đăng ký"),
    "vendor_import.commit": _l("Nhập danh sách tiểu thương"),
    "market.create": _l("Tạo chợ"),
    "market.update": _l("Sửa chợ"),
    "market.close": _l("Đóng cửa chợ"),
    "market.reopen": _l("Mở lại chợ"),
    "stall.create": _l("Thêm quầy"),
    "stall.update": _l("Sửa quầy"),
    "stall.merge": _l("Gộp quầy"),
    "product.create": _l("Thêm sản phẩm"),
    "product.update": _l("Sửa sản phẩm"),
    "product.archive": _l("Lưu trữ sản phẩm"),
    "product.restore": _l("Bán lại sản phẩm"),
    "listing.record": _l("Ghi nhận nơi bán trực tuyến"),
    "listing.end": _l("Ngừng bán trực tuyến"),
    "cho40_rule.add": _l("Thêm phiên bản tiêu chí Chợ 4.0"),
    "fee_collection.start": _l("Bắt đầu thu phí không dùng tiền mặt"),
    "fee_collection.stop": _l("Dừng thu phí không dùng tiền mặt"),
    "account.create": _l("Tạo tài khoản"),
    "account.update": _l("Sửa vai trò, phạm vi tài khoản"),
    "account.disable": _l("Khóa tài khoản"),
    "account.enable": _l("Mở khóa tài khoản"),
    "account.reset_password": _l("Đặt lại mật khẩu"),
    "api_token.issue": _l("Cấp khóa API"),
    "api_token.revoke": _l("Thu hồi khóa API"),
}
# The kinds of thing the audit log names (audit.service.ENTITY_KINDS).
AUDIT_ENTITY_LABELS = {
    "vendor": _l("Tiểu thương, HTX"), "payment_method": _l("Phương thức thanh toán"),
    "vendor_import": _l("Nhập danh sách"), "market": _l("Chợ"), "stall": _l("Quầy"),
    "product": _l("Sản phẩm"), "listing": _l("Nơi bán trực tuyến"),
    "cho40_rule": _l("Tiêu chí Chợ 4.0"), "fee_collection": _l("Thu phí không dùng tiền mặt"),
    "account": _l("Tài khoản"), "api_token": _l("Khóa API"),
}
AUDIT_FIELD_LABELS = {
    "name": _l("họ tên"), "phone": _l("điện thoại"), "citizen_id": _l("số CCCD"),
    "tax_code": _l("mã số thuế"), "market_id": _l("chợ số"), "stall_id": _l("quầy số"),
    "ward_code": _l("mã xã/phường"), "left_on": _l("nghỉ từ"), "reason": _l("lý do"),
    "joined_on": _l("quay lại từ"), "bank_bin": _l("mã ngân hàng"),
    "account_number": _l("số tài khoản"), "account_holder": _l("chủ tài khoản"),
    "wallet_provider": _l("ví"), "terminal_provider": _l("máy POS"),
    "terminal_id": _l("số máy POS"), "started_on": _l("dùng từ"), "stopped_on": _l("ngừng từ"),
    "kind": _l("loại"), "first_day": _l("kinh doanh từ"), "code": _l("số quầy"),
    "zone": _l("khu"), "merged_into": _l("gộp vào quầy số"),
    "vendors_moved": _l("tiểu thương chuyển quầy"), "address": _l("địa chỉ"),
    "market_class": _l("hạng chợ"), "board_contact_name": _l("người liên hệ ban quản lý"),
    "board_contact_phone": _l("điện thoại ban quản lý"), "latitude": _l("vĩ độ"),
    "longitude": _l("kinh độ"), "stall_code_pattern": _l("mẫu số quầy"),
    "closed_on": _l("đóng cửa từ"), "sku": _l("mã SKU"), "description": _l("mô tả"),
    "status": _l("trạng thái"), "brand": _l("thương hiệu"),
    "google_category_id": _l("mã ngành hàng Google"), "origin": _l("xuất xứ"),
    "price": _l("giá"), "stock": _l("tồn kho"), "weight_grams": _l("khối lượng (g)"),
    "length_mm": _l("dài (mm)"), "width_mm": _l("rộng (mm)"), "height_mm": _l("cao (mm)"),
    "gtin": _l("mã GTIN"), "ocop_stars": _l("sao OCOP"), "ocop_year": _l("năm OCOP"),
    "shelf_life_days": _l("hạn dùng (ngày)"), "storage": _l("bảo quản"),
    "certifications": _l("chứng nhận"), "option_names": _l("nhóm phân loại"),
    "variants": _l("phân loại"), "product_id": _l("sản phẩm số"), "platform": _l("sàn"),
    "url": _l("địa chỉ trang"), "listed_on": _l("bán từ"), "ended_on": _l("ngừng bán từ"),
    "province_code": _l("mã tỉnh"), "effective_from": _l("hiệu lực từ"),
    "min_cashless_percent": _l("tỉ lệ không tiền mặt tối thiểu (%)"),
    "min_verified_percent": _l("tỉ lệ đã kiểm tra lại tối thiểu (%)"),
    "verified_within_days": _l("kiểm tra lại trong (ngày)"),
    "require_cashless_fees": _l("thu phí không tiền mặt"),
    "min_listed_products": _l("sản phẩm bán trực tuyến tối thiểu"), "note": _l("ghi chú"),
    "username": _l("tên đăng nhập"), "full_name": _l("họ tên"), "role": _l("vai trò"),
    "cooperative_id": _l("hợp tác xã số"), "active": _l("hoạt động"),
    "filename": _l("tệp"), "vendors_registered": _l("tiểu thương đã đăng ký"),
}
# A field whose label differs by the kind of thing it is of.
AUDIT_FIELD_LABELS_OF_ENTITY = {
    ("market", "name"): _l("tên chợ"), ("product", "name"): _l("tên sản phẩm"),
    ("fee_collection", "started_on"): _l("thu từ"), ("fee_collection", "stopped_on"): _l("dừng từ"),
}
_PERSONAL_FIELDS = {"phone", "citizen_id", "board_contact_phone"}
_DATE_FIELDS = {"effective_from", "first_day"}


def shown_value(name: str, value, show_contact: bool) -> str:
    """A value of the audit log as the trader's page shows it: dates as dd/mm/yyyy, a phone or
    ID number masked for those who may not see it, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if name in _PERSONAL_FIELDS and not show_contact:
        return masked(str(value))
    if name.endswith("_on") or name in _DATE_FIELDS:
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    if name == "wallet_provider" and value in {w.value for w in WalletProvider}:
        return str(WALLET_LABELS[WalletProvider(value)])
    return str(value)


def audit_value(entity: str, name: str, value, show_contact: bool) -> str:
    """A value of the audit page: as shown_value shows it, with the kinds, roles, yes/no and
    lists of the other things the log names."""
    if isinstance(value, bool):
        return str(_l("có") if value else _l("không"))
    if name == "role" and value in {role.value for role in Role}:
        return str(ROLE_LABELS[Role(value)])
    if name == "kind" and entity == "vendor" and value in {k.value for k in VendorKind}:
        return str(KIND_LABELS[VendorKind(value)])
    if name == "kind" and value in {k.value for k in PaymentMethodKind}:
        return str(PAYMENT_KIND_LABELS[PaymentMethodKind(value)])
    if name == "variants" and isinstance(value, list):
        return "; ".join(" · ".join([*(str(o) for o in (v.get("options") or {}).values()),
                                     str(v.get("sku")), str(v.get("price"))])
                         for v in value if isinstance(v, dict)) or "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return shown_value(name, value, show_contact)


def audit_field_label(name: str, entity: str | None = None) -> str:
    return str(AUDIT_FIELD_LABELS_OF_ENTITY.get((entity, name))
               or AUDIT_FIELD_LABELS.get(name, name))


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
        audit_field_label=audit_field_label,
        audit_entity_label=lambda entity: AUDIT_ENTITY_LABELS.get(entity, entity),
        audit_value=audit_value,
        shown_value=shown_value,
        visit_answer_label=lambda answer: VISIT_ANSWER_LABELS[VisitAnswer(answer)],
        today_iso=lambda: dt.date.today().isoformat(),
    )
    app.jinja_env.filters["translate"] = translate
