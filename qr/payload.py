"""VietQR payloads (EMVCo merchant-presented QR as profiled by NAPAS 247): build, parse, check the CRC,
read the bank transfer a code pays, and vet wallet stickers that must be kept exactly as printed."""
from __future__ import annotations

import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

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
_UPPER_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# EMVCo 4.7.4.1: digits with at most one "." as the decimal mark, and not zero.
_AMOUNT_TEXT = re.compile(r"[0-9]*\.?[0-9]*")

# EMVCo table 3.6: root values of fixed size, and the longest the others may be.
_ROOT_FIXED_LENGTHS = {"00": 2, "01": 2, "52": 4, "53": 3, "55": 2, "58": 2, "63": 4}
_ROOT_MAX_LENGTHS = {"54": 13, "56": 13, "57": 5, "59": 25, "60": 15, "61": 10}
_NUMERIC_ROOT_TAGS = ("00", "01", "52", "53", "55")
_GUID_MAX_LENGTH = 32  # EMVCo tables 4.2, 4.4, 4.5
# EMVCo table 3.7: IDs 01-08 of the additional data template up to 25 characters, 09 up to 3.
_ADDITIONAL_DATA_MAX_LENGTHS = {**{f"{tag:02d}": 25 for tag in range(1, 9)}, "09": 3}


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
        # A wallet's NAPAS BIN routes to references only the wallet knows: its stickers are kept as
        # scanned (check_wallet_payload), never rebuilt from an account number typed in.
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
# Parsing


def parse_payload(payload: str) -> ParsedPayload:
    """Any EMVCo merchant-presented payload, its CRC checked and its templates (26-51, 62, 64,
    80-99, and NAPAS's beneficiary inside 38) parsed; PayloadError says what is wrong and where."""
    _check_is_text(payload)
    _check_crc(payload)
    objects = _read_data_objects(payload, "", 0)
    fields = _unique_fields(objects, "")
    _check_root_layout(objects, fields)
    templates = {}
    for tag, value, offset in objects:
        template = _parse_root_template(tag, value, offset)
        if template is not None:
            templates[tag] = template
    _check_root_values(fields)
    return ParsedPayload(payload, MappingProxyType(fields), MappingProxyType(templates))


def _check_is_text(payload: str) -> None:
    if not isinstance(payload, str):
        raise PayloadError(
            "not_text",
            N_("Nội dung mã QR phải là chuỗi ký tự; nhận được kiểu %(type)s.",
               type=type(payload).__name__),
        )
    if not payload:
        raise PayloadError("not_text", N_("Nội dung mã QR đang trống."))
    if payload != payload.strip():
        # Scanners and copy-paste add line breaks; a payload starts with "00" and ends with the CRC.
        raise PayloadError(
            "bad_structure",
            N_("Nội dung mã QR có dấu cách hoặc xuống dòng ở đầu hoặc cuối; hãy xoá chúng."),
        )
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(
            "not_text", N_("Nội dung mã QR chứa ký tự Unicode không hợp lệ."),
        ) from None


def _check_crc(payload: str) -> None:
    # EMVCo 3.2: the CRC, last, lets the integrity be checked before anything else is parsed, so
    # a misread code is reported as such rather than as whatever structural damage it caused.
    if len(payload) < 8 or payload[-8:-4] != "6304":
        return  # no CRC where it belongs: the structural checks say what is there instead
    found, expected = payload[-4:], crc16_ccitt_false(payload[:-4])
    # EMVCo 4.7.3.2: the CRC is 4 "ans" characters, one per nibble (NAPAS 5.2.15: format ANS),
    # and "ans" (1.4.1, table 1.3) has lower-case letters too, so "6304ae9f" is as valid as
    # "6304AE9F" and is read as written. Codes cho40 writes stay upper case (crc16_ccitt_false).
    if found.isascii() and found.upper() == expected:
        return
    raise PayloadError(
        "crc_mismatch",
        N_("Mã kiểm tra CRC không khớp: mã ghi %(found)s nhưng nội dung tính ra %(expected)s. Mã QR "
           "đã bị đọc sai hoặc bị sửa.", found=found, expected=expected),
        field="63",
    )


def _read_data_objects(text: str, path: str, offset: int) -> list[tuple[str, str, int]]:
    """Split `text` into (tag, value, offset of the value in the payload) per EMVCo 3.2: a two-digit
    ID, a two-digit length from 01 to 99, then that many characters."""
    objects: list[tuple[str, str, int]] = []
    where = _in_field(path) if path else N_("nội dung mã QR")  # what `text` is, for people
    position = 0
    while position < len(text):
        rest = text[position:]
        at = offset + position + 1  # 1-based character position in the payload, for people
        previous = objects[-1] if objects else None
        before = _join(path, previous[0]) if previous else None
        before_length = f"{len(previous[1]):02d}" if previous else None
        if len(rest) < 4:
            if previous:
                raise PayloadError(
                    "bad_length",
                    N_("Trường %(field)s khai báo độ dài %(length)s nhưng sau nó còn thừa %(count)s "
                       "ký tự «%(rest)s» trong %(where)s, không tạo thành trường nào: các độ dài "
                       "khai báo không khớp với dữ liệu.",
                       field=before, length=before_length, count=len(rest), rest=rest, where=where),
                    field=before,
                )
            raise PayloadError(
                "bad_structure",
                N_("Trường %(field)s phải chứa các trường con (mã, độ dài, giá trị) nhưng lại chứa "
                   "«%(text)s».", field=path, text=text) if path
                else N_("Nội dung «%(text)s» quá ngắn, không phải mã QR thanh toán.", text=text),
                field=path or None,
            )
        tag, length_text = rest[:2], rest[2:4]
        if not _is_digits(tag):
            if previous:
                # Right after a data object, an ID that is not one means that object's length is off.
                raise PayloadError(
                    "bad_length",
                    N_("Trường %(field)s khai báo độ dài %(length)s nhưng tiếp theo, ở ký tự thứ "
                       "%(at)s trong %(where)s, là «%(tag)s» chứ không phải mã trường 2 chữ số: độ "
                       "dài đó bị sai.",
                       field=before, length=before_length, at=at, where=where, tag=tag),
                    field=before,
                )
            raise PayloadError(
                "bad_structure",
                N_("Ở ký tự thứ %(at)s trong %(where)s phải là mã trường gồm 2 chữ số nhưng lại là "
                   "«%(tag)s».", at=at, where=where, tag=tag),
                field=path or None,
            )
        here = _join(path, tag)
        if not _is_digits(length_text):
            values = {"field": here, "length": length_text, "at": at + 2}
            raise PayloadError(
                "bad_length",
                N_("Trường %(field)s có độ dài «%(length)s» ở ký tự thứ %(at)s, không phải số gồm 2 "
                   "chữ số. Hoặc độ dài của trường đứng trước, %(before)s (%(before_length)s), bị "
                   "sai.", before=before, before_length=before_length, **values) if previous
                else N_("Trường %(field)s có độ dài «%(length)s» ở ký tự thứ %(at)s, không phải số "
                        "gồm 2 chữ số.", **values),
                field=here,
            )
        length = int(length_text)
        if length == 0:
            raise PayloadError(
                "bad_length",
                N_("Trường %(field)s khai báo độ dài 00; giá trị phải có ít nhất một ký tự.",
                   field=here),
                field=here,
            )
        if length > len(rest) - 4:
            values = {"field": here, "length": f"{length:02d}", "remaining": len(rest) - 4,
                      "where": where}
            raise PayloadError(
                "bad_length",
                N_("Trường %(field)s khai báo độ dài %(length)s nhưng chỉ còn %(remaining)s ký tự "
                   "trong %(where)s: mã bị cắt cụt hoặc có độ dài bị sai. Hoặc độ dài của trường "
                   "đứng trước, %(before)s (%(before_length)s), bị sai.",
                   before=before, before_length=before_length, **values) if previous
                else N_("Trường %(field)s khai báo độ dài %(length)s nhưng chỉ còn %(remaining)s ký "
                        "tự trong %(where)s: mã bị cắt cụt hoặc có độ dài bị sai.", **values),
                field=here,
            )
        objects.append((tag, rest[4:4 + length], offset + position + 4))
        position += 4 + length
    return objects


def _in_field(path: str) -> Message:
    # A place named inside a sentence: "trường 38.01" / "field 38.01".
    return N_("trường %(field)s", field=path)


def _unique_fields(objects: list[tuple[str, str, int]], path: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag, value, _offset in objects:
        if tag in fields:
            here = _join(path, tag)
            raise PayloadError(
                "duplicate_field",
                N_("Trường %(field)s xuất hiện hai lần; mỗi mã trường chỉ được xuất hiện một lần.",
                   field=here),
                field=here,
            )
        fields[tag] = value
    return fields


def _check_root_layout(objects: list[tuple[str, str, int]], fields: dict[str, str]) -> None:
    if objects[0][0] != "00":
        # EMVCo 4.6.1.1: the payload format indicator comes first, so apps know how to read the rest.
        if "00" in fields:
            raise PayloadError(
                "bad_structure", N_("Trường %(field)s phải đứng đầu tiên trong mã.", field="00"),
                field="00",
            )
        raise _missing("00", N_("phiên bản dữ liệu"))
    if objects[-1][0] != "63":
        # EMVCo 4.6.1.2: the CRC comes last.
        if "63" in fields:
            raise PayloadError(
                "bad_structure", N_("Trường %(field)s phải đứng cuối cùng trong mã.", field="63"),
                field="63",
            )
        raise _missing("63", N_("mã kiểm tra CRC"))


def _missing(path: str, name: Message) -> PayloadError:
    return PayloadError(
        "missing_field",
        N_("Thiếu trường bắt buộc %(field)s (%(name)s).", field=path, name=name),
        field=path,
    )


def _parse_root_template(tag: str, value: str, offset: int) -> Template | None:
    number = int(tag)
    if _is_merchant_account_template(tag):
        return _parse_merchant_account(tag, value, offset)
    if tag == "62":
        return _parse_additional_data(value, offset)
    if tag == "64":
        return _parse_language_template(value, offset)
    if 80 <= number <= 99:
        return _parse_lenient_template(value, tag, offset)
    return None  # a primitive: 00-25, 52-61, 63, 65-79


def _parse_template(value: str, path: str, offset: int) -> tuple[dict[str, str], list[tuple[str, str, int]]]:
    objects = _read_data_objects(value, path, offset)
    return _unique_fields(objects, path), objects


def _parse_merchant_account(tag: str, value: str, offset: int) -> Template:
    fields, objects = _parse_template(value, tag, offset)
    # EMVCo 4.7.11.2: the GUID sets the context for the rest of the template.
    guid = fields.get("00")
    if guid is None:
        raise _missing(f"{tag}.00", N_("định danh duy nhất toàn cầu GUID"))
    _check_max_length(f"{tag}.00", guid, _GUID_MAX_LENGTH)
    templates = {}
    if guid == NAPAS_GUID and "01" in fields:
        # NAPAS table 4: in NAPAS's context, 01 is itself a template of BIN (00) and account (01).
        sub_offset = next(o for t, _v, o in objects if t == "01")
        sub_fields, _ = _parse_template(fields["01"], f"{tag}.01", sub_offset)
        templates["01"] = Template(MappingProxyType(sub_fields), MappingProxyType({}))
    return Template(MappingProxyType(fields), MappingProxyType(templates))


def _parse_additional_data(value: str, offset: int) -> Template:
    fields, objects = _parse_template(value, "62", offset)
    for tag, max_length in _ADDITIONAL_DATA_MAX_LENGTHS.items():
        if tag in fields:
            _check_max_length(f"62.{tag}", fields[tag], max_length)
    templates = {}
    for tag, sub_value, sub_offset in objects:
        if int(tag) >= 50:  # EMVCo table 4.3: payment system specific templates
            template = _parse_lenient_template(sub_value, f"62.{tag}", sub_offset)
            if template is not None:
                templates[tag] = template
    return Template(MappingProxyType(fields), MappingProxyType(templates))


def _parse_language_template(value: str, offset: int) -> Template:
    fields, _ = _parse_template(value, "64", offset)
    # EMVCo 4.9.1.1: language preference and the merchant name in that language are mandatory.
    if "00" not in fields:
        raise _missing("64.00", N_("ngôn ngữ thay thế"))
    if len(fields["00"]) != 2:
        raise _wrong_size("64.00", fields["00"], 2)
    if "01" not in fields:
        raise _missing("64.01", N_("tên ĐVCNTT bằng ngôn ngữ thay thế"))
    _check_max_length("64.01", fields["01"], 25)
    if "02" in fields:
        _check_max_length("64.02", fields["02"], 15)
    return Template(MappingProxyType(fields), MappingProxyType({}))


def _parse_lenient_template(value: str, path: str, offset: int) -> Template | None:
    # EMVCo 4.11.1.2 wants a GUID in every unreserved template, but MoMo's stickers carry a bare
    # 3-digit value in ID 80 (vietnam-qr-pay README) and every app reads them, so a value that is
    # not a run of data objects is kept as a plain value rather than refused.
    try:
        fields, _ = _parse_template(value, path, offset)
    except PayloadError:
        return None
    return Template(MappingProxyType(fields), MappingProxyType({}))


def _check_root_values(fields: dict[str, str]) -> None:
    for tag, size in _ROOT_FIXED_LENGTHS.items():
        if tag in fields and len(fields[tag]) != size:
            raise _wrong_size(tag, fields[tag], size)
    for tag, max_length in _ROOT_MAX_LENGTHS.items():
        if tag in fields:
            _check_max_length(tag, fields[tag], max_length)
    for tag in _NUMERIC_ROOT_TAGS:
        if tag in fields and not _is_digits(fields[tag]):
            raise _bad_value(tag, fields[tag], N_("chỉ gồm chữ số"))
    if fields["00"] != "01":
        raise _bad_value("00", fields["00"], N_('"01", phiên bản duy nhất hiện có'))
    if "01" in fields and fields["01"] not in (STATIC, DYNAMIC):
        raise _bad_value("01", fields["01"], N_('"11" (mã tĩnh) hoặc "12" (mã động)'))

    # EMVCo table 3.6 also makes 52 (MCC), 59 (name) and 60 (city) mandatory, but NAPAS's profile
    # (table 1) makes them optional and NAPAS's own examples (section 6.1) omit them.
    if not any(_is_merchant_account_tag(tag) for tag in fields):
        raise _missing("02-51", N_("thông tin định danh ĐVCNTT"))
    if "53" not in fields:
        raise _missing("53", N_("mã tiền tệ"))
    if "58" not in fields:
        raise _missing("58", N_("mã quốc gia"))
    country = fields["58"]
    if not all(character in _UPPER_LETTERS for character in country):
        raise _bad_value("58", country, N_("hai chữ cái in hoa"))

    for tag in ("54", "56", "57"):
        if tag in fields:
            _check_amount_text(tag, fields[tag])
    # EMVCo 4.7.6-4.7.8: the convenience fee fields go with the indicator that announces them.
    indicator = fields.get("55")
    if indicator is not None and indicator not in ("01", "02", "03"):
        raise _bad_value("55", indicator, N_('"01", "02" hoặc "03"'))
    for fee_tag, announcing_value in (("56", "02"), ("57", "03")):
        if indicator == announcing_value and fee_tag not in fields:
            raise _missing(fee_tag, N_("phí giao dịch mà trường 55 chỉ định"))
        if fee_tag in fields and indicator != announcing_value:
            raise PayloadError(
                "bad_structure",
                N_("Trường %(field)s chỉ được có khi trường 55 bằng %(value)s.",
                   field=fee_tag, value=announcing_value),
                field=fee_tag,
            )


def _check_amount_text(tag: str, value: str) -> None:
    if not _AMOUNT_TEXT.fullmatch(value) or not any(character in "123456789" for character in value):
        raise _bad_value(tag, value, N_('chữ số, tối đa một dấu "." và khác 0, ví dụ "50000"'))


def _check_max_length(path: str, value: str, max_length: int) -> None:
    if len(value) > max_length:
        raise PayloadError(
            "too_long",
            N_("Trường %(field)s có %(length)s ký tự; tối đa chỉ được %(max)s ký tự.",
               field=path, length=len(value), max=max_length),
            field=path,
        )


def _wrong_size(path: str, value: str, size: int) -> PayloadError:
    return _bad_value(path, value, N_("đúng %(size)s ký tự", size=size))


def _bad_value(path: str, value: str, expected: Message) -> PayloadError:
    return PayloadError(
        "bad_value",
        N_("Trường %(field)s có giá trị «%(value)s»; giá trị phải là %(expected)s.",
           field=path, value=value, expected=expected),
        field=path,
    )


# ---------------------------------------------------------------------------------------------
# Reading a NAPAS 247 transfer, vetting a wallet sticker


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
    that those rules keep their one home here. The server checks the account again when the
    registration arrives."""
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


# ---------------------------------------------------------------------------------------------
# Small helpers


def _is_digits(text: str) -> bool:
    # str.isdigit() also takes "²" and Arabic-Indic digits; the standard means ASCII 0-9.
    return bool(text) and all(character in _DIGITS for character in text)


def _is_merchant_account_tag(tag: str) -> bool:
    return 2 <= int(tag) <= 51  # EMVCo table 4.1


def _is_merchant_account_template(tag: str) -> bool:
    return 26 <= int(tag) <= 51  # EMVCo 4.7.11: templates identified by their GUID


def _join(path: str, tag: str) -> str:
    return f"{path}.{tag}" if path else tag
