"""E-receipts as PDF: Thai fonts, the amount in figures and in Thai words, Buddhist-era dates."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from pythainlp.util import bahttext

from pracha.core.errors import PrachaError
from pracha.core.thai_dates import format_date
from pracha.identity.models import User
from pracha.portal.fonts import static_fonts

from . import services
from .models import Receipt


def receipt_for(user: User, number: str) -> Receipt:
    """The receipt, for its payer or an officer who sees the agency; anyone else gets "not found"."""
    receipt = (
        Receipt.objects.select_related("invoice", "invoice__agency", "payment").filter(number=number).first()
    )
    if receipt is None or not services.may_view_invoice(user, receipt.invoice):
        raise PrachaError("receipt_not_found", status=404, number=number)
    return receipt


def amount_in_words(amount) -> str:
    """หนึ่งร้อยบาทถ้วน: the amount as Thai receipts write it (pythainlp's bahttext)."""
    return bahttext(float(amount))


def render_pdf(receipt: Receipt) -> bytes:
    from weasyprint import HTML  # imported here: loading it costs ~0.5 s, and few requests need it

    invoice = receipt.invoice
    with translation.override("th"):
        html = render_to_string(
            "payments/receipt_pdf.html",
            {
                "receipt": receipt,
                "invoice": invoice,
                "items": list(invoice.items.all()),
                "agency": invoice.agency,
                "payment": receipt.payment,
                "issued_th": format_date(receipt.issued_at, "th", long=True),
                "paid_th": format_date(receipt.payment.paid_at, "th", long=True),
                "issued_en": format_date(receipt.issued_at, "en", long=True),
                "words": amount_in_words(invoice.total),
                "fonts": static_fonts(),
            },
        )
    return HTML(string=html).write_pdf()
