"""The licence or certificate as a PDF (WeasyPrint, Noto Sans Thai) with a QR code to its public page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import segno
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pracha.core.thai_dates import format_date
from pracha.portal.fonts import static_fonts

# Without PRACHA_PUBLIC_URL (the demo on one machine) the QR opens the local server; decision 0953.
DEFAULT_PUBLIC_URL = "http://localhost:8000"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def public_base_url() -> str:
    return (getattr(settings, "PRACHA_PUBLIC_URL", "") or DEFAULT_PUBLIC_URL).rstrip("/")


def verification_url(public_id: str) -> str:
    return public_base_url() + reverse("credentials:verify_id", args=[public_id])


def claim_text(value: Any, lang: str) -> str:
    """A claim value as printed: dates in the reader's era, yes/no, lists, {th, en} texts."""
    if isinstance(value, bool):
        return ("ใช่" if value else "ไม่ใช่") if lang == "th" else ("Yes" if value else "No")
    if isinstance(value, dict) and {"th", "en"} <= value.keys():
        return str(value[lang] or value["th"])
    if isinstance(value, list | tuple):
        return ", ".join(claim_text(v, lang) for v in value)
    if isinstance(value, dt.date):
        return format_date(value, lang, long=True)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return format_date(dt.date.fromisoformat(value), lang, long=True)
        except ValueError:
            return value
    return "" if value is None else str(value)


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_pdf(context: dict[str, Any]) -> bytes:
    """Render the credential page; `context` is what services.issue knows about the credential."""
    valid_from, valid_until = context["valid_from"], context["valid_until"]
    rows = [
        {
            "th": label.get("th") or key,
            "en": label.get("en") or label.get("th") or key,
            "value_th": claim_text(value, "th"),
            "value_en": claim_text(value, "en"),
        }
        for key, label, value in context["claim_rows"]
    ]
    html = render_to_string(
        "credentials/pdf/credential.html",
        {
            **context,
            "rows": rows,
            "fonts": static_fonts(),
            "qr": qr_svg(context["verification_url"]),
            "valid_from_th": format_date(valid_from, "th", long=True),
            "valid_from_en": format_date(valid_from, "en", long=True),
            "valid_until_th": format_date(valid_until, "th", long=True) if valid_until else "",
            "valid_until_en": format_date(valid_until, "en", long=True) if valid_until else "",
            "issued_th": format_date(timezone.localdate(context["issued_at"]), "th", long=True),
            "issued_en": format_date(timezone.localdate(context["issued_at"]), "en", long=True),
        },
    )
    return weasyprint.HTML(string=html).write_pdf()
