"""What a parsed VietQR payload pays: a NAPAS 247 bank transfer to prefill a form with, or a wallet
whose sticker is kept exactly as printed; and those rules for a phone with no network."""
from __future__ import annotations

from domain_errors import N_
from qr.payload import (
    _WALLET_ACCOUNT_PREFIXES,
    _WALLET_BINS,
    _WALLET_REFERENCE_PREFIXES,
    COUNTRY_VIETNAM,
    CURRENCY_VND,
    DYNAMIC,
    KNOWN_GUIDS,
    NAPAS_GUID,
    SERVICE_TO_ACCOUNT,
    SERVICE_TO_CARD,
    ParsedPayload,
    PayloadError,
    Template,
    VietQRTransfer,
    WalletPayload,
    _bad_value,
    _check_account,
    _check_amount,
    _check_bin,
    _check_service,
    _missing,
)
from qr.payload_parse import parse_payload

# Sources as in qr/payload.py: "EMVCo" = EMV QRCPS Merchant-Presented Mode v1.0 (2017), "NAPAS" =
# NAPAS "Quy định về định dạng mã VietQR trong dịch vụ chuyển nhanh NAPAS247" v1.0 (09/2021).


def extract_vietqr_transfer(parsed: ParsedPayload) -> VietQRTransfer:
    """The NAPAS 247 transfer a parsed code pays, to prefill a form from a trader's bank sticker;
    PayloadError if it is another network's code (unknown_guid) or pays a wallet (wallet_code)."""
    tag, merchant_account = _napas_template(parsed)
    beneficiary = merchant_account.templates.get("01")
    if beneficiary is None:
        raise _missing(f"{tag}.01", N_("tổ chức thụ hưởng (BIN và số tài khoản)"))
    bin = beneficiary.fields.get("00")
    if bin is None:
        raise _missing(f"{tag}.01.00", N_("mã BIN ngân hàng"))
    account = beneficiary.fields.get("01")
    if account is None:
        raise _missing(f"{tag}.01.01", N_("số tài khoản hoặc số thẻ"))
    provider = _wallet_provider(parsed, bin, account)
    # NAPAS 5.2.3.2.2 lets a merchant ID be any string the acquirer defines; letters in it mean a
    # reference that only the acquirer or wallet resolves, not an account we could pay ourselves.
    if provider is not None or (account.isascii() and account.isalnum() and not account.isdigit()):
        raise _wallet_code(provider, account)
    service = merchant_account.fields.get("02")
    if service is None:
        raise _missing(f"{tag}.02", N_("mã dịch vụ (%(to_account)s hoặc %(to_card)s)",
                                       to_account=SERVICE_TO_ACCOUNT, to_card=SERVICE_TO_CARD))
    _check_bin(bin, f"{tag}.01.00")
    _check_service(service, f"{tag}.02")
    _check_account(account, service, f"{tag}.01.01")
    if "01" not in parsed.fields:
        # EMVCo makes it optional, NAPAS table 1 mandatory.
        raise _missing("01", N_("phương thức khởi tạo"))
    currency, country = parsed.fields["53"], parsed.fields["58"]
    if currency != CURRENCY_VND:
        raise _bad_value("53", currency, N_("%(currency)s (VND) cho chuyển khoản NAPAS 247",
                                            currency=CURRENCY_VND))
    if country != COUNTRY_VIETNAM:
        raise _bad_value("58", country, N_("%(country)s cho chuyển khoản NAPAS 247",
                                           country=COUNTRY_VIETNAM))
    amount = _dong_amount(parsed.fields["54"]) if "54" in parsed.fields else None
    additional_data = parsed.templates.get("62")
    purpose = additional_data.fields.get("08") if additional_data else None
    return VietQRTransfer(bin=bin, account=account, service=service, amount=amount, purpose=purpose)


def check_wallet_payload(payload: str) -> WalletPayload:
    """Vet a payload scanned from a trader's own wallet sticker (structure, CRC, static) and return
    it unchanged for storage, with the provider it pays if recognisable. Never rebuild such a code:
    its references mean something only to the wallet."""
    parsed = parse_payload(payload)
    if parsed.fields.get("01") == DYNAMIC:
        raise PayloadError(
            "not_static",
            N_("Đây là mã dùng cho một lần thanh toán (phương thức khởi tạo 12), không phải mã in "
               "trên tấm dán; hãy quét mã trên tấm dán của tiểu thương."),
            field="01",
        )
    guids = tuple(parsed.merchant_account_guids.values())
    provider = _recognised_provider(parsed)
    try:
        bank_transfer: VietQRTransfer | None = extract_vietqr_transfer(parsed)
    except PayloadError:
        bank_transfer = None
    return WalletPayload(payload=payload, provider=provider, guids=guids, bank_transfer=bank_transfer)


def _napas_template(parsed: ParsedPayload) -> tuple[str, Template]:
    # NAPAS 5.2.3.2 puts VietQR in ID 38, but the GUID, not the ID, names the network
    # (EMVCo 4.7.11.2; annex B.2: the ID "can be arbitrarily chosen").
    for tag, guid in parsed.merchant_account_guids.items():
        if guid == NAPAS_GUID:
            return tag, parsed.templates[tag]
    guids = list(parsed.merchant_account_guids.values())
    if guids:
        named = ", ".join(f"{guid} ({KNOWN_GUIDS[guid]})" if guid in KNOWN_GUIDS else guid for guid in guids)
        raise PayloadError("unknown_guid", N_(
            "Đây không phải mã chuyển khoản NAPAS 247: mã mang GUID %(guids)s thay vì GUID "
            "%(napas)s của NAPAS.", guids=named, napas=NAPAS_GUID))
    raise PayloadError("unknown_guid", N_(
        "Đây không phải mã chuyển khoản NAPAS 247: mã chỉ có mã ĐVCNTT của tổ chức thẻ (ID 02-25), "
        "không có GUID %(napas)s của NAPAS.", napas=NAPAS_GUID))


def _wallet_provider(parsed: ParsedPayload, bin: str, account: str) -> str | None:
    if bin in _WALLET_BINS:
        return _WALLET_BINS[bin]
    for (wallet_bin, prefix), name in _WALLET_ACCOUNT_PREFIXES.items():
        if bin == wallet_bin and account.startswith(prefix):
            return name
    additional_data = parsed.templates.get("62")
    reference = additional_data.fields.get("05", "") if additional_data else ""
    for prefix, name in _WALLET_REFERENCE_PREFIXES.items():
        if reference.startswith(prefix):
            return name
    return None


def offline_reading_rules() -> dict:
    """What a phone needs to fill in a bank account from a sticker it decoded with no network
    (static/js/sticker.js): the NAPAS GUID, the services, and the marks of a wallet's code, so
    that those rules keep their one home (qr/payload.py). The server checks the account again
    when the registration arrives."""
    return {
        "napas_guid": NAPAS_GUID,
        "services": [SERVICE_TO_ACCOUNT, SERVICE_TO_CARD],
        "wallet_bins": sorted(_WALLET_BINS),
        "wallet_account_prefixes": sorted([bin, prefix] for bin, prefix in _WALLET_ACCOUNT_PREFIXES),
        "wallet_reference_prefixes": sorted(_WALLET_REFERENCE_PREFIXES),
    }


def _recognised_provider(parsed: ParsedPayload) -> str | None:
    for tag, guid in parsed.merchant_account_guids.items():
        if guid == NAPAS_GUID:
            beneficiary = parsed.templates[tag].templates.get("01")
            if beneficiary is not None:
                wallet = _wallet_provider(parsed, beneficiary.fields.get("00", ""), beneficiary.fields.get("01", ""))
                if wallet is not None:
                    return wallet
        if guid in KNOWN_GUIDS:
            return KNOWN_GUIDS[guid]
    return None


def _wallet_code(provider: str | None, account: str) -> PayloadError:
    if provider is not None:
        return PayloadError("wallet_code", N_(
            "Đây là mã ví %(provider)s, không phải mã chuyển khoản ngân hàng thông thường: mã chứa "
            "thông tin tham chiếu mà chỉ %(provider)s hiểu được. Hãy lưu nguyên mã này làm phương "
            "thức thanh toán ví.", provider=provider))
    return PayloadError("wallet_code", N_(
        "«%(account)s» không phải số tài khoản hay số thẻ thông thường (chỉ gồm chữ số) mà là mã "
        "tham chiếu chỉ ngân hàng hoặc ví nhận tiền hiểu được. Hãy lưu nguyên mã này làm phương "
        "thức thanh toán ví.", account=account))


def _dong_amount(value: str) -> int:
    # Already checked as digits with at most one "." (EMVCo 4.7.4.1). VND has no minor unit
    # (ISO 4217 exponent 0), so "50000." or "50000.00" are whole đồng and "50000.5" is not.
    whole, _, fraction = value.partition(".")
    if fraction.strip("0"):
        raise PayloadError(
            "bad_amount",
            N_("Số tiền «%(value)s» có phần lẻ dưới một đồng; tiền đồng không có đơn vị lẻ.",
               value=value),
            field="54",
        )
    amount = int(whole)
    _check_amount(amount)
    return amount
