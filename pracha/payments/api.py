"""Payments API (/api/payments): the gateway's callback, an invoice's status for its payer, and the
daily reconciliation for officers. Every 4xx answer has the platform's one error format."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.security import django_auth
from pydantic import Field

from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError
from pracha.core.throttling import AnonThrottle
from pracha.identity import services as identity
from pracha.settings import PRACHA_PAYMENT_CALLBACK_RATE_PER_MINUTE

from . import gateway, reconciliation, services

router = Router(auth=django_auth)


class CallbackOut(Schema):
    result: str = Field(description="applied, held or duplicate (paid twice: to be refunded)")
    transaction_id: str
    invoice: str | None
    invoice_status: str | None
    amount: str
    hold_reason: str | None
    receipt: str | None


@router.post(
    "/callback",
    auth=None,
    # The gateway calls from a few addresses, much more often than a person: its own, higher limit.
    throttle=[AnonThrottle(f"{PRACHA_PAYMENT_CALLBACK_RATE_PER_MINUTE}/m")],
    response={200: CallbackOut},
    summary="Payment confirmation from the gateway (HMAC-SHA256 signed, idempotent)",
    description=(gateway.__doc__ or "").strip(),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": gateway.CallbackBody.model_json_schema()}},
        }
    },
)
def callback(request: HttpRequest):
    answer = gateway.receive_callback(
        request.body,
        signature=request.headers.get(gateway.SIGNATURE_HEADER, ""),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    response = JsonResponse(answer.body, status=answer.status_code)
    response["Idempotent-Replayed"] = "true" if answer.replayed else "false"
    return response


class ItemOut(Schema):
    code: str
    label: dict[str, str]
    amount: Decimal


class InvoiceOut(Schema):
    number: str
    status: str
    agency: str
    payer_name: str
    total: Decimal
    currency: str
    items: list[ItemOut]
    due_at: dt.datetime | None
    paid_at: dt.datetime | None
    page_url: str
    promptpay_payload: str | None = Field(description="EMVCo QR payload while the invoice awaits payment")
    receipt: str | None
    receipt_url: str | None


@router.get(
    "/invoices/{number}", response=InvoiceOut, summary="An invoice's status (its payer or an officer)"
)
def invoice_status(request: HttpRequest, number: str):
    invoice = services.get_invoice(number)
    if not services.may_view_invoice(request.user, invoice):
        raise PrachaError("invoice_not_found", status=404, number=number)
    receipt = getattr(invoice, "receipt", None)
    return {
        "number": invoice.number,
        "status": invoice.status,
        "agency": invoice.agency.code,
        "payer_name": invoice.payer_name,
        "total": invoice.total,
        "currency": invoice.currency,
        "items": [{"code": i.code, "label": i.label, "amount": i.amount} for i in invoice.items.all()],
        "due_at": invoice.due_at,
        "paid_at": invoice.paid_at,
        "page_url": reverse("payments:invoice", args=[invoice.number]),
        "promptpay_payload": _payload_or_none(invoice),
        "receipt": receipt.number if receipt else None,
        "receipt_url": reverse("payments:receipt_pdf", args=[receipt.number]) if receipt else None,
    }


def _payload_or_none(invoice: services.Invoice) -> str | None:
    """The QR payload while the invoice awaits payment; None (not an error) when no biller is set."""
    if not invoice.payable:
        return None
    try:
        return services.promptpay_payload(invoice)
    except PrachaError:
        return None


class ReconciliationQuery(Schema):
    date: dt.date | None = Field(None, description="YYYY-MM-DD, Bangkok time; today when left out")
    agency: str | None = Field(None, description="agency code; every agency you see when left out")


class AgencyDayOut(Schema):
    agency: str
    expected: Decimal
    received: Decimal
    difference: Decimal
    payments: int
    matched: int
    held: int
    paid_twice: int
    refunded: int
    repeated_callbacks: int


class ReconciliationOut(Schema):
    date: dt.date
    agencies: list[AgencyDayOut]


@router.get(
    "/reconciliation", response=ReconciliationOut, summary="Daily reconciliation per agency (officers)"
)
def reconciliation_report(request: HttpRequest, query: Query[ReconciliationQuery]):
    if not request.user.is_officer:
        raise PrachaError("permission_denied", status=403)
    agency_id = None
    if query.agency:
        agency = Agency.objects.filter(code=query.agency).first()
        if agency is None or not identity.can_see_agency(request.user, agency.pk):
            raise PrachaError("unknown_agency", status=404, code=query.agency)
        agency_id = agency.pk
    day = query.date or timezone.localdate()
    days = reconciliation.daily(request.user, day, agency_id)
    return {
        "date": day,
        "agencies": [
            {
                "agency": d.agency.code,
                "expected": d.expected,
                "received": d.received,
                "difference": d.difference,
                "payments": len(d.lines),
                "matched": d.matched,
                "held": d.held,
                "paid_twice": d.paid_twice,
                "refunded": d.refunded,
                "repeated_callbacks": d.repeated_callbacks,
            }
            for d in days
        ],
    }
