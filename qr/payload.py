"""VietQR payloads (EMVCo merchant-presented QR as profiled by NAPAS 247): the standard's values,
PayloadError, a parsed code's shape, the CRC, and building a transfer code."""
from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from domain_errors import N_, Invalid, Message
from textnorm import to_ascii

# Sources cited below: "EMVCo" = EMV QRCPS Merchant-Presented Mode v1.0 (2017), "NAPAS" = NAPAS
# "Quy định về định dạng mã VietQR trong dịch vụ chuyển nhanh NAPAS247" v1.0 (09/2021).

NAPAS_GUID = "A000000727"  # NAPAS 5.2.3.2.1: the AID that marks a NAPAS 247 transfer template
SERVICE_TO_ACCOUNT = "QRIBFTTA"  # NAPAS 5.2.3.2.3
SERVICE_TO_CARD = "QRIBFTTC"
VIETQR_SERVICES = (SERVICE_TO_ACCOUNT, SERVICE_TO_CARD)

# NAPAS VietQR terms 8.1.1: "Hạn mức tối đa của một giao dịch là dưới 500 triệu đồng"
# (a single NAPAS 247 transfer is capped below 500 million đồng).
NAPAS_247_MAX_AMOUNT = 499_999_999

BIN_LENGTH = 6  # NAPAS table 4, sub-tag 01.00: acquirer/beneficiary bank BIN issued by the SBV, 6 characters
ACCOUNT_MAX_LENGTH = 19  # NAPAS table 4, sub-tag 01.01: "tối đa 19"
PURPOSE_MAX_LENGTH = 25  # EMVCo table 3.7 and NAPAS table 2: ID 62-08 is ans, up to 25
CURRENCY_VND = "704"  # ISO 4217, NAPAS 5.2.5
COUNTRY_VIETNAM = "VN"
STATIC = "11"  # EMVCo 4.7.2.1: the same code for many payments
DYNAMIC = "12"  # a new code for each payment (here: one with a fixed amount)

# Payment networks recognisable from a merchant account template's GUID.
# A000000775: VNPAY-QR, as decoded by the vietnam-qr-pay library (src/constants/qr-pay.ts).
KNOWN_GUIDS = {NAPAS_GUID: "NAPAS 247", "A000000775": "VNPAY"}

# MoMo and ZaloPay stickers are NAPAS 247 transfers to references only the wallet can resolve:
# MoMo is a NAPAS member under BIN 971025 (NAPAS member list), and both wallets also give each
# user an account at BVBank (970454) numbered 99MM... / 99ZP..., MoMo adding a reference label
# MOMOW2W... (vietnam-qr-pay README, "QR Đa năng của MoMo và ZaloPay").
_WALLET_BINS = {"971025": "MoMo"}
_WALLET_ACCOUNT_PREFIXES = {("970454", "99MM"): "MoMo", ("970454", "99ZP"): "ZaloPay"}
_WALLET_REFERENCE_PREFIXES = {"MOMOW2W": "MoMo"}

# EMVCo 1.4.1: "ans" is the Common Character Set of EMV Book 4, printable ASCII.
_ANS_CHARACTERS = frozenset(chr(code) for code in range(0x20, 0x7F))
_DIGITS = frozenset("0123456789")


class PayloadError(Invalid):
    """A payload, or a value meant for one, breaks a rule of the standard.

    `code` is stable (one of CODES) for programs to branch on; `message` (a domain_errors.Message,
    translated where it is shown; str(error) is its Vietnamese text) says what is wrong and where;
    `field` is the data object's path, e.g. "38.01.01", or None when the problem is not in one
    field.
    """

    CODES = frozenset({
        "not_text",         # not a string, empty, or not encodable as UTF-8
        "bad_structure",    # not a run of ID-length-value data objects, or one out of place
        "bad_length",       # a length field that is not a number, zero, or disagrees with the data
        "duplicate_field",  # an ID present twice at one level (EMVCo 4.3.1.2)
        "missing_field",    # a mandatory data object is absent
        "crc_mismatch",     # the CRC does not match the content: misread or altered
        "bad_value",        # a value of the wrong form (currency not digits, country not VN...)
        "too_long",         # a value longer than the standard allows for its ID
        "unknown_guid",     # not a NAPAS 247 transfer: another payment network's GUID
        "wallet_code",      # a NAPAS 247 code that pays a wallet reference: keep it, never rebuild
        "not_static",       # a single-payment (dynamic) code where a sticker's code is expected
        "bad_bin",
        "bad_account",
        "bad_service",
        "bad_amount",
        "amount_over_cap",
        "bad_text",         # text with characters a QR text field cannot carry
    })

    def __init__(self, code: str, message: Message, *, field: str | None = None):
        if code not in self.CODES:
            raise ValueError(f"PayloadError code {code!r} is not one of PayloadError.CODES")
        super().__init__(message, code=code)
        self.field = field


@dataclass(frozen=True)
class Template:
    """The data objects inside a template: tag -> value as written, in payload order, and those
    values that are templates themselves, parsed."""

    fields: Mapping[str, str]
    templates: Mapping[str, Template]


@dataclass(frozen=True)
class ParsedPayload:
    """A payload whose structure and CRC have been checked: the root data objects in payload order
    (tag -> value as written, CRC included) and the templates among them, parsed."""

    payload: str
    fields: Mapping[str, str]
    templates: Mapping[str, Template]

    @property
    def merchant_account_guids(self) -> Mapping[str, str]:
        """Tag -> GUID of each merchant account template (IDs 26-51), in payload order."""
        return {
            tag: template.fields["00"]
            for tag, template in self.templates.items()
            if _is_merchant_account_template(tag)
        }


@dataclass(frozen=True)
class VietQRTransfer:
    """What a NAPAS 247 transfer code pays: `account` is an account or a card number as `service`
    says; `amount` is whole đồng, None when the payer types it."""

    bin: str
    account: str
    service: str = SERVICE_TO_ACCOUNT
    amount: int | None = None
    purpose: str | None = None


@dataclass(frozen=True)
class WalletPayload:
    """A wallet sticker's payload, checked and kept exactly as scanned (`payload` is the input)."""

    payload: str
    provider: str | None  # "MoMo", "ZaloPay", "VNPAY", "NAPAS 247", or None if not recognised
    guids: tuple[str, ...]  # GUIDs of its merchant account templates, in payload order
    bank_transfer: VietQRTransfer | None  # set when it is a plain bank transfer code after all


# ---------------------------------------------------------------------------------------------
# CRC


def crc16_ccitt_false(text: str) -> str:
    """The CRC of EMVCo 4.7.3.1 (ISO/IEC 13239, polynomial 1021, initial FFFF) over the UTF-8
    bytes of `text`, as the 4 upper-case hex digits that follow "6304"."""
    # binascii.crc_hqx is that same CRC (non-reflected, no final XOR) given the initial value.
    return format(binascii.crc_hqx(text.encode("utf-8"), 0xFFFF), "04X")


# ---------------------------------------------------------------------------------------------
# Building


def build_vietqr(
    bin: str,
    account: str,
    *,
    service: str = SERVICE_TO_ACCOUNT,
    amount: int | None = None,
    purpose: str | None = None,
) -> str:
    """The VietQR payload for a NAPAS 247 transfer: static (11) without an amount, dynamic (12)
    with one. A Vietnamese purpose is transliterated and cut to 25 characters; an empty one is none."""
    _check_bin(bin, "38.01.00")
    if bin in _WALLET_BINS:
        # A wallet's NAPAS BIN routes to references only the wallet knows: its stickers are kept
        # as scanned (payload_read.check_wallet_payload), never rebuilt from an account number.
        wallet = _WALLET_BINS[bin]
        raise PayloadError(
            "wallet_code",
            N_("BIN %(bin)s là của %(wallet)s: ví %(wallet)s chỉ nhận tiền qua mã in trên tấm dán "
               "của chính ví, được lưu nguyên vẹn, không phải qua mã tạo lại từ số tài khoản.",
               bin=bin, wallet=wallet),
            field="38.01.00",
        )
    _check_service(service, "38.02")
    _check_account(account, service, "38.01.01")
    _check_amount(amount)
    if purpose is not None:
        purpose = transliterate_for_qr(purpose, PURPOSE_MAX_LENGTH, "62.08") or None

    # Field order follows NAPAS's own examples (section 6.1); EMVCo 3.2 allows any order between
    # the payload format indicator (first) and the CRC (last).
    beneficiary = _data_object("00", bin) + _data_object("01", account)
    merchant_account = (
        _data_object("00", NAPAS_GUID) + _data_object("01", beneficiary) + _data_object("02", service)
    )
    body = (
        _data_object("00", "01")
        + _data_object("01", STATIC if amount is None else DYNAMIC)
        + _data_object("38", merchant_account)  # NAPAS 5.2.3.2: ID 38 is VietQR's
        + _data_object("53", CURRENCY_VND)
        + (_data_object("54", str(amount)) if amount is not None else "")
        + _data_object("58", COUNTRY_VIETNAM)
        + (_data_object("62", _data_object("08", purpose)) if purpose else "")
        + "6304"  # EMVCo 4.7.3.1: the CRC covers its own ID and length
    )
    return body + crc16_ccitt_false(body)


def transliterate_for_qr(text: str, max_length: int, field: str | None = None) -> str:
    """`text` made fit for an "ans" field (EMVCo 4.5.2): Vietnamese diacritics dropped (đ -> d),
    cut to `max_length`; characters with no ASCII form (emoji, “curly quotes”) are refused."""
    if not isinstance(text, str):
        raise PayloadError(
            "bad_text",
            N_("Nội dung ghi vào mã QR phải là chuỗi ký tự; nhận được kiểu %(type)s.",
               type=type(text).__name__),
            field=field,
        )
    fitted = to_ascii(text)[:max_length]
    for character in fitted:
        if character not in _ANS_CHARACTERS:
            raise PayloadError(
                "bad_text",
                N_("Không thể ghi ký tự «%(character)s» vào %(where)s: chỉ dùng được chữ cái không "
                   "dấu, chữ số, dấu cách và dấu câu ASCII.",
                   character=character,
                   where=_in_field(field) if field else N_("trường văn bản của mã QR")),
                field=field,
            )
    return fitted


def _data_object(tag: str, value: str) -> str:
    # Values are checked before they get here; EMVCo 3.2 caps every value at 99 characters.
    if not 1 <= len(value) <= 99:
        raise PayloadError(
            "too_long",
            N_("Trường %(field)s sẽ chứa %(length)s ký tự; một giá trị chỉ được có từ 1 đến 99 ký "
               "tự.", field=tag, length=len(value)),
            field=tag,
        )
    return f"{tag}{len(value):02d}{value}"


def _check_bin(bin: str, field: str) -> None:
    if not isinstance(bin, str):
        # An int BIN would also lose any leading zero, so only text is taken.
        problem = N_("Mã BIN ngân hàng phải là chuỗi %(digits)s chữ số; nhận được kiểu %(type)s.",
                     digits=BIN_LENGTH, type=type(bin).__name__)
    elif len(bin) != BIN_LENGTH or not _is_digits(bin):
        problem = N_("Mã BIN ngân hàng phải gồm đúng %(digits)s chữ số; nhận được «%(bin)s».",
                     digits=BIN_LENGTH, bin=bin)
    else:
        return
    raise PayloadError("bad_bin", problem, field=field)


def _check_service(service: str, field: str) -> None:
    if service not in VIETQR_SERVICES:
        raise PayloadError(
            "bad_service",
            N_("Mã dịch vụ phải là %(to_account)s (đến tài khoản) hoặc %(to_card)s (đến thẻ); nhận "
               "được «%(service)s».",
               to_account=SERVICE_TO_ACCOUNT, to_card=SERVICE_TO_CARD, service=service),
            field=field,
        )


def _check_account(account: str, service: str, field: str) -> None:
    to_card = service == SERVICE_TO_CARD
    if not isinstance(account, str):
        # Account numbers may start with 0 (NAPAS's own example is 0011012345678): text only.
        kind = type(account).__name__
        raise PayloadError(
            "bad_account",
            N_("Số thẻ phải là chuỗi chữ số; nhận được kiểu %(type)s.", type=kind) if to_card
            else N_("Số tài khoản phải là chuỗi chữ số; nhận được kiểu %(type)s.", type=kind),
            field=field,
        )
    if not 1 <= len(account) <= ACCOUNT_MAX_LENGTH or not _is_digits(account):
        values = {"max": ACCOUNT_MAX_LENGTH, "account": account, "length": len(account)}
        raise PayloadError(
            "bad_account",
            N_("Số thẻ phải gồm từ 1 đến %(max)s chữ số; nhận được «%(account)s» (%(length)s ký "
               "tự).", **values) if to_card
            else N_("Số tài khoản phải gồm từ 1 đến %(max)s chữ số; nhận được «%(account)s» "
                    "(%(length)s ký tự).", **values),
            field=field,
        )


def _check_amount(amount: int | None) -> None:
    if amount is None:
        return
    # bool is an int to Python but never an amount; floats and strings hide rounding and format slips.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise PayloadError(
            "bad_amount",
            N_("Số tiền phải là số nguyên đồng; nhận được %(value)s (kiểu %(type)s).",
               value=repr(amount), type=type(amount).__name__),
            field="54",
        )
    if amount <= 0:
        raise PayloadError(
            "bad_amount",
            N_("Số tiền phải lớn hơn 0 đồng; nhận được %(amount)s.", amount=amount),
            field="54",
        )
    if amount > NAPAS_247_MAX_AMOUNT:
        raise PayloadError(
            "amount_over_cap",
            N_("Số tiền %(amount)s đồng vượt hạn mức %(cap)s đồng mỗi giao dịch của NAPAS 247.",
               amount=_dong_vi(amount), cap=_dong_vi(NAPAS_247_MAX_AMOUNT)),
            field="54",
        )


def _dong_vi(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


# ---------------------------------------------------------------------------------------------
# Shared with qr/payload_parse.py (parsing) and qr/payload_read.py (what a code pays)


def _in_field(path: str) -> Message:
    # A place named inside a sentence: "trường 38.01" / "field 38.01".
    return N_("trường %(field)s", field=path)


def _missing(path: str, name: Message) -> PayloadError:
    return PayloadError(
        "missing_field",
        N_("Thiếu trường bắt buộc %(field)s (%(name)s).", field=path, name=name),
        field=path,
    )


def _bad_value(path: str, value: str, expected: Message) -> PayloadError:
    return PayloadError(
        "bad_value",
        N_("Trường %(field)s có giá trị «%(value)s»; giá trị phải là %(expected)s.",
           field=path, value=value, expected=expected),
        field=path,
    )


def _is_digits(text: str) -> bool:
    # str.isdigit() also takes "²" and Arabic-Indic digits; the standard means ASCII 0-9.
    return bool(text) and all(character in _DIGITS for character in text)


def _is_merchant_account_template(tag: str) -> bool:
    return 26 <= int(tag) <= 51  # EMVCo 4.7.11: templates identified by their GUID
