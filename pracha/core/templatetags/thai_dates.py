import datetime as dt

from django import template

from pracha.core.thai_dates import format_date

register = template.Library()


@register.filter
def thai_date(value: dt.date | dt.datetime | None) -> str:
    return format_date(value)


@register.filter
def thai_date_long(value: dt.date | dt.datetime | None) -> str:
    return format_date(value, long=True)
