"""Statutory time limits in Thai working hours and working days (office 08:30-12:00, 13:00-16:30)."""

import datetime as dt
from decimal import Decimal

import pytest

from pracha.core.calendar import BANGKOK, TimeLimit, WorkingCalendar, default_calendar

HOUR = 3600


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar(office_hours="08:30-12:00,13:00-16:30")


def bkk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BANGKOK)


def limit(amount, unit: str) -> TimeLimit:
    return TimeLimit.parse({"amount": amount, "unit": unit})


# --- working hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        (bkk(2026, 11, 24, 9, 0), 2, bkk(2026, 11, 24, 11, 0)),  # within the morning
        (bkk(2026, 11, 24, 11, 0), 2, bkk(2026, 11, 24, 14, 0)),  # the lunch hour does not count
        (bkk(2026, 11, 24, 11, 0), 1, bkk(2026, 11, 24, 12, 0)),  # ends exactly at noon, not 13:00
        (bkk(2026, 11, 24, 15, 30), 3, bkk(2026, 11, 25, 10, 30)),  # over the night
        (bkk(2026, 11, 24, 15, 30), 1, bkk(2026, 11, 24, 16, 30)),  # ends at the close, not next morning
        (bkk(2026, 11, 20, 16, 0), 1, bkk(2026, 11, 23, 9, 0)),  # Friday -> Monday over the weekend
        (bkk(2026, 11, 24, 8, 30), 14, bkk(2026, 11, 25, 16, 30)),  # two full days
        (bkk(2026, 11, 24, 9, 0), 14, bkk(2026, 11, 26, 9, 0)),  # the half hour missed on day one
        (bkk(2026, 11, 24, 9, 0), 0.5, bkk(2026, 11, 24, 9, 30)),
    ],
)
def test_working_hours(cal, start, hours, deadline):
    assert cal.deadline(start, limit(hours, "working_hours")) == deadline


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (bkk(2026, 11, 24, 7, 0), bkk(2026, 11, 24, 9, 30)),  # before opening: counts from 08:30
        (bkk(2026, 11, 24, 12, 15), bkk(2026, 11, 24, 14, 0)),  # at lunch: counts from 13:00
        (bkk(2026, 11, 24, 20, 0), bkk(2026, 11, 25, 9, 30)),  # at night: from next morning
        (bkk(2026, 11, 24, 16, 30), bkk(2026, 11, 25, 9, 30)),  # at the close: nothing left today
        (bkk(2026, 11, 21, 10, 0), bkk(2026, 11, 23, 9, 30)),  # on Saturday: from Monday
        (bkk(2026, 12, 5, 10, 0), bkk(2026, 12, 8, 9, 30)),  # Sat holiday, Mon in lieu: from Tuesday
    ],
)
def test_one_working_hour_from_outside_office_hours(cal, start, deadline):
    assert cal.deadline(start, limit(1, "working_hours")) == deadline


def test_a_moment_given_in_utc_is_the_same_moment(cal):
    start_utc = dt.datetime(2026, 11, 24, 4, 0, tzinfo=dt.UTC)  # 11:00 in Bangkok
    assert cal.deadline(start_utc, limit(2, "working_hours")) == bkk(2026, 11, 24, 14, 0)


# --- working days ---------------------------------------------------------------------------------


def test_two_working_days_from_the_friday_before_a_holiday_weekend(cal):
    # Sat 5 Dec 2026 is a holiday, Mon 7 Dec its day in lieu; Friday itself is the day of receipt.
    assert not cal.is_working_day(dt.date(2026, 12, 7))
    deadline = cal.deadline(bkk(2026, 12, 4, 14, 0), limit(2, "working_days"))
    assert deadline == bkk(2026, 12, 9, 16, 30)
    assert deadline.tzinfo is not None and deadline.utcoffset() == dt.timedelta(hours=7)


def test_three_working_days_from_that_friday_skip_constitution_day(cal):
    # Tue 8, Wed 9, (Thu 10 is Constitution Day), Fri 11.
    assert cal.deadline(bkk(2026, 12, 4, 9, 0), limit(3, "working_days")) == bkk(2026, 12, 11, 16, 30)


@pytest.mark.parametrize(
    "received", [bkk(2026, 11, 24, 8, 0), bkk(2026, 11, 24, 10, 0), bkk(2026, 11, 24, 23, 59)]
)
def test_the_day_of_receipt_is_not_counted_whatever_the_hour(cal, received):
    assert cal.deadline(received, limit(1, "working_days")) == bkk(2026, 11, 25, 16, 30)


def test_working_days_received_on_a_weekend_count_from_monday(cal):
    assert cal.deadline(bkk(2026, 11, 21, 10, 0), limit(1, "working_days")) == bkk(2026, 11, 23, 16, 30)


def test_songkran_2026(cal):
    for day in (13, 14, 15):
        assert not cal.is_working_day(dt.date(2026, 4, day))
        assert "Songkran" in cal.holiday_name(dt.date(2026, 4, day))
    # Received Friday 10 April: Sat, Sun, then Songkran Mon-Wed; the first working day is Thu 16.
    assert cal.next_working_day(dt.date(2026, 4, 10)) == dt.date(2026, 4, 16)
    assert cal.deadline(bkk(2026, 4, 10, 10, 0), limit(1, "working_days")) == bkk(2026, 4, 16, 16, 30)
    assert cal.deadline(bkk(2026, 4, 10, 16, 0), limit(1, "working_hours")) == bkk(2026, 4, 16, 9, 0)


def test_eight_and_a_half_working_days(cal):
    # Received Mon 2 Nov 2026 (no holidays in November): Tue 3 .. Thu 12 are the eight full days,
    # the half day is Friday 13's morning (3.5 of its 7 office hours).
    deadline = cal.deadline(bkk(2026, 11, 2, 10, 0), limit(Decimal("8.5"), "working_days"))
    assert deadline == bkk(2026, 11, 13, 12, 0)


def test_an_agency_holiday_is_not_a_working_day():
    extra = WorkingCalendar(extra_holidays=(dt.date(2026, 11, 25),))
    assert extra.holiday_name(dt.date(2026, 11, 25)) == "agency holiday"
    assert extra.deadline(bkk(2026, 11, 24, 10, 0), limit(1, "working_days")) == bkk(2026, 11, 26, 16, 30)


def test_other_office_hours():
    short = WorkingCalendar(office_hours="09:00-15:00")
    assert short.seconds_per_day == 6 * HOUR
    assert short.deadline(bkk(2026, 11, 24, 14, 0), limit(2, "working_hours")) == bkk(2026, 11, 25, 10, 0)
    with pytest.raises(ValueError):
        WorkingCalendar(office_hours="16:30-08:30")


def test_the_default_calendar_uses_the_settings_office_hours(settings):
    default_calendar.cache_clear()
    settings.PRACHA_OFFICE_HOURS = "08:00-16:00"
    try:
        assert default_calendar().seconds_per_day == 8 * HOUR
    finally:
        default_calendar.cache_clear()


# --- plain hours and days -------------------------------------------------------------------------


def test_plain_hours_and_days_ignore_office_hours_and_holidays(cal):
    start = bkk(2026, 12, 4, 14, 0)
    assert cal.deadline(start, limit(36, "hours")) == bkk(2026, 12, 6, 2, 0)
    assert cal.deadline(start, limit(3, "days")) == bkk(2026, 12, 7, 14, 0)
    assert cal.deadline(start, limit(2, "hours")) == bkk(2026, 12, 4, 16, 0)
    assert cal.deadline(start, limit(Decimal("1.5"), "days")) == bkk(2026, 12, 6, 2, 0)


# --- time between two moments ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (bkk(2026, 11, 24, 11, 0), bkk(2026, 11, 24, 14, 0), 2),  # lunch excluded
        (bkk(2026, 11, 20, 16, 0), bkk(2026, 11, 23, 9, 0), 1),  # weekend excluded
        (bkk(2026, 12, 4, 16, 0), bkk(2026, 12, 8, 9, 0), 1),  # holiday + day in lieu excluded
        (bkk(2026, 11, 24, 17, 0), bkk(2026, 11, 25, 8, 0), 0),  # only night between
        (bkk(2026, 11, 24, 9, 0), bkk(2026, 11, 24, 9, 0), 0),
        (bkk(2026, 11, 23, 8, 30), bkk(2026, 11, 28, 8, 30), 35),  # a whole working week
    ],
)
def test_working_seconds_between_both_ways(cal, start, end, hours):
    assert cal.working_seconds_between(start, end) == hours * HOUR
    assert cal.working_seconds_between(end, start) == -hours * HOUR


@pytest.mark.parametrize("hours", [0.25, 1, 3.5, 4, 7, 20, 61])
def test_adding_working_time_and_measuring_it_agree(cal, hours):
    start = bkk(2026, 12, 3, 10, 15)
    end = cal.add_working_seconds(start, hours * HOUR)
    assert cal.working_seconds_between(start, end) == hours * HOUR


# --- time limits as data --------------------------------------------------------------------------


def test_time_limit_round_trip():
    parsed = limit(8.5, "working_days")
    assert parsed == TimeLimit(Decimal("8.5"), "working_days")
    assert TimeLimit.parse(parsed.as_dict()) == parsed


@pytest.mark.parametrize(
    "data",
    [
        {"amount": 2, "unit": "weeks"},
        {"amount": 0, "unit": "hours"},
        {"amount": -1, "unit": "working_days"},
        {"amount": "two", "unit": "hours"},
        {"amount": "Infinity", "unit": "working_hours"},
        {"amount": "NaN", "unit": "days"},
        {"unit": "hours"},
        {"amount": 2},
    ],
)
def test_bad_time_limits_are_a_value_error(data):
    with pytest.raises(ValueError):
        TimeLimit.parse(data)
