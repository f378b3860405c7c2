"""VietQR payloads: published vectors, round trips, and every way a code is refused."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from i18n import in_language
from qr.payload import (
    NAPAS_247_MAX_AMOUNT,
    NAPAS_GUID,
    PURPOSE_MAX_LENGTH,
    SERVICE_TO_ACCOUNT,
    SERVICE_TO_CARD,
    VIETQR_SERVICES,
    PayloadError,
    VietQRTransfer,
    build_vietqr,
    crc16_ccitt_false,
    transliterate_for_qr,
)
from qr.payload_parse import parse_payload
from qr.payload_read import check_wallet_payload, extract_vietqr_transfer

FAST = settings(max_examples=200, deadline=None, database=None)

# --- Published vectors. "NAPAS" = NAPAS "Quy định về định dạng mã VietQR" v1.0 (09/2021) section 6.1;
# "vqp" = README of the vietnam-qr-pay library (xuannghia/vietnam-qr-pay, npm); "EMVCo" = EMV QRCPS
# Merchant-Presented Mode v1.0 annex B.7. Copied from shared/reference/vietqr-vectors.txt where listed there.

# NAPAS 6.1.1 as printed: sub-field 38.01.01 says length 12 but holds the 13-digit account of the
# table beside it (and of 6.1.3); the CRC F4E5 was computed over this faulty string.
NAPAS_6_1_1_AS_PRINTED = (
    "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5"
)
NAPAS_6_1_2 = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52"
NAPAS_6_1_3 = (
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN"
    "62340107NPS68690819thanh toan don hang63042E2E"
)
NAPAS_6_1_4 = (
    "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC530370454061800005802VN"
    "62340107NPS68690819thanh toan don hang6304A203"
)
# NAPAS 6.1.4's heading line as printed: the static card code of 6.1.2 with 6.1.4's CRC.
NAPAS_6_1_4_HEADING_AS_PRINTED = (
    "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN6304A203"
)
VQP_STATIC_ACB = "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"
VQP_DYNAMIC_ACB = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
    "62150811Chuyen tien630453E6"
)
VQP_MOMO_971025 = (  # vectors file: vqp README/tests
    "00020101021138620010A000000727013200069710250118PSP1234567890000000208QRIBFTTA53037045802VN"
    "62190515MOMOW2W123456786304821F"
)
VQP_MOMO_BVBANK = (  # vqp README, "QR Đa năng" MoMo
    "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN"
    "62190515MOMOW2W3487508080030466304EBC8"
)
VQP_ZALOPAY_BVBANK = (  # vqp README, "QR Đa năng" ZaloPay
    "00020101021138620010A00000072701320006970454011899ZP24009M072482670208QRIBFTTA53037045802VN6304073C"
)
VQP_VNPAY = (  # vqp README, VNPay encode example
    "00020101021126280010A0000007750110010531314453037045408210900005802VN5910CELLPHONES"
    "62600312CPSHN ONLINE0517021908061613127850705ONLHN0810CellphoneS63047685"
)
# EMVCo annex B.7, taken from its hexadecimal form (the printable form has stray spaces and line breaks).
EMVCO_B7 = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
    "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***"
    "0708A60086670902ME91320016A0112233449988770708123456786304A13A"
)

GOOD_PAYLOADS = {
    "NAPAS-6.1.2-static-card": NAPAS_6_1_2,
    "NAPAS-6.1.3-dyn-acct": NAPAS_6_1_3,
    "NAPAS-6.1.4-dyn-card": NAPAS_6_1_4,
    "vqp-static-ACB": VQP_STATIC_ACB,
    "vqp-dyn-ACB": VQP_DYNAMIC_ACB,
    "vqp-MoMo-971025": VQP_MOMO_971025,
    "vqp-MoMo-BVBank": VQP_MOMO_BVBANK,
    "vqp-ZaloPay-BVBank": VQP_ZALOPAY_BVBANK,
    "vqp-VNPAY": VQP_VNPAY,
    "EMVCo-B.7": EMVCO_B7,
}

CARD = "9704031101234567"  # NAPAS 6.1.2 and 6.1.4
NAPAS_ACCOUNT = "0011012345678"  # NAPAS 6.1.1 and 6.1.3


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """`body` (all data objects but the CRC) closed with a correct CRC object."""
    return body + "6304" + crc16_ccitt_false(body + "6304")


def payload_of(*objects: tuple[str, str]) -> str:
    return with_crc("".join(tlv(tag, value) for tag, value in objects))


def napas_account(bin: str = "970416", account: str = "257678859", service: str | None = "QRIBFTTA",
                  guid: str = NAPAS_GUID) -> str:
    return tlv("00", guid) + tlv("01", tlv("00", bin) + tlv("01", account)) + (tlv("02", service) if service else "")


ACB_OBJECTS = (("00", "01"), ("01", "11"), ("38", napas_account()), ("53", "704"), ("58", "VN"))


def replaced(objects: tuple[tuple[str, str], ...], tag: str, value: str | None) -> tuple[tuple[str, str], ...]:
    """`objects` with `tag`'s value replaced (None drops it; an absent tag goes before 58)."""
    if tag not in dict(objects):
        at = [t for t, _ in objects].index("58")
        objects = objects[:at] + ((tag, value),) + objects[at:]
    return tuple((t, value if t == tag else v) for t, v in objects if not (t == tag and value is None))


def english(error: PayloadError) -> str:
    return in_language(error.message, "en")


def refused(action, code: str) -> PayloadError:
    with pytest.raises(PayloadError) as caught:
        action()
    error = caught.value
    assert error.code == code, str(error)
    assert error.code in PayloadError.CODES
    # Said in Vietnamese (str: the catalogue's source text) and, differently, in English.
    assert str(error) == str(error.message) == in_language(error.message, "vi")
    assert str(error) and english(error) and english(error) != str(error)
    return error


# --- CRC


def test_crc_is_crc16_ccitt_false():
    # The CRC catalogue's check value for CRC-16/CCITT-FALSE.
    assert crc16_ccitt_false("123456789") == "29B1"


@pytest.mark.parametrize("payload", [*GOOD_PAYLOADS.values(), NAPAS_6_1_1_AS_PRINTED], ids=[*GOOD_PAYLOADS, "NAPAS-6.1.1"])
def test_published_crcs_cover_everything_up_to_and_including_6304(payload):
    assert crc16_ccitt_false(payload[:-4]) == payload[-4:]


def test_crc_is_over_utf8_bytes_while_lengths_count_characters():
    # EMVCo B.7: "0104最佳运输" is 4 characters (12 bytes), and the CRC A13A covers the UTF-8 bytes.
    parsed = parse_payload(EMVCO_B7)
    assert parsed.templates["64"].fields == {"00": "ZH", "01": "最佳运输", "02": "北京"}


# --- Encoding the published examples


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        pytest.param({"bin": "970416", "account": "257678859"}, VQP_STATIC_ACB, id="vqp-static-ACB"),
        pytest.param({"bin": "970416", "account": "257678859", "amount": 10000, "purpose": "Chuyen tien"},
                     VQP_DYNAMIC_ACB, id="vqp-dyn-ACB"),
        pytest.param({"bin": "970403", "account": CARD, "service": SERVICE_TO_CARD}, NAPAS_6_1_2, id="NAPAS-6.1.2"),
    ],
)
def test_encoder_reproduces_published_payloads(inputs, expected):
    assert build_vietqr(**inputs) == expected


def test_napas_6_1_1_built_right_differs_from_the_printed_example_only_in_that_length():
    ours = build_vietqr("970403", NAPAS_ACCOUNT)
    assert ours[:-4].replace("0113" + NAPAS_ACCOUNT, "0112" + NAPAS_ACCOUNT) == NAPAS_6_1_1_AS_PRINTED[:-4]
    assert ours[-4:] == "9E6F" != NAPAS_6_1_1_AS_PRINTED[-4:]
    assert extract_vietqr_transfer(parse_payload(ours)) == VietQRTransfer("970403", NAPAS_ACCOUNT)


def test_static_code_without_amount_and_dynamic_code_with_one():
    assert parse_payload(build_vietqr("970416", "257678859")).fields["01"] == "11"
    dynamic = parse_payload(build_vietqr("970416", "257678859", amount=50_000))
    assert dynamic.fields["01"] == "12"
    assert dynamic.fields["54"] == "50000"


# --- Reading the published examples


@pytest.mark.parametrize(
    ("payload", "transfer"),
    [
        pytest.param(NAPAS_6_1_2, VietQRTransfer("970403", CARD, SERVICE_TO_CARD), id="NAPAS-6.1.2"),
        pytest.param(NAPAS_6_1_3, VietQRTransfer("970403", NAPAS_ACCOUNT, SERVICE_TO_ACCOUNT, 180000,
                                                 "thanh toan don hang"), id="NAPAS-6.1.3"),
        pytest.param(NAPAS_6_1_4, VietQRTransfer("970403", CARD, SERVICE_TO_CARD, 180000,
                                                 "thanh toan don hang"), id="NAPAS-6.1.4"),
        pytest.param(VQP_STATIC_ACB, VietQRTransfer("970416", "257678859"), id="vqp-static-ACB"),
        pytest.param(VQP_DYNAMIC_ACB, VietQRTransfer("970416", "257678859", SERVICE_TO_ACCOUNT, 10000,
                                                     "Chuyen tien"), id="vqp-dyn-ACB"),
    ],
)
def test_published_bank_codes_are_read_as_the_transfer_they_pay(payload, transfer):
    assert extract_vietqr_transfer(parse_payload(payload)) == transfer


def with_crc_as(payload: str, crc: str) -> str:
    """`payload` with its CRC's text replaced by `crc` (the same digits in another case)."""
    assert crc.upper() == payload[-4:]
    return payload[:-4] + crc


# EMVCo 4.7.3.2 writes the CRC as "ans" characters, which include lower case: the vectors file's
# codes with their CRC in lower or mixed case are the same codes.
@pytest.mark.parametrize(
    ("payload", "crc", "transfer"),
    [
        pytest.param(VQP_STATIC_ACB, "ae9f", VietQRTransfer("970416", "257678859"),
                     id="vqp-static-ACB-lower"),
        pytest.param(NAPAS_6_1_3, "2e2e", VietQRTransfer("970403", NAPAS_ACCOUNT, SERVICE_TO_ACCOUNT,
                                                          180000, "thanh toan don hang"),
                     id="NAPAS-6.1.3-lower"),
        pytest.param(NAPAS_6_1_4, "a203", VietQRTransfer("970403", CARD, SERVICE_TO_CARD, 180000,
                                                          "thanh toan don hang"),
                     id="NAPAS-6.1.4-lower"),
        pytest.param(VQP_STATIC_ACB, "aE9f", VietQRTransfer("970416", "257678859"),
                     id="vqp-static-ACB-mixed"),
        pytest.param(NAPAS_6_1_3, "2E2e", VietQRTransfer("970403", NAPAS_ACCOUNT, SERVICE_TO_ACCOUNT,
                                                          180000, "thanh toan don hang"),
                     id="NAPAS-6.1.3-mixed"),
    ],
)
def test_a_crc_written_in_lower_or_mixed_case_is_read_as_written(payload, crc, transfer):
    recased = with_crc_as(payload, crc)
    parsed, original = parse_payload(recased), parse_payload(payload)
    assert parsed.payload == recased and parsed.fields["63"] == crc
    assert dict(parsed.fields) == {**original.fields, "63": crc}
    assert parsed.templates == original.templates
    assert extract_vietqr_transfer(parsed) == transfer


def test_a_wallet_sticker_with_a_lower_case_crc_is_kept_exactly_as_read():
    sticker = with_crc_as(VQP_MOMO_971025, "821f")
    wallet = check_wallet_payload(sticker)
    assert wallet.payload is sticker
    assert wallet.provider == "MoMo"


def test_parsed_payload_keeps_fields_in_order_with_templates_nested():
    parsed = parse_payload(NAPAS_6_1_3)  # NAPAS 6.1.3
    assert list(parsed.fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert parsed.fields["63"] == "2E2E"
    napas = parsed.templates["38"]
    assert napas.fields["00"] == NAPAS_GUID and napas.fields["02"] == "QRIBFTTA"
    assert napas.templates["01"].fields == {"00": "970403", "01": NAPAS_ACCOUNT}
    assert parsed.templates["62"].fields == {"01": "NPS6869", "08": "thanh toan don hang"}
    assert parsed.merchant_account_guids == {"38": NAPAS_GUID}
    with pytest.raises(TypeError):
        parsed.fields["54"] = "1"  # read-only: a parsed payload is a record of what was scanned


def test_any_emvco_payload_is_parsed_with_all_its_templates():
    parsed = parse_payload(EMVCO_B7)  # EMVCo annex B.7
    assert parsed.merchant_account_guids == {"29": "D15600000000", "31": "D15600000001"}
    assert parsed.templates["29"].fields["05"] == "A93FO3230Q"
    assert parsed.templates["62"].fields == {"03": "1234", "06": "***", "07": "A6008667", "09": "ME"}
    assert parsed.templates["91"].fields == {"00": "A011223344998877", "07": "12345678"}
    assert parsed.fields["54"] == "23.72" and parsed.fields["53"] == "156"


# --- The faulty NAPAS examples


def test_napas_example_6_1_1_is_refused_for_its_length_error():
    error = refused(lambda: parse_payload(NAPAS_6_1_1_AS_PRINTED), "bad_length")
    assert error.field == "38.01.01"
    assert "length 12" in english(error) and "«8»" in english(error)
    assert "độ dài 12" in str(error)


def test_napas_example_6_1_4_heading_as_printed_fails_its_crc():
    error = refused(lambda: parse_payload(NAPAS_6_1_4_HEADING_AS_PRINTED), "crc_mismatch")
    assert "A203" in english(error) and "4F52" in english(error)


# --- Codes that are not NAPAS bank transfers


@pytest.mark.parametrize(
    ("payload", "provider"),
    [
        pytest.param(VQP_MOMO_971025, "MoMo", id="vqp-MoMo-971025"),
        pytest.param(VQP_MOMO_BVBANK, "MoMo", id="vqp-MoMo-BVBank"),
        pytest.param(VQP_ZALOPAY_BVBANK, "ZaloPay", id="vqp-ZaloPay-BVBank"),
    ],
)
def test_wallet_codes_are_not_taken_for_bank_transfers(payload, provider):
    error = refused(lambda: extract_vietqr_transfer(parse_payload(payload)), "wallet_code")
    assert provider in english(error) and provider in str(error)


def test_merchant_reference_with_letters_is_kept_as_a_wallet_code():
    payload = payload_of(*replaced(ACB_OBJECTS, "38", napas_account(account="SHOP42REF")))
    error = refused(lambda: extract_vietqr_transfer(parse_payload(payload)), "wallet_code")
    assert "SHOP42REF" in english(error)


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        pytest.param(VQP_VNPAY, "A000000775 (VNPAY)", id="vqp-VNPAY"),
        pytest.param(EMVCO_B7, "D15600000000", id="EMVCo-B.7"),
        pytest.param(payload_of(*replaced(ACB_OBJECTS, "38", napas_account(guid="A000000999"))), "A000000999",
                     id="made-up-GUID"),
    ],
)
def test_other_networks_codes_are_refused_naming_their_guid(payload, named):
    error = refused(lambda: extract_vietqr_transfer(parse_payload(payload)), "unknown_guid")
    assert named in english(error) and NAPAS_GUID in english(error)


def test_napas_template_is_found_by_its_guid_not_its_id():
    payload = payload_of(*((tag if tag != "38" else "27", value) for tag, value in ACB_OBJECTS))
    assert extract_vietqr_transfer(parse_payload(payload)) == VietQRTransfer("970416", "257678859")


# --- Wallet stickers


@pytest.mark.parametrize(
    ("payload", "provider"),
    [
        pytest.param(VQP_MOMO_971025, "MoMo", id="vqp-MoMo-971025"),
        pytest.param(VQP_MOMO_BVBANK, "MoMo", id="vqp-MoMo-BVBank"),
        pytest.param(VQP_ZALOPAY_BVBANK, "ZaloPay", id="vqp-ZaloPay-BVBank"),
        pytest.param(VQP_VNPAY, "VNPAY", id="vqp-VNPAY"),
    ],
)
def test_wallet_sticker_is_returned_unchanged_with_its_provider(payload, provider):
    wallet = check_wallet_payload(payload)
    assert wallet.payload is payload
    assert wallet.provider == provider
    assert wallet.bank_transfer is None


def test_wallet_sticker_reports_unknown_providers_by_guid():
    payload = payload_of(("00", "01"), ("01", "11"), ("29", tlv("00", "D15600000000") + tlv("05", "A93FO3230Q")),
                         ("53", "156"), ("58", "CN"))
    wallet = check_wallet_payload(payload)
    assert (wallet.payload, wallet.provider, wallet.guids) == (payload, None, ("D15600000000",))


def test_bank_sticker_checked_as_a_wallet_is_recognised_as_a_bank_transfer():
    wallet = check_wallet_payload(NAPAS_6_1_2)
    assert wallet.provider == "NAPAS 247"
    assert wallet.bank_transfer == VietQRTransfer("970403", CARD, SERVICE_TO_CARD)


def test_wallet_check_refuses_a_single_payment_code():
    refused(lambda: check_wallet_payload(VQP_DYNAMIC_ACB), "not_static")


def test_wallet_check_refuses_a_misread_sticker():
    refused(lambda: check_wallet_payload(VQP_MOMO_BVBANK.replace("99MM", "99MN")), "crc_mismatch")


# --- Inputs the encoder refuses


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        pytest.param(0, "bad_amount", id="zero"),
        pytest.param(-5000, "bad_amount", id="negative"),
        pytest.param(1500.0, "bad_amount", id="float"),
        pytest.param("15000", "bad_amount", id="str"),
        pytest.param(True, "bad_amount", id="bool"),
        pytest.param(NAPAS_247_MAX_AMOUNT + 1, "amount_over_cap", id="over-cap"),
    ],
)
def test_amount_that_is_not_whole_dong_within_the_cap_is_refused(amount, code):
    error = refused(lambda: build_vietqr("970416", "257678859", amount=amount), code)
    assert error.field == "54"


def test_amount_at_the_napas_cap_is_accepted():
    payload = build_vietqr("970416", "257678859", amount=NAPAS_247_MAX_AMOUNT)
    assert extract_vietqr_transfer(parse_payload(payload)).amount == 499_999_999


@pytest.mark.parametrize(
    ("account", "service"),
    [
        pytest.param("1" * 20, SERVICE_TO_ACCOUNT, id="20-digit-account"),
        pytest.param("9" * 20, SERVICE_TO_CARD, id="20-digit-card"),
        pytest.param("0011-0123", SERVICE_TO_ACCOUNT, id="dash"),
        pytest.param("2576 78859", SERVICE_TO_ACCOUNT, id="space"),
        pytest.param("25767885A", SERVICE_TO_ACCOUNT, id="letter"),
        pytest.param("２５７６７８８５９", SERVICE_TO_ACCOUNT, id="full-width-digits"),
        pytest.param("", SERVICE_TO_ACCOUNT, id="empty"),
        pytest.param(257678859, SERVICE_TO_ACCOUNT, id="int"),
    ],
)
def test_account_or_card_that_is_not_1_to_19_digits_is_refused(account, service):
    error = refused(lambda: build_vietqr("970416", account, service=service), "bad_account")
    assert error.field == "38.01.01"


def test_nineteen_digit_card_number_is_accepted():
    payload = build_vietqr("970403", "9" * 19, service=SERVICE_TO_CARD)
    assert extract_vietqr_transfer(parse_payload(payload)).account == "9" * 19


@pytest.mark.parametrize("bin", ["97041", "9704160", "97O416", "", "٩٧٠٤١٦", 970416], ids=repr)
def test_bin_that_is_not_6_digits_is_refused(bin):
    error = refused(lambda: build_vietqr(bin, "257678859"), "bad_bin")
    assert error.field == "38.01.00"


def test_code_to_a_wallet_bin_is_never_built():
    # 971025 is MoMo's NAPAS BIN: such codes are stored from the wallet's own sticker instead.
    error = refused(lambda: build_vietqr("971025", "0901234567"), "wallet_code")
    assert "MoMo" in english(error)


def test_unknown_service_code_is_refused():
    refused(lambda: build_vietqr("970416", "257678859", service="QRIBFTTX"), "bad_service")


def test_vietnamese_purpose_is_transliterated_and_cut_to_25_characters():
    payload = build_vietqr("970416", "257678859", purpose="Thanh toán tiền rau muống chợ Đồng Xuân")
    assert payload.isascii()
    assert extract_vietqr_transfer(parse_payload(payload)).purpose == "Thanh toan tien rau muong"
    assert transliterate_for_qr("Đặt cọc bún đậu", 25) == "Dat coc bun dau"


def test_purpose_with_characters_that_have_no_ascii_form_is_refused():
    error = refused(lambda: build_vietqr("970416", "257678859", purpose="Cảm ơn 🙏"), "bad_text")
    assert error.field == "62.08"
    refused(lambda: build_vietqr("970416", "257678859", purpose=42), "bad_text")


def test_empty_purpose_means_none():
    assert build_vietqr("970416", "257678859", purpose="") == VQP_STATIC_ACB


# --- Payloads the parser refuses, each with its reason


def test_corrupted_payload_is_refused_with_its_reason():
    error = refused(lambda: parse_payload(VQP_STATIC_ACB.replace("257678859", "257678858")), "crc_mismatch")
    assert error.field == "63" and "AE9F" in english(error)


@pytest.mark.parametrize("payload", [
    pytest.param(VQP_STATIC_ACB[:-4] + "ae9e", id="wrong-crc"),
    pytest.param(with_crc_as(VQP_STATIC_ACB, "ae9f").replace("257678859", "257678858"),
                 id="altered-content"),
])
def test_a_wrong_crc_in_lower_case_is_refused_with_its_reason(payload):
    error = refused(lambda: parse_payload(payload), "crc_mismatch")
    assert error.field == "63"
    assert f"the code says {payload[-4:]} but its content gives" in english(error)
    assert "misread or altered" in english(error) and "đọc sai" in str(error)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param(with_crc(VQP_STATIC_ACB[:-8].replace("5802VN", "5803VN")), "30", id="58-one-too-long"),
        pytest.param(with_crc(VQP_STATIC_ACB[:-8].replace("3853", "3852")), "38", id="38-one-too-short"),
        pytest.param(with_crc(VQP_STATIC_ACB[:-8].replace("5303704", "53XY704")), "53", id="length-not-a-number"),
        pytest.param(with_crc(VQP_STATIC_ACB[:-8] + "9900"), "99", id="length-00"),
        pytest.param(VQP_STATIC_ACB[:40], "38", id="cut-short"),
        pytest.param(with_crc(VQP_STATIC_ACB[:-8].replace("0208QRIBFTTA", "0207QRIBFTTA")), "38.02",
                     id="inner-length-leaves-a-character"),
    ],
)
def test_bad_length_field_is_refused_naming_the_field(payload, field):
    error = refused(lambda: parse_payload(payload), "bad_length")
    assert error.field == field


@pytest.mark.parametrize(
    ("objects", "code", "field"),
    [
        pytest.param(ACB_OBJECTS + (("58", "VN"),), "duplicate_field", "58", id="58-twice"),
        pytest.param(replaced(ACB_OBJECTS, "53", None), "missing_field", "53", id="no-currency"),
        pytest.param(replaced(ACB_OBJECTS, "58", None), "missing_field", "58", id="no-country"),
        pytest.param(replaced(ACB_OBJECTS, "38", None), "missing_field", "02-51", id="no-merchant-account"),
        pytest.param(ACB_OBJECTS[1::-1] + ACB_OBJECTS[2:], "bad_structure", "00", id="00-not-first"),
        pytest.param(replaced(ACB_OBJECTS, "00", "02"), "bad_value", "00", id="unknown-version"),
        pytest.param(replaced(ACB_OBJECTS, "01", "13"), "bad_value", "01", id="initiation-13"),
        pytest.param(replaced(ACB_OBJECTS, "53", "7O4"), "bad_value", "53", id="currency-letter"),
        pytest.param(replaced(ACB_OBJECTS, "53", "7040"), "bad_value", "53", id="currency-4-digits"),
        pytest.param(replaced(ACB_OBJECTS, "54", "0"), "bad_value", "54", id="amount-zero"),
        pytest.param(replaced(ACB_OBJECTS, "54", "50 000"), "bad_value", "54", id="amount-space"),
        pytest.param(replaced(ACB_OBJECTS, "54", "1.000.000"), "bad_value", "54", id="amount-two-dots"),
        pytest.param(replaced(ACB_OBJECTS, "54", "1" * 14), "too_long", "54", id="amount-14-chars"),
        pytest.param(replaced(ACB_OBJECTS, "58", "vn"), "bad_value", "58", id="country-lower-case"),
        pytest.param(replaced(ACB_OBJECTS, "38", tlv("01", "970416")), "missing_field", "38.00", id="no-guid"),
        pytest.param(replaced(ACB_OBJECTS, "38", tlv("00", "A" * 33)), "too_long", "38.00", id="guid-33"),
        pytest.param(replaced(ACB_OBJECTS, "62", tlv("08", "x" * 26)), "too_long", "62.08", id="purpose-26"),
        pytest.param(replaced(ACB_OBJECTS, "62", "abc"), "bad_structure", "62", id="62-not-a-template"),
        pytest.param(replaced(ACB_OBJECTS, "64", tlv("00", "VI")), "missing_field", "64.01", id="64-no-name"),
        pytest.param(replaced(ACB_OBJECTS, "55", "02"), "missing_field", "56", id="fee-announced-not-given"),
        pytest.param(replaced(ACB_OBJECTS, "56", "1000"), "bad_structure", "56", id="fee-not-announced"),
    ],
)
def test_payload_breaking_a_rule_of_the_standard_is_refused_with_its_reason(objects, code, field):
    error = refused(lambda: parse_payload(payload_of(*objects)), code)
    assert error.field == field


def test_crc_that_is_not_last_is_refused():
    objects = ACB_OBJECTS[:3] + (("63", "AE9F"),) + ACB_OBJECTS[3:]
    error = refused(lambda: parse_payload("".join(tlv(tag, value) for tag, value in objects)), "bad_structure")
    assert error.field == "63"


def test_payload_without_a_crc_is_refused():
    error = refused(lambda: parse_payload("".join(tlv(tag, value) for tag, value in ACB_OBJECTS)), "missing_field")
    assert error.field == "63"


@pytest.mark.parametrize("payload", ["", None, b"000201", 12345], ids=repr)
def test_non_text_is_refused(payload):
    refused(lambda: parse_payload(payload), "not_text")


def test_payload_with_a_trailing_line_break_is_refused():
    refused(lambda: parse_payload(VQP_STATIC_ACB + "\n"), "bad_structure")


@pytest.mark.parametrize(
    ("objects", "code", "field"),
    [
        pytest.param(replaced(ACB_OBJECTS, "53", "840"), "bad_value", "53", id="not-VND"),
        pytest.param(replaced(ACB_OBJECTS, "58", "SG"), "bad_value", "58", id="not-VN"),
        pytest.param(replaced(ACB_OBJECTS, "54", "1800.50"), "bad_amount", "54", id="fraction-of-a-dong"),
        pytest.param(replaced(ACB_OBJECTS, "54", "500000000"), "amount_over_cap", "54", id="over-cap"),
        pytest.param(replaced(ACB_OBJECTS, "01", None), "missing_field", "01", id="no-initiation-method"),
        pytest.param(replaced(ACB_OBJECTS, "38", napas_account(service=None)), "missing_field", "38.02",
                     id="no-service"),
        pytest.param(replaced(ACB_OBJECTS, "38", napas_account(service="QRIBFTTX")), "bad_service", "38.02",
                     id="unknown-service"),
        pytest.param(replaced(ACB_OBJECTS, "38", napas_account(bin="97041")), "bad_bin", "38.01.00",
                     id="5-digit-bin"),
        pytest.param(replaced(ACB_OBJECTS, "38", napas_account(account="1" * 20)), "bad_account", "38.01.01",
                     id="20-digit-account"),
        pytest.param(replaced(ACB_OBJECTS, "38", tlv("00", NAPAS_GUID) + tlv("02", "QRIBFTTA")), "missing_field",
                     "38.01", id="no-beneficiary"),
    ],
)
def test_napas_code_breaking_the_napas_profile_is_refused_with_its_reason(objects, code, field):
    parsed = parse_payload(payload_of(*objects))
    error = refused(lambda: extract_vietqr_transfer(parsed), code)
    assert error.field == field


def test_amount_written_with_a_trailing_decimal_mark_is_whole_dong():
    # EMVCo 4.7.4.1 and NAPAS 5.2.6: "50000." is a valid amount.
    parsed = parse_payload(payload_of(*replaced(ACB_OBJECTS, "54", "50000.")))
    assert extract_vietqr_transfer(parsed).amount == 50000


def test_every_single_character_change_to_a_napas_example_is_refused():
    printable = [chr(code) for code in range(0x20, 0x7F)] + ["đ", "Ư", "\n"]
    crc_start = len(NAPAS_6_1_3) - 4
    for index, original in enumerate(NAPAS_6_1_3):
        for replacement in printable:
            if replacement == original:
                continue
            changed = NAPAS_6_1_3[:index] + replacement + NAPAS_6_1_3[index + 1:]
            if index >= crc_start and replacement == original.lower():
                # A CRC letter in lower case is the same CRC (EMVCo 4.7.3.2), not a change.
                assert parse_payload(changed).fields["63"] == changed[crc_start:]
                continue
            with pytest.raises(PayloadError):
                parse_payload(changed)


# --- Properties

transfers = st.builds(
    VietQRTransfer,
    bin=st.text("0123456789", min_size=6, max_size=6).filter(lambda bin: bin != "971025"),  # MoMo's BIN
    account=st.text("0123456789", min_size=1, max_size=19),
    service=st.sampled_from(VIETQR_SERVICES),
    amount=st.none() | st.integers(1, NAPAS_247_MAX_AMOUNT),
    purpose=st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1,
                                max_size=PURPOSE_MAX_LENGTH),
)


@FAST
@given(transfers, st.lists(st.booleans(), min_size=4, max_size=4))
def test_build_then_parse_gives_back_the_transfer(transfer, lower_case):
    payload = build_vietqr(**dataclasses.asdict(transfer))
    assert payload.isascii()
    crc = payload[-4:]
    assert crc == crc.upper()  # cho40 writes upper case
    parsed = parse_payload(payload)
    assert parsed.fields["01"] == ("11" if transfer.amount is None else "12")
    assert extract_vietqr_transfer(parsed) == transfer
    # Its CRC in lower case, or partly, reads as the same code (EMVCo 4.7.3.2).
    recased_crc = "".join(c.lower() if lower else c for c, lower in zip(crc, lower_case))
    recased = parse_payload(with_crc_as(payload, recased_crc))
    assert dict(recased.fields) == {**parsed.fields, "63": recased_crc}
    assert recased.templates == parsed.templates
    assert extract_vietqr_transfer(recased) == transfer


@FAST
@given(st.text("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
               "ĐÂĂÊÔƠƯ ,.-", max_size=60))
def test_any_vietnamese_purpose_becomes_ascii_of_at_most_25_characters(purpose):
    transfer = extract_vietqr_transfer(parse_payload(build_vietqr("970416", "257678859", purpose=purpose)))
    expected = transliterate_for_qr(purpose, PURPOSE_MAX_LENGTH) or None
    assert transfer.purpose == expected
    assert expected is None or (expected.isascii() and len(expected) <= PURPOSE_MAX_LENGTH)


@FAST
@given(transfers, st.data())
def test_any_single_changed_character_is_caught(transfer, data):
    payload = build_vietqr(**dataclasses.asdict(transfer))
    index = data.draw(st.integers(0, len(payload) - 1), label="index")
    replacement = data.draw(st.characters(codec="utf-8").filter(lambda c: c != payload[index]), label="with")
    changed = payload[:index] + replacement + payload[index + 1:]
    try:
        read_back = extract_vietqr_transfer(parse_payload(changed))
    except PayloadError:
        return
    if index >= len(payload) - 4 and replacement == payload[index].lower():
        assert read_back == transfer  # a CRC letter in lower case: the same code (EMVCo 4.7.3.2)
        return
    assert read_back != transfer, "a changed payload was accepted as the same transfer"


@FAST
@given(st.text(max_size=120))
def test_arbitrary_text_is_refused_only_with_payload_error(text):
    try:
        extract_vietqr_transfer(parse_payload(text))
    except PayloadError as error:
        assert error.code in PayloadError.CODES


@FAST
@given(st.sampled_from(sorted(GOOD_PAYLOADS.values())), st.data())
def test_damage_behind_a_valid_crc_is_refused_only_with_payload_error(payload, data):
    # Recomputing the CRC gets past the integrity check, so the structural checks are what answer.
    body = payload[:-8]
    index = data.draw(st.integers(0, len(body)), label="index")
    edit = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="edit")
    character = data.draw(st.characters(codec="utf-8") | st.sampled_from("0123456789"), label="character")
    if edit == "replace":
        body = body[:index] + character + body[index + 1:]
    elif edit == "insert":
        body = body[:index] + character + body[index:]
    else:
        body = body[:index] + body[index + 1:]
    for read in (lambda p: extract_vietqr_transfer(parse_payload(p)), check_wallet_payload):
        try:
            read(with_crc(body))
        except PayloadError as error:
            assert error.code in PayloadError.CODES
            assert str(error) and english(error) != str(error)


# --- Messages in both languages

# One refusal for each code: a code that the module gains is caught here until it has one.
ONE_REFUSAL_PER_CODE = {
    "not_text": lambda: parse_payload(""),
    "bad_structure": lambda: parse_payload(" " + VQP_STATIC_ACB),
    "bad_length": lambda: parse_payload(NAPAS_6_1_1_AS_PRINTED),
    "duplicate_field": lambda: parse_payload(payload_of(*ACB_OBJECTS, ("58", "VN"))),
    "missing_field": lambda: parse_payload(payload_of(*replaced(ACB_OBJECTS, "53", None))),
    "crc_mismatch": lambda: parse_payload(VQP_STATIC_ACB.replace("257678859", "257678858")),
    "bad_value": lambda: parse_payload(payload_of(*replaced(ACB_OBJECTS, "58", "vn"))),
    "too_long": lambda: parse_payload(payload_of(*replaced(ACB_OBJECTS, "62", tlv("08", "x" * 26)))),
    "unknown_guid": lambda: extract_vietqr_transfer(parse_payload(VQP_VNPAY)),
    "wallet_code": lambda: build_vietqr("971025", "0901234567"),
    "not_static": lambda: check_wallet_payload(VQP_DYNAMIC_ACB),
    "bad_bin": lambda: build_vietqr("97041", "257678859"),
    "bad_account": lambda: build_vietqr("970416", "2576-78859"),
    "bad_service": lambda: build_vietqr("970416", "257678859", service="QRIBFTTX"),
    "bad_amount": lambda: build_vietqr("970416", "257678859", amount=0),
    "amount_over_cap": lambda: build_vietqr("970416", "257678859", amount=NAPAS_247_MAX_AMOUNT + 1),
    "bad_text": lambda: build_vietqr("970416", "257678859", purpose="Cảm ơn 🙏"),
}


def test_every_code_has_a_refusal_here():
    assert set(ONE_REFUSAL_PER_CODE) == PayloadError.CODES


@pytest.mark.parametrize("code", sorted(ONE_REFUSAL_PER_CODE))
def test_every_refusal_reads_in_vietnamese_and_in_english(code):
    error = refused(ONE_REFUSAL_PER_CODE[code], code)
    # Every text of the message, nested ones included, has its English: no Vietnamese is left.
    assert not re.search(r"\b(trường|phải|không|được|của)\b", english(error), re.IGNORECASE)


def test_values_are_written_as_the_vietnamese_text_shows_them():
    error = refused(lambda: build_vietqr("970416", "257678859", amount=500_000_000), "amount_over_cap")
    assert str(error) == ("Số tiền 500.000.000 đồng vượt hạn mức 499.999.999 đồng mỗi giao dịch của "
                          "NAPAS 247.")
    assert "500.000.000" in english(error) and "499.999.999" in english(error)


def test_a_nested_part_of_a_message_is_translated_with_it():
    error = refused(lambda: parse_payload(payload_of(*replaced(ACB_OBJECTS, "53", None))), "missing_field")
    assert str(error) == "Thiếu trường bắt buộc 53 (mã tiền tệ)."
    assert english(error) == "The transaction currency (field 53) is missing but mandatory."
    error = refused(lambda: build_vietqr("970416", "257678859", purpose="Cảm ơn 🙏"), "bad_text")
    assert "vào trường 62.08:" in str(error) and "in field 62.08:" in english(error)
    error = refused(lambda: transliterate_for_qr("🙏", 25), "bad_text")
    assert "vào trường văn bản của mã QR:" in str(error) and "in a QR text field:" in english(error)


# --- Purity


def test_payload_modules_import_neither_flask_nor_the_database_nor_the_app():
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import sys, qr.payload, qr.payload_parse, qr.payload_read\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(loaded & {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'db', 'app', 'config', 'vendors', 'market'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
