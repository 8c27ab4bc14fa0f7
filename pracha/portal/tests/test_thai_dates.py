import datetime as dt
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation

from pracha.core.thai_dates import format_date


def test_buddhist_era_in_thai_and_common_era_in_english():
    moment = dt.datetime(2026, 12, 9, 9, 30, tzinfo=dt.UTC)  # 16:30 in Bangkok
    assert format_date(moment, "th") == "9 ธ.ค. 2569 16:30 น."
    assert format_date(moment, "en") == "9 Dec 2026, 16:30"
    assert format_date(dt.date(2027, 4, 13), "th", long=True) == "13 เมษายน 2570"
    assert format_date(None) == ""


def test_template_filter_follows_the_active_language():
    template = Template("{% load thai_dates %}{{ when|thai_date }}")
    when = dt.datetime(2026, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
    with translation.override("th"):
        assert template.render(Context({"when": when})) == "1 ม.ค. 2569 08:00 น."
    with translation.override("en"):
        assert template.render(Context({"when": when})) == "1 Jan 2026, 08:00"
