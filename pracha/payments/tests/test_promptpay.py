"""The Thai QR payload against hand-written vectors, with the CRC computed here bit by bit."""

from decimal import Decimal

import pytest

from pracha.payments import promptpay


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE written out from its definition (poly 0x1021, init 0xFFFF, no reflection)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_the_crc_is_ccitt_false():
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue's check value
    assert promptpay.crc16("123456789") == "29B1"


BILL = promptpay.BillPayment(
    biller_id="099400015880700",
    ref1="691234567897",
    ref2="MOCDIT",
    amount=Decimal("500.00"),
    merchant_name="DIT",
    merchant_city="BANGKOK",
)
# Every field spelled out by hand from the EMVCo and Thai QR Bill Payment specifications.
EXPECTED_BODY = (
    "000201"  # payload format indicator 01
    "010212"  # dynamic QR
    "3065"  # merchant account, PromptPay Bill Payment, 65 characters (20 + 19 + 16 + 10):
    "0016A000000677010112"  # AID
    "0115099400015880700"  # biller ID
    "0212691234567897"  # ref1 = invoice number
    "0306MOCDIT"  # ref2 = agency
    "5303764"  # THB
    "5406500.00"  # amount
    "5802TH"
    "5903DIT"
    "6007BANGKOK"
    "62160512691234567897"  # additional data: reference label
    "6304"
)


def test_bill_payment_payload_matches_the_hand_written_vector():
    payload = promptpay.payload(BILL)
    assert payload[:-4] == EXPECTED_BODY
    assert payload[-4:] == f"{crc16_ccitt_false(EXPECTED_BODY.encode()):04X}"


def test_a_promptpay_transfer_payload_parses():
    # A PromptPay credit transfer (tag 29) to phone 0812345678 for 1.00 baht, written by hand:
    body = "00020101021229370016A000000677010111011300668123456785802TH530376454041.006304"
    assert promptpay.crc16(body) == f"{crc16_ccitt_false(body.encode()):04X}"
    fields = promptpay.parse(body + promptpay.crc16(body))
    assert fields["29"] == {"00": "A000000677010111", "01": "0066812345678"}
    assert fields["54"] == "1.00"


def test_parse_reads_back_our_payload_and_refuses_a_changed_one():
    payload = promptpay.payload(BILL)
    fields = promptpay.parse(payload)
    assert fields["30"] == {
        "00": promptpay.BILL_PAYMENT_AID,
        "01": "099400015880700",
        "02": "691234567897",
        "03": "MOCDIT",
    }
    assert fields["54"] == "500.00" and fields["53"] == "764" and fields["58"] == "TH"
    assert fields["62"] == {"05": "691234567897"}
    tampered = payload.replace("500.00", "600.00")
    with pytest.raises(ValueError, match="CRC"):
        promptpay.parse(tampered)


@pytest.mark.parametrize(
    "change",
    [
        {"biller_id": "12345"},
        {"ref1": "abc-1"},
        {"ref1": "1" * 21},
        {"amount": Decimal("0")},
        {"amount": Decimal("1.005")},
    ],
)
def test_bad_fields_are_refused(change):
    from dataclasses import asdict

    with pytest.raises(ValueError):
        promptpay.BillPayment(**(asdict(BILL) | change))


def test_merchant_names_are_latin_and_cut_to_the_limit():
    assert (
        promptpay.latin("Département des Échanges Intérieurs du Commerce", 25) == "Departement des Echanges"
    )
    assert promptpay.latin("กรมการค้าภายใน", 25) == ""
