"""Thai 13-digit ID numbers (mod-11 check digit) and phone numbers."""

import pytest

from pracha.core.thai_id import (
    id_check_digit,
    id_problem,
    is_valid_phone,
    is_valid_thai_id,
    make_thai_id,
    normalize_id,
    normalize_phone,
)

# Check digits worked out by hand: sum of digit x weight (13 down to 2), then (11 - sum % 11) % 10.
VALID = [
    # 1*13+1*12+0*11+3*10+7*9+0*8+2*7+3*6+4*5+5*4+6*3+7*2 = 222; 222 % 11 = 2; 11 - 2 = 9
    "1103702345679",
    # 3*13+1*12+0+1*10+0+0+1*7+2*6+3*5+4*4+5*3+6*2 = 138; 138 % 11 = 6; 11 - 6 = 5
    "3101001234565",
    # 1*13+5*2 = 23; 23 % 11 = 1; 11 - 1 = 10 -> 0 (the "% 10" case)
    "1000000000050",
    # 1*13+2*12+...+1*3+2*2 = 352; 352 % 11 = 0; 11 - 0 = 11 -> 1
    "1234567890121",
]


@pytest.mark.parametrize("number", VALID)
def test_valid_ids_pass_and_have_no_problem(number):
    assert is_valid_thai_id(number)
    assert id_problem(number) is None
    assert id_check_digit(number[:12]) == int(number[12])
    assert make_thai_id(number[:12]) == number


@pytest.mark.parametrize("number", VALID)
def test_every_other_check_digit_is_refused(number):
    for digit in "0123456789":
        if digit != number[12]:
            wrong = number[:12] + digit
            assert not is_valid_thai_id(wrong)
            assert id_problem(wrong) == "id_bad_checksum"


@pytest.mark.parametrize(
    "typed",
    ["1-1037-02345-67-9", "1 1037 02345 67 9", " 1103702345679 ", "1-1037 02345-67 9", "๑๑๐๓๗๐๒๓๔๕๖๗๙"],
)
def test_dashes_spaces_and_thai_numerals_are_how_people_type_them(typed):
    assert is_valid_thai_id(typed)
    assert id_problem(typed) is None
    assert normalize_id(typed) == "1103702345679"


@pytest.mark.parametrize(
    "number",
    [
        "110370234567",  # 12 digits
        "11037023456790",  # 14 digits
        "1-1037-02345-67",  # 12 digits with dashes
        "1 1037 02345 67 9 0",  # 14 digits with spaces
    ],
)
def test_twelve_or_fourteen_digits_are_not_an_id(number):
    assert not is_valid_thai_id(number)
    assert id_problem(number) == "id_not_13_digits"


@pytest.mark.parametrize(
    "number",
    [
        "11037O2345679",  # letter O for a zero
        "1103702345679a",
        "ID 1103702345679",
        "1.1037.02345.67.9",  # dots are not how IDs are written
        "+1103702345679",
        "١١٠٣٧٠٢٣٤٥٦٧٩",  # Arabic-Indic digits are not Thai numerals
    ],
)
def test_letters_and_other_characters_are_refused(number):
    assert not is_valid_thai_id(number)
    assert id_problem(number) == "id_not_13_digits"


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_missing_id_is_required(blank):
    assert id_problem(blank) == "id_required"
    assert not is_valid_thai_id(blank)


def test_a_phone_number_is_not_an_id():
    assert id_problem("0812345678") == "id_not_13_digits"
    assert not is_valid_thai_id("+66 81 234 5678")


@pytest.mark.parametrize(
    ("typed", "national"),
    [
        ("0812345678", "0812345678"),
        ("081-234-5678", "0812345678"),
        ("08 1234 5678", "0812345678"),
        ("+66 81 234 5678", "0812345678"),
        ("+66812345678", "0812345678"),
        ("66812345678", "0812345678"),
        ("(+66) 2 123 4567", "021234567"),
        ("02-123-4567", "021234567"),
        ("053-123-456", "053123456"),
        ("๐๘๑๒๓๔๕๖๗๘", "0812345678"),
    ],
)
def test_phone_numbers_in_every_usual_form_are_valid_and_normalised(typed, national):
    assert normalize_phone(typed) == national
    assert is_valid_phone(typed)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "081234567",  # mobile one digit short
        "08123456789",  # mobile one digit long
        "0212345678",  # landline one digit long
        "02123456",  # landline one digit short
        "0112345678",  # no Thai numbers start 01
        "1812345678",  # no leading zero
        "+1 212 555 0100",  # not Thai
        "1103702345679",  # an ID number
    ],
)
def test_numbers_that_are_not_thai_phones_are_refused(number):
    assert not is_valid_phone(number)
