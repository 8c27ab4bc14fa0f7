"""Thai QR payment: the EMVCo merchant-presented QR payload of a PromptPay Bill Payment.

The payload is a list of TLV fields (two-digit tag, two-digit length, value) in tag order:

    00 "01"                payload format indicator
    01 "12"                point of initiation: dynamic (one amount, one invoice)
    30 merchant account    PromptPay Bill Payment: 00 AID A000000677010112, 01 biller ID (tax ID +
                           2-digit suffix, 15 digits), 02 ref1 (invoice number), 03 ref2 (agency)
    53 "764"               currency: Thai baht (ISO 4217)
    54 "100.00"            amount
    58 "TH"                country
    59 merchant name       (at most 25 characters, Latin letters as banks' apps expect)
    60 merchant city       (at most 15)
    62 additional data     05 reference label (the invoice number)
    63 CRC                 CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of everything before it,
                           including "6304", as four upper-case hex digits

See docs/decisions/0900-promptpay-bill-payment-qr.md for why Bill Payment (tag 30) and not a plain
PromptPay transfer (tag 29).
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

BILL_PAYMENT_AID = "A000000677010112"
CREDIT_TRANSFER_AID = "A000000677010111"
THB = "764"
_REF = re.compile(r"^[0-9A-Z]{1,20}$")
_BILLER = re.compile(r"^\d{15}$")


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE as EMVCo asks: binascii's CRC-CCITT (XMODEM polynomial) started at 0xFFFF."""
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def latin(text: str, limit: int) -> str:
    """Banks' apps show names in Latin letters: drop accents and anything outside printable ASCII."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^ -~]", "", plain).strip()
    return re.sub(r"\s+", " ", plain)[:limit].strip()


@dataclass(frozen=True)
class BillPayment:
    biller_id: str  # 15 digits: the agency's 13-digit tax ID and a 2-digit suffix
    ref1: str  # the invoice number
    ref2: str  # the agency, for a biller ID shared by several agencies
    amount: Decimal
    merchant_name: str
    merchant_city: str

    def __post_init__(self) -> None:
        if not _BILLER.match(self.biller_id):
            raise ValueError(f"biller ID must be 15 digits, not {self.biller_id!r}")
        for name in ("ref1", "ref2"):
            if not _REF.match(getattr(self, name)):
                raise ValueError(f"{name} must be 1-20 upper-case letters or digits")
        if self.amount <= 0 or self.amount != self.amount.quantize(Decimal("0.01")):
            raise ValueError("the amount must be positive, in baht and satang")


def payload(bill: BillPayment) -> str:
    account = tlv("00", BILL_PAYMENT_AID) + tlv("01", bill.biller_id) + tlv("02", bill.ref1)
    account += tlv("03", bill.ref2)
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("30", account)
        + tlv("53", THB)
        + tlv("54", f"{bill.amount:.2f}")
        + tlv("58", "TH")
        + tlv("59", latin(bill.merchant_name, 25) or "PRACHA")
        + tlv("60", latin(bill.merchant_city, 15) or "BANGKOK")
        + tlv("62", tlv("05", bill.ref1))
        + "6304"
    )
    return body + crc16(body)


def parse(text: str) -> dict[str, str | dict[str, str]]:
    """Split a payload into its fields (templates 26-51 and 62 into their sub-fields); check the CRC."""
    if len(text) < 8 or text[-8:-4] != "6304" or crc16(text[:-4]) != text[-4:].upper():
        raise ValueError("the payload's CRC does not match")
    return _fields(text[:-8]) | {"63": text[-4:]}


def _fields(text: str) -> dict[str, str | dict[str, str]]:
    fields: dict[str, str | dict[str, str]] = {}
    i = 0
    while i < len(text):
        tag, length = text[i : i + 2], int(text[i + 2 : i + 4])
        value = text[i + 4 : i + 4 + length]
        if len(value) != length:
            raise ValueError(f"field {tag} is cut short")
        fields[tag] = _fields(value) if 26 <= int(tag) <= 51 or tag == "62" else value
        i += 4 + length
    return fields
