"""Thai 13-digit identification numbers and phone numbers.

The same mod-11 check digit protects the citizen ID (เลขประจำตัวประชาชน), the juristic-person
registration number (เลขทะเบียนนิติบุคคล) and the ID numbers DOPA gives to foreigners.
"""

import re

_NOT_DIGIT = re.compile(r"[^0-9]")
_NOT_ID_CHAR = re.compile(r"[^0-9\s-]")
# People also type Thai numerals (๑๒๓); they are the same number and must be stored the same way.
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _ascii_digits(value: str) -> str:
    return (value or "").translate(_THAI_DIGITS)


def normalize_id(value: str) -> str:
    """Strip spaces and dashes as people type them (1-2345-67890-12-1); Thai numerals become 0-9."""
    return _NOT_DIGIT.sub("", _ascii_digits(value))


def id_check_digit(first12: str) -> int:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def is_valid_thai_id(value: str) -> bool:
    digits = normalize_id(value)
    if len(digits) != 13 or _NOT_ID_CHAR.search(_ascii_digits(value)):
        return False
    return id_check_digit(digits[:12]) == int(digits[12])


def id_problem(value: str) -> str | None:
    """The machine code of what is wrong with an ID number, or None when it is valid."""
    if not (value or "").strip():
        return "id_required"
    digits = normalize_id(value)
    if _NOT_ID_CHAR.search(_ascii_digits(value)) or len(digits) != 13:
        return "id_not_13_digits"
    if not is_valid_thai_id(value):
        return "id_bad_checksum"
    return None


def make_thai_id(first12: str) -> str:
    """Complete 12 digits with their check digit (used for demo and test data)."""
    return first12 + str(id_check_digit(first12))


_PHONE = re.compile(r"^0[689]\d{8}$|^0[2-7]\d{7}$")


def normalize_phone(value: str) -> str:
    """Thai numbers in national form: +66 81 234 5678 -> 0812345678."""
    digits = _NOT_DIGIT.sub("", _ascii_digits(value))
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    return digits


def is_valid_phone(value: str) -> bool:
    """Mobile numbers (06, 08, 09 + 8 digits) and landlines (02-07 + 7 digits)."""
    return bool(_PHONE.match(normalize_phone(value)))
