"""Personal data never leaves the system of record unmasked: IDs, phones, e-mails, log lines."""

import io
import logging

import pytest
from django.conf import settings

from pracha.core.masking import MaskingFilter, mask_id, mask_name, mask_phone, mask_text

ID = "1103702345679"


def test_mask_id_keeps_the_first_five_and_the_last_digit():
    assert mask_id(ID) == "1-1037-XXXXX-XX-9"
    assert mask_id("1-1037-02345-67-9") == "1-1037-XXXXX-XX-9"
    assert mask_id("12345") == "XXXXX"  # not an ID: nothing of it shown


def test_mask_phone_keeps_three_leading_and_two_trailing_digits():
    assert mask_phone("0812345678") == "081XXXXX78"
    assert mask_phone("021234567") == "021XXXX67"
    assert mask_phone("1234") == "XXXX"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("สมชาย ใจดี", "ส*** ใ***"),
        ("  นาง  สมศรี   มีสุข ", "น*** ส*** ม***"),
        ("John Smith", "J*** S***"),
        ("", ""),
        # Whatever was typed into the name field: the ID is masked before its first digit is kept.
        (f"บริษัท {ID}", "บ*** 1***"),
    ],
)
def test_mask_name_keeps_the_first_letter_of_each_word(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"ผู้ร้องเลขประจำตัว {ID} แจ้งว่าถนนชำรุด", "ผู้ร้องเลขประจำตัว 1-1037-XXXXX-XX-9 แจ้งว่าถนนชำรุด"),
        ("เลขบัตร1-1037-02345-67-9โทร0812345678", "เลขบัตร1-1037-XXXXX-XX-9โทร081XXXXX78"),
        ("เลขบัตร 1 1037 02345 67 9 ครับ", "เลขบัตร 1-1037-XXXXX-XX-9 ครับ"),
        ("ติดต่อกลับที่ 081-234-5678 ด่วน", "ติดต่อกลับที่ 081XXXXX78 ด่วน"),
        ("โทร 08 1234 5678 หรือ 02-123-4567", "โทร 081XXXXX78 หรือ 021XXXX67"),
        ("โทร.053 123 456", "โทร.053XXXX56"),
        ("เบอร์ +66 81 234 5678 และ +66812345678", "เบอร์ 081XXXXX78 และ 081XXXXX78"),
        ("อีเมล somchai.j@example.go.th ครับ", "อีเมล s***@example.go.th ครับ"),
        ("ส่งถึงsomchai@example.com", "ส่งถึงs***@example.com"),
    ],
)
def test_ids_phones_and_emails_are_masked_inside_thai_text(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "เรื่องเลขที่ 2569/00123 วันที่ 24/11/2569 เวลา 14:30 น.",
        "ค่าธรรมเนียม 1,500 บาท งบประมาณ 250000000 บาท",
        "รหัสไปรษณีย์ 10200 รหัสหน่วยงาน 0123456789",  # starts 01: not a Thai phone
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


def _logger_into(stream: io.StringIO) -> logging.Logger:
    logger = logging.getLogger(f"pracha.tests.masking.{id(stream)}")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def test_the_logging_filter_masks_messages_and_their_arguments():
    out = io.StringIO()
    log = _logger_into(out)
    log.warning("citizen %s called from %s", ID, "081-234-5678")
    log.info("mail to %(to)s", {"to": "somchai@example.com"})
    log.warning("nothing personal: job %s failed", 42)
    lines = out.getvalue().splitlines()
    assert lines == [
        "WARNING citizen 1-1037-XXXXX-XX-9 called from 081XXXXX78",
        "INFO mail to s***@example.com",
        "WARNING nothing personal: job 42 failed",
    ]


def test_the_logging_filter_masks_tracebacks():
    out = io.StringIO()
    log = _logger_into(out)
    try:
        raise ValueError(f"no person with ID {ID} (phone 0812345678)")
    except ValueError:
        log.exception("lookup failed")
    text = out.getvalue()
    assert "ValueError: no person with ID 1-1037-XXXXX-XX-9 (phone 081XXXXX78)" in text
    assert ID not in text and "0812345678" not in text


def test_the_logging_filter_lets_a_record_with_a_broken_format_string_through():
    record = logging.makeLogRecord({"msg": "two placeholders %s %s", "args": ("only one",)})
    assert MaskingFilter().filter(record)  # kept for the handler to report, not an exception here
    assert record.msg == "two placeholders %s %s"


def test_the_console_log_of_the_platform_uses_the_filter():
    console = settings.LOGGING["handlers"]["console"]
    assert "mask_personal_data" in console["filters"]
    assert settings.LOGGING["filters"]["mask_personal_data"]["()"] == "pracha.core.masking.MaskingFilter"
