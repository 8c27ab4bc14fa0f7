"""Thailand's working calendar: statutory time limits counted in working hours or working days.

Public and government holidays come from the maintained `holidays` package (substitution days
included); office hours come from settings.PRACHA_OFFICE_HOURS. The day a request is received is not
counted, as in Thai administrative practice: "2 working days" from a Friday afternoon ends at the
close of office on the second working day after that Friday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

Unit = Literal["hours", "days", "working_hours", "working_days"]
UNITS: tuple[Unit, ...] = ("hours", "days", "working_hours", "working_days")
BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass(frozen=True)
class TimeLimit:
    amount: Decimal
    unit: Unit

    @classmethod
    def parse(cls, data: dict) -> TimeLimit:
        unit = data.get("unit")
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}")
        try:
            amount = Decimal(str(data.get("amount")))
        except ArithmeticError:  # decimal.InvalidOperation is not a ValueError
            raise ValueError("amount must be a number") from None
        # Infinity would make the deadline search run for ever; NaN compares with nothing.
        if not amount.is_finite() or amount <= 0:
            raise ValueError("amount must be a positive number")
        return cls(amount, unit)

    def as_dict(self) -> dict:
        return {"amount": float(self.amount), "unit": self.unit}


def _parse_office_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    periods = []
    for part in spec.split(","):
        start, end = (dt.time.fromisoformat(t.strip()) for t in part.split("-"))
        if end <= start:
            raise ValueError(f"office period {part!r} ends before it starts")
        periods.append((start, end))
    return tuple(sorted(periods))


class WorkingCalendar:
    def __init__(
        self,
        office_hours: str = "08:30-12:00,13:00-16:30",
        holiday_categories: tuple[str, ...] = ("public", "government"),
        extra_holidays: tuple[dt.date, ...] = (),
    ) -> None:
        self.periods = _parse_office_hours(office_hours)
        self.seconds_per_day = sum(
            (dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s)).total_seconds()
            for s, e in self.periods
        )
        self._holidays = holidays.country_holidays("TH", categories=holiday_categories)
        self._extra = frozenset(extra_holidays)
        # A look-up in `holidays` costs microseconds; queues ask about the same days again and again.
        self._working: dict[dt.date, bool] = {}

    def holiday_name(self, day: dt.date) -> str | None:
        if day in self._extra:
            return "agency holiday"
        return self._holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = day.weekday() < 5 and day not in self._holidays and day not in self._extra
            self._working[day] = known
        return known

    def next_working_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def _office_periods(self, start: dt.datetime):
        """Yield (period_start, period_end) in Bangkok time from the one containing `start` on."""
        day = start.date()
        while True:
            if self.is_working_day(day):
                for s, e in self.periods:
                    ps = dt.datetime.combine(day, s, BANGKOK)
                    pe = dt.datetime.combine(day, e, BANGKOK)
                    if pe > start:
                        yield max(ps, start), pe
            day += dt.timedelta(days=1)

    def add_working_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        start = start.astimezone(BANGKOK)
        remaining = seconds
        for ps, pe in self._office_periods(start):
            span = (pe - ps).total_seconds()
            if remaining <= span:
                return ps + dt.timedelta(seconds=remaining)
            remaining -= span
        raise AssertionError("unreachable")

    def deadline(self, start: dt.datetime, limit: TimeLimit) -> dt.datetime:
        """The moment a time limit that starts at `start` runs out (an aware datetime)."""
        amount = float(limit.amount)
        if limit.unit == "hours":
            return start + dt.timedelta(hours=amount)
        if limit.unit == "days":
            return start + dt.timedelta(days=amount)
        if limit.unit == "working_hours":
            return self.add_working_seconds(start, amount * 3600)
        # working days: counting starts with the first working day after the day of receipt.
        first = self.next_working_day(start.astimezone(BANGKOK).date())
        opening = dt.datetime.combine(first, self.periods[0][0], BANGKOK)
        return self.add_working_seconds(opening, amount * self.seconds_per_day)

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Office time between two moments; negative when `end` is before `start`."""
        if end < start:
            return -self.working_seconds_between(end, start)
        start, end = start.astimezone(BANGKOK), end.astimezone(BANGKOK)
        first, last = start.date(), end.date()
        if first == last:
            return self._office_seconds(first, start, end)
        total = self._office_seconds(first, start, end) + self._office_seconds(last, start, end)
        # Whole days in between count a full office day each, without building their periods
        # (an overdue case in a queue may be months past its deadline).
        day = first + dt.timedelta(days=1)
        while day < last:
            if self.is_working_day(day):
                total += self.seconds_per_day
            day += dt.timedelta(days=1)
        return total

    def _office_seconds(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> float:
        """Office time on `day` that falls between `start` and `end`."""
        if not self.is_working_day(day):
            return 0.0
        total = 0.0
        for s, e in self.periods:
            lo = max(dt.datetime.combine(day, s, BANGKOK), start)
            hi = min(dt.datetime.combine(day, e, BANGKOK), end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    return WorkingCalendar(office_hours=settings.PRACHA_OFFICE_HOURS)
