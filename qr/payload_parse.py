"""Parsing an EMVCo merchant-presented payload (VietQR included): its CRC, its ID-length-value data
objects and templates, and the rules of the standard on their place, size and form."""
from __future__ import annotations

import re
from types import MappingProxyType

from domain_errors import N_
from qr.payload import (
    DYNAMIC,
    NAPAS_GUID,
    STATIC,
    ParsedPayload,
    PayloadError,
    Template,
    _bad_value,
    _in_field,
    _is_digits,
    _is_merchant_account_template,
    _missing,
    crc16_ccitt_false,
)

# Sources as in qr/payload.py: "EMVCo" = EMV QRCPS Merchant-Presented Mode v1.0 (2017), "NAPAS" =
# NAPAS "Quy định về định dạng mã VietQR trong dịch vụ chuyển nhanh NAPAS247" v1.0 (09/2021).

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


def _is_merchant_account_tag(tag: str) -> bool:
    return 2 <= int(tag) <= 51  # EMVCo table 4.1


def _join(path: str, tag: str) -> str:
    return f"{path}.{tag}" if path else tag
