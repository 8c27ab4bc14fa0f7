"""The payment gateway's confirmation callback: verify, deduplicate, apply or hold.

    POST /api/payments/callback
    X-Pracha-Signature: sha256=<hex HMAC-SHA256 of the raw body with PRACHA_PAYMENT_GATEWAY_SECRET>
    Idempotency-Key: <optional, the gateway's key for this delivery>
    {"transaction_id": "KB20261124000123", "ref1": "<invoice number>", "ref2": "MOCDIT",
     "amount": "100.00", "currency": "THB", "paid_at": "2026-11-24T10:15:00+07:00",
     "timestamp": 1795500900}

The timestamp is inside the signed body, so a captured callback cannot be replayed later with a fresh
one. A callback is answered once and its answer stored under its idempotency key ("key:<header>" or,
without the header, "txn:<transaction id>"): the same key, or the same transaction under another key,
gets the same answer and never pays twice. The invoice row is locked while a callback is applied, so
two deliveries of one transaction at the same moment queue behind each other; the unique transaction
id (and key) are the backstop if anything slipped past the lock. See docs/decisions/0901.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pracha.audit.chain import record
from pracha.core.errors import PrachaError

from . import notices, services
from .models import CallbackLog, Invoice, Payment

SIGNATURE_HEADER = "X-Pracha-Signature"
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class CallbackBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    transaction_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    ref1: str = Field(min_length=1, max_length=20, description="the invoice number")
    ref2: str = Field(default="", max_length=20)
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="THB", max_length=3)
    paid_at: dt.datetime
    timestamp: int = Field(description="Unix seconds when the gateway sent the callback (signed)")


@dataclass(frozen=True)
class CallbackAnswer:
    status_code: int
    body: dict
    replayed: bool = False


def sign(body: bytes, secret: str | None = None) -> str:
    """The X-Pracha-Signature value for a body (what the gateway sends; the demo gateway uses it too)."""
    key = (secret if secret is not None else settings.PRACHA_PAYMENT_GATEWAY_SECRET).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def _verify_signature(body: bytes, signature: str) -> None:
    secret = settings.PRACHA_PAYMENT_GATEWAY_SECRET
    if not secret:
        raise PrachaError("payment_gateway_not_configured", status=503)
    given = (signature or "").strip()
    if not given:
        raise PrachaError("callback_signature_missing", status=401)
    expected = sign(body, secret)
    if not given.startswith("sha256="):
        given = "sha256=" + given
    # Constant time: how much of a forged signature matched must not show in the answer's timing.
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise PrachaError("callback_signature_invalid", status=401)


def _parse(body: bytes) -> CallbackBody:
    try:
        return CallbackBody.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise PrachaError("malformed_json", detail=exc.errors()[0]["msg"]) from exc
        fields = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
        raise PrachaError("validation_error", status=422, fields=fields) from exc


def _fingerprint(data: CallbackBody) -> str:
    """What makes two deliveries the same payment (a resent callback has a new timestamp and signature)."""
    text = f"{data.transaction_id}|{data.ref1}|{data.amount:.2f}|{data.currency}"
    return hashlib.sha256(text.encode()).hexdigest()


def receive_callback(
    body: bytes, *, signature: str, idempotency_key: str = "", now: float | None = None
) -> CallbackAnswer:
    """Verify one callback and apply it at most once. Raises PrachaError (4xx) for a bad request."""
    _verify_signature(body, signature)
    data = _parse(body)
    tolerance = settings.PRACHA_PAYMENT_CALLBACK_TOLERANCE_SECONDS
    if abs((time.time() if now is None else now) - data.timestamp) > tolerance:
        raise PrachaError("callback_stale", status=401, tolerance=tolerance)
    if data.currency != "THB":
        raise PrachaError("callback_currency", status=422, fields={"currency": "callback_currency"})
    idempotency_key = (idempotency_key or "").strip()
    if idempotency_key and not _KEY.match(idempotency_key):
        raise PrachaError("callback_idempotency_key_invalid")
    key = f"key:{idempotency_key}" if idempotency_key else f"txn:{data.transaction_id}"
    body_hash = hashlib.sha256(body).hexdigest()
    try:
        return _apply(data, key, body_hash)
    except IntegrityError:
        # Another delivery of this transaction or key committed between our look-up and our insert
        # (possible only when the two name different invoices, so the invoice lock did not order them).
        # Its rows are visible now; answering again finds them.
        return _apply(data, key, body_hash)


def _apply(data: CallbackBody, key: str, body_hash: str) -> CallbackAnswer:
    fingerprint = _fingerprint(data)
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("agency")
            .filter(number=data.ref1)
            .first()
        )
        # Looked up after the lock: a delivery that held it before us has committed what it did.
        answered = CallbackLog.objects.filter(key=key).first()
        if answered is not None:
            if answered.body_sha256 != fingerprint and key.startswith("txn:"):
                raise PrachaError(
                    "callback_transaction_conflict", status=409, transaction_id=data.transaction_id
                )
            if answered.body_sha256 != fingerprint:
                raise PrachaError("callback_idempotency_key_reused", status=409)
            CallbackLog.objects.filter(pk=answered.pk).update(replays=F("replays") + 1)
            return CallbackAnswer(answered.status_code, answered.answer, replayed=True)
        payment = Payment.objects.filter(gateway_transaction_id=data.transaction_id).first()
        if payment is not None:
            if payment.invoice_id != getattr(invoice, "pk", None) or payment.amount != data.amount:
                raise PrachaError(
                    "callback_transaction_conflict", status=409, transaction_id=data.transaction_id
                )
            first = CallbackLog.objects.filter(payment=payment).order_by("pk").first()
            answer = first.answer if first is not None else _answer(payment, invoice)
            CallbackLog.objects.create(
                key=key, body_sha256=fingerprint, payment=payment, status_code=200, answer=answer
            )
            return CallbackAnswer(200, answer, replayed=True)
        if invoice is None:
            raise PrachaError("callback_unknown_invoice", status=404, number=data.ref1)
        payment = _record_payment(invoice, data, body_hash)
        answer = _answer(payment, invoice)
        CallbackLog.objects.create(
            key=key, body_sha256=fingerprint, payment=payment, status_code=200, answer=answer
        )
    return CallbackAnswer(200, answer)


def _record_payment(invoice: Invoice, data: CallbackBody, body_hash: str) -> Payment:
    status, reason = Payment.Status.APPLIED, Payment.HoldReason.NONE
    if invoice.status == Invoice.Status.PAID:
        status, reason = Payment.Status.DUPLICATE, Payment.HoldReason.INVOICE_NOT_OPEN
    elif invoice.status == Invoice.Status.CANCELLED:
        status, reason = Payment.Status.HELD, Payment.HoldReason.INVOICE_CANCELLED
    elif invoice.status != Invoice.Status.OPEN:
        status, reason = Payment.Status.HELD, Payment.HoldReason.INVOICE_NOT_OPEN
    elif data.amount != invoice.total:
        status, reason = Payment.Status.HELD, Payment.HoldReason.AMOUNT_MISMATCH
    payment = Payment.objects.create(
        invoice=invoice,
        gateway_transaction_id=data.transaction_id,
        amount=data.amount,
        currency=data.currency,
        paid_at=data.paid_at,
        body_sha256=body_hash,
        status=status,
        hold_reason=reason,
    )
    if status == Payment.Status.APPLIED:
        services.settle(invoice, payment, actor="system:payment-gateway")
        return payment
    if reason == Payment.HoldReason.AMOUNT_MISMATCH:
        invoice.status = Invoice.Status.HELD
        invoice.save(update_fields=["status"])
    record(
        "payments.payment_held",
        payment,
        {"invoice": invoice.number, "amount": str(data.amount), "expected": str(invoice.total),
         "status": status, "reason": reason},
        actor="system:payment-gateway",
    )  # fmt: skip
    notices.held(payment)
    return payment


def _answer(payment: Payment, invoice: Invoice | None) -> dict:
    receipt = getattr(invoice, "receipt", None) if payment.status == Payment.Status.APPLIED else None
    return {
        "result": payment.status,
        "transaction_id": payment.gateway_transaction_id,
        "invoice": invoice.number if invoice is not None else None,
        "invoice_status": invoice.status if invoice is not None else None,
        "amount": f"{payment.amount:.2f}",
        "hold_reason": payment.hold_reason or None,
        "receipt": receipt.number if receipt is not None else None,
    }


# --- The demo gateway (demo and test settings only) ---------------------------------------------


def demo_gateway_enabled() -> bool:
    return bool(settings.PRACHA_PAYMENT_DEMO_GATEWAY)


def demo_pay(invoice: Invoice, amount: Decimal | None = None) -> CallbackAnswer:
    """What a bank's app and gateway would do when the payer scans the QR: a correctly signed callback
    through receive_callback, the code path of the real endpoint."""
    if not demo_gateway_enabled():
        raise PrachaError("not_found", status=404)
    now = timezone.now()
    body = json.dumps(
        {
            "transaction_id": f"DEMO{now:%Y%m%d}{secrets.token_hex(6).upper()}",
            "ref1": invoice.number,
            "ref2": services.agency_reference(invoice.agency),
            "amount": f"{(amount if amount is not None else invoice.total):.2f}",
            "currency": "THB",
            "paid_at": now.isoformat(),
            "timestamp": int(now.timestamp()),
        }
    ).encode()
    return receive_callback(body, signature=sign(body))
