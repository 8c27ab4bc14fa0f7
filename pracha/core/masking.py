"""Masking of personal data in anything written out of the system of record (logs, exports)."""

import logging
import re

from .thai_id import is_valid_phone, normalize_phone

_ID = re.compile(r"(?<!\d)(\d)[- ]?(\d{4})[- ]?(\d{5})[- ]?(\d{2})[- ]?(\d)(?!\d)")
# Any grouping people write: 081-234-5678, 08 1234 5678, 02-123-4567, +66 81 234 5678, (+66)812345678.
# Candidates are checked with is_valid_phone, so other numbers (amounts, dates) stay as they are.
_PHONE = re.compile(r"(?<![\d+])(?:\(?\+66\)?[- ]?|0)\d(?:[- ]?\d){7,8}(?!\d)")
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


def mask_name(name: str) -> str:
    """สมชาย ใจดี -> ส*** ใ***: enough for an accountant to tell payers apart, not to identify them.
    Any ID, phone or e-mail written in the name field is masked first, so none of it shows."""
    return " ".join(word[0] + "***" for word in mask_text(name).split() if word)


def mask_text(text: str) -> str:
    """Mask every ID number, phone number and e-mail address found in free text."""
    text = _ID.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE.sub(_mask_phone_match, text)
    return _EMAIL.sub(r"\1***\2", text)


def _mask_phone_match(m: re.Match) -> str:
    found = m.group(0)
    return mask_phone(normalize_phone(found)) if is_valid_phone(found) else found


_traceback_formatter = logging.Formatter()


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
        # Tracebacks and stacks are formatted apart from the message; mask them too (formatters use a
        # record's exc_text when it is already set).
        if record.exc_info and not record.exc_text:
            record.exc_text = _traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
