"""Dates as Thai readers expect them: Buddhist era (B.E. = C.E. + 543) with Thai month names."""

import datetime as dt

from django.utils import timezone, translation

THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip


def format_date(value: dt.date | dt.datetime | None, lang: str | None = None, long: bool = False) -> str:
    """9 ธ.ค. 2569 16:30 in Thai; 9 Dec 2026, 16:30 in English. Datetimes are shown in Bangkok time."""
    if value is None:
        return ""
    lang = lang or translation.get_language() or "th"
    with_time = isinstance(value, dt.datetime)
    if with_time and timezone.is_aware(value):
        value = timezone.localtime(value)
    if lang == "th":
        months = THAI_MONTHS if long else THAI_MONTHS_SHORT
        text = f"{value.day} {months[value.month - 1]} {value.year + 543}"
        return f"{text} {value:%H:%M} น." if with_time else text
    text = f"{value.day} {value:%B}" if long else f"{value.day} {value:%b}"
    text = f"{text} {value.year}"
    return f"{text}, {value:%H:%M}" if with_time else text
