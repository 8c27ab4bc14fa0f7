"""Deadlines, alert moments and time left, all on the Thai working calendar (pracha.core.calendar)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pracha.core.calendar import BANGKOK, TimeLimit, WorkingCalendar, default_calendar

Status = Literal["ok", "warn", "over", "none"]
_MAX_DAYS_BACK = 3660  # a definition's alert_before is checked shorter than its limit; this is a guard


def deadline(start: dt.datetime, limit: TimeLimit | None) -> dt.datetime | None:
    return default_calendar().deadline(start, limit) if limit else None


def subtract_working_seconds(cal: WorkingCalendar, end: dt.datetime, seconds: float) -> dt.datetime:
    """The moment that leaves `seconds` of office time before `end` (the calendar only adds)."""
    end = end.astimezone(BANGKOK)
    remaining = seconds
    day = end.date()
    for _ in range(_MAX_DAYS_BACK):
        if cal.is_working_day(day):
            for s, e in reversed(cal.periods):
                ps = dt.datetime.combine(day, s, BANGKOK)
                pe = min(dt.datetime.combine(day, e, BANGKOK), end)
                if pe <= ps:
                    continue
                span = (pe - ps).total_seconds()
                # Strictly less: a limit that uses up a whole period ends at the close of the one
                # before (Friday 16:30 rather than Monday 08:30), so the warning comes in time.
                if remaining < span:
                    return pe - dt.timedelta(seconds=remaining)
                remaining -= span
        day -= dt.timedelta(days=1)
    raise ValueError("alert_before reaches back more than ten years")


def alert_moment(due: dt.datetime | None, before: TimeLimit | None) -> dt.datetime | None:
    """When to warn that `due` is near: `before` ahead of it, counted in the limit's own unit."""
    if due is None or before is None:
        return None
    amount = float(before.amount)
    if before.unit == "hours":
        return due - dt.timedelta(hours=amount)
    if before.unit == "days":
        return due - dt.timedelta(days=amount)
    cal = default_calendar()
    seconds = amount * 3600 if before.unit == "working_hours" else amount * cal.seconds_per_day
    return subtract_working_seconds(cal, due, seconds)


def extend(
    due: dt.datetime, limit: TimeLimit, paused_from: dt.datetime, paused_to: dt.datetime
) -> dt.datetime:
    """Push a deadline back by a pause, measured the way the limit is counted."""
    if limit.unit in ("hours", "days"):
        return due + (paused_to - paused_from)
    cal = default_calendar()
    paused = cal.working_seconds_between(paused_from, paused_to)
    # Nothing to add when the pause fell outside office hours (add_working_seconds(due, 0) would
    # still move a deadline that is outside office hours to the next opening).
    return cal.add_working_seconds(due, paused) if paused > 0 else due


@dataclass(frozen=True)
class TimeLeft:
    """Office time until a deadline (negative once it has passed) and the badge it earns."""

    due: dt.datetime | None
    working_seconds: float
    status: Status

    @property
    def working_hours(self) -> float:
        return round(self.working_seconds / 3600, 1)

    @property
    def abs_working_hours(self) -> float:
        return abs(self.working_hours)


def time_left(due: dt.datetime | None, alert_at: dt.datetime | None, now: dt.datetime) -> TimeLeft:
    if due is None:
        return TimeLeft(None, 0.0, "none")
    cal = default_calendar()
    seconds = cal.working_seconds_between(now, due)
    if due <= now:
        status: Status = "over"
    elif (alert_at is not None and alert_at <= now) or seconds < cal.seconds_per_day:
        status = "warn"  # the alert moment has come, or less than one working day is left
    else:
        status = "ok"
    return TimeLeft(due, seconds, status)
