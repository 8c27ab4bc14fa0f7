"""What the payer is told about their payment (through notify, on every channel they can be reached on).

Texts are in this app's catalogue and rendered in both languages; notify picks the payer's."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pracha.identity.services import user_of_person
from pracha.notify.services import notify_user

from .models import Invoice, Payment

PAID_SUBJECT = _("Payment received: invoice %(number)s")
PAID_BODY = _(
    "%(agency)s received your payment of %(amount)s baht for invoice %(number)s. "
    "Your e-receipt %(receipt)s: %(url)s"
)
HELD_SUBJECT = _("Your payment for invoice %(number)s is being checked")
HELD_BODY = _(
    "We received %(amount)s baht for invoice %(number)s of %(agency)s, but it does not match the invoice "
    "(%(total)s baht, %(state)s). An officer will check it and tell you the result: %(url)s"
)
REFUND_SUBJECT = _("Your payment for invoice %(number)s will be refunded")
REFUND_BODY = _(
    "%(agency)s will refund your payment of %(amount)s baht for invoice %(number)s. Reason: %(reason)s"
)


def _link(path: str) -> str:
    return (settings.PRACHA_PUBLIC_URL or "").rstrip("/") + path


def _both(message, **params: object) -> dict[str, str]:
    out = {}
    for lang in ("th", "en"):
        with translation.override(lang):
            named = {k: (v(lang) if callable(v) else v) for k, v in params.items()}
            out[lang] = str(message) % {k: str(v) for k, v in named.items()}
    return out


def _tell(invoice: Invoice, subject, body, **params: object) -> None:
    user = user_of_person(invoice.payer_id) if invoice.payer_id else None
    if user is None:
        return
    agency = invoice.agency
    common = {
        "number": invoice.number,
        "agency": lambda lang: agency.name_en if lang == "en" and agency.name_en else agency.name_th,
        "url": _link(reverse("payments:invoice", args=[invoice.number])),
    }
    notify_user(
        user,
        subject=_both(subject, **common),
        body=_both(body, **(common | params)),
        related=invoice,
        agency=agency,
    )


def paid(invoice: Invoice) -> None:
    receipt = invoice.receipt
    _tell(
        invoice,
        PAID_SUBJECT,
        PAID_BODY,
        amount=f"{receipt.payment.amount:,.2f}",
        receipt=receipt.number,
        url=_link(reverse("payments:receipt_pdf", args=[receipt.number])),
    )


def held(payment: Payment) -> None:
    invoice = payment.invoice
    _tell(
        invoice,
        HELD_SUBJECT,
        HELD_BODY,
        amount=f"{payment.amount:,.2f}",
        total=f"{invoice.total:,.2f}",
        state=lambda lang: _in(lang, invoice.get_status_display),
    )


def refunded(payment: Payment) -> None:
    _tell(
        payment.invoice,
        REFUND_SUBJECT,
        REFUND_BODY,
        amount=f"{payment.amount:,.2f}",
        reason=payment.decision_reason,
    )


def _in(lang: str, text) -> str:
    with translation.override(lang):
        return str(text())
