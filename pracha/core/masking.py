"""Masking of personal data in anything written out of the system of record (logs, exports)."""

import logging
import re

_ID = re.compile(r"(?<!\d)(\d)[- ]?(\d{4})[- ]?(\d{5})[- ]?(\d{2})[- ]?(\d)(?!\d)")
_PHONE = re.compile(r"(?<!\d)(0[2-9])[- ]?(\d{3,4})[- ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_id(value: str) -> str:
    """1234567890121 -> 1-2345-XXXXX-XX-1: the first five and the last digit stay, as on Thai receipts."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 13:
        return "X" * len(digits)
    return f"{digits[0]}-{digits[1:5]}-XXXXX-XX-{digits[12]}"


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[:3] + "X" * max(len(digits) - 5, 0) + digits[-2:] if len(digits) > 5 else "X" * len(digits)


def mask_text(text: str) -> str:
    """Mask every ID number, phone number and e-mail address found in free text."""
    text = _ID.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE.sub(lambda m: m.group(1) + "X" * (len(m.group(2)) + 2) + m.group(3)[-2:], text)
    return _EMAIL.sub(r"\1***\2", text)


class MaskingFilter(logging.Filter):
    """Logging filter: personal data never reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
