"""Invoices, the PromptPay QR code, settlement and officers' decisions on held payments.

Other apps call these functions (contract C in the team's contracts):

    invoice = create_invoice(agency=a, payer=person, payer_name="สมชาย ใจดี",
                             subject=("application", "42"),
                             items=[InvoiceItem("application", {"th": "ค่าคำขอ", "en": "Application fee"},
                                                Decimal("100.00"))])

    @on_settled("application")            # in your AppConfig.ready()
    def paid(invoice: Invoice) -> None: ...

Payments is a common service: it never imports a domain app. The subject is an opaque pair the caller
gives, and the handler registered for its type is called by the `payments.settled` job, which is
enqueued in the same transaction that marks the invoice paid.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import segno
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.audit.chain import record
from pracha.core.errors import PrachaError
from pracha.core.queue import enqueue
from pracha.identity import services as identity
from pracha.identity.models import Person, Role, User

from . import notices, promptpay
from .models import Invoice, InvoiceLine, Payment, Receipt, ReceiptSequence

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
# Roles that may apply or refund a held payment of their agency's invoice (money leaves or is kept).
DECIDING_ROLES = {Role.CASE_OFFICER, Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN}


@dataclass(frozen=True)
class InvoiceItem:
    """One fee to put on an invoice: InvoiceItem("application", {"th": ..., "en": ...}, Decimal("100"))."""

    code: str
    label: dict[str, str]
    amount: Decimal


SettledHandler = Callable[[Invoice], None]
_settled_handlers: dict[str, SettledHandler] = {}


def on_settled(subject_type: str) -> Callable[[SettledHandler], SettledHandler]:
    """Register handler(invoice) to run (in the `payments.settled` job) when an invoice of this subject
    type is paid. One handler per subject type; registering again replaces it (module reloads)."""

    def register(handler: SettledHandler) -> SettledHandler:
        _settled_handlers[subject_type] = handler
        return handler

    return register


def settled_handler(subject_type: str) -> SettledHandler | None:
    return _settled_handlers.get(subject_type)


@dataclass(frozen=True)
class SubjectLink:
    """Where an invoice's page links back to: the page of what it is for, as this reader sees it."""

    url: str
    label: str


SubjectLinker = Callable[[Invoice, User], SubjectLink | None]
_subject_linkers: dict[str, SubjectLinker] = {}


def on_subject_link(subject_type: str) -> Callable[[SubjectLinker], SubjectLinker]:
    """Register linker(invoice, user) -> SubjectLink | None for invoices of this subject type: the
    owning app decides who may follow the link (None: show none). One per subject type."""

    def register(linker: SubjectLinker) -> SubjectLinker:
        _subject_linkers[subject_type] = linker
        return linker

    return register


def subject_link(invoice: Invoice, user: User) -> SubjectLink | None:
    linker = _subject_linkers.get(invoice.subject_type)
    return linker(invoice, user) if linker else None


# --- Invoices ------------------------------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def is_valid_number(number: str) -> bool:
    return bool(re.fullmatch(r"\d{12}", number)) and _luhn_digit(number[:-1]) == number[-1]


def _new_number(now: dt.datetime) -> str:
    """12 digits: the Buddhist-era year's last two, nine random digits, a Luhn check digit. Random, so
    that a number seen on one invoice does not lead to the next one; the check digit catches a mistyped
    reference at a bank counter."""
    body = f"{(timezone.localtime(now).year + 543) % 100:02d}{secrets.randbelow(10**9):09d}"
    return body + _luhn_digit(body)


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise PrachaError("invoice_amount_invalid") from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise PrachaError("invoice_amount_invalid")
    return amount.quantize(CENT)


def create_invoice(
    *,
    agency: Agency,
    payer: Person | None,
    payer_name: str,
    subject: tuple[str, str],
    items: list[InvoiceItem],
    due_at: dt.datetime | None = None,
    description: dict | None = None,
) -> Invoice:
    """Open an invoice of the agency's fees for the payer; its number is the payment reference (ref1)."""
    payer_name = (payer_name or "").strip()
    if not payer_name:
        raise PrachaError("invoice_payer_required", fields={"payer_name": "invoice_payer_required"})
    if not items:
        raise PrachaError("invoice_items_required", fields={"items": "invoice_items_required"})
    amounts = [_amount(item.amount) for item in items]
    if sum(amounts) <= 0:
        raise PrachaError("invoice_amount_invalid", fields={"items": "invoice_amount_invalid"})
    for item in items:
        if not (item.label or {}).get("th") or not (item.label or {}).get("en"):
            raise PrachaError("invoice_label_required", fields={"items": "invoice_label_required"})
    subject_type, subject_id = str(subject[0]), str(subject[1])
    now = timezone.now()
    for attempt in range(5):
        try:
            with transaction.atomic():
                invoice = Invoice.objects.create(
                    number=_new_number(now),
                    agency=agency,
                    payer=payer,
                    payer_name=payer_name[:200],
                    subject_type=subject_type,
                    subject_id=subject_id,
                    description=description or {},
                    total=sum(amounts),
                    created_at=now,
                    due_at=due_at,
                )
                InvoiceLine.objects.bulk_create(
                    InvoiceLine(invoice=invoice, position=i, code=item.code, label=item.label, amount=a)
                    for i, (item, a) in enumerate(zip(items, amounts, strict=True))
                )
                record(
                    "payments.invoice_created",
                    invoice,
                    {"number": invoice.number, "agency": agency.code, "total": str(invoice.total),
                     "subject": [subject_type, subject_id]},
                )  # fmt: skip
                return invoice
        except IntegrityError:
            if attempt == 4:
                raise
            log.info("invoice number collided; drawing another")
    raise AssertionError("unreachable")


def get_invoice(number: str) -> Invoice:
    invoice = Invoice.objects.select_related("agency").filter(number=str(number).strip()).first()
    if invoice is None:
        raise PrachaError("invoice_not_found", status=404, number=number)
    return invoice


def invoices_for(subject: tuple[str, str]) -> QuerySet[Invoice]:
    return Invoice.objects.filter(subject_type=str(subject[0]), subject_id=str(subject[1])).order_by(
        "-created_at", "-id"
    )


def cancel_invoice(invoice: Invoice, *, actor: User | None, reason: str) -> Invoice:
    """Cancel an invoice awaiting payment (a payment that still arrives for it is held for an officer)."""
    reason = (reason or "").strip()
    if not reason:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != Invoice.Status.OPEN:
            raise PrachaError("invoice_not_open", status=409, state=locked.get_status_display())
        locked.status, locked.cancelled_at, locked.cancel_reason = (
            Invoice.Status.CANCELLED,
            timezone.now(),
            reason[:500],
        )
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        record("payments.invoice_cancelled", locked, {"reason": reason[:500]}, actor=_actor(actor))
    invoice.status, invoice.cancelled_at, invoice.cancel_reason = (
        locked.status,
        locked.cancelled_at,
        locked.cancel_reason,
    )
    return invoice


def _actor(user: User | None) -> str | None:
    return f"user:{user.pk}" if user is not None else None


def may_view_invoice(user: User, invoice: Invoice) -> bool:
    """The payer's own account, or an officer whose scope covers the invoice's agency."""
    if not user.is_authenticated:
        return False
    if invoice.payer_id is not None and user.person_id == invoice.payer_id:
        return True
    return user.is_officer and identity.can_see_agency(user, invoice.agency_id)


# --- PromptPay QR --------------------------------------------------------------------------------


def biller_id(agency: Agency) -> str:
    try:
        billers = json.loads(settings.PRACHA_PROMPTPAY_BILLERS or "{}")
    except ValueError:
        billers = {}
        log.error("PRACHA_PROMPTPAY_BILLERS is not valid JSON; using the default biller")
    found = billers.get(agency.code) or settings.PRACHA_PROMPTPAY_DEFAULT_BILLER
    if not found:
        raise PrachaError("promptpay_not_configured", status=503, agency=agency.code)
    return found


def agency_reference(agency: Agency) -> str:
    """ref2: the agency's code in letters and digits, so a biller ID shared by several agencies still
    tells the bank's statement whose fee it was."""
    return re.sub(r"[^0-9A-Z]", "", agency.code.upper())[:20] or "PRACHA"


def promptpay_payload(invoice: Invoice) -> str:
    """The EMVCo merchant-presented QR payload (PromptPay Bill Payment) for this invoice's total."""
    agency = invoice.agency
    return promptpay.payload(
        promptpay.BillPayment(
            biller_id=biller_id(agency),
            ref1=invoice.number,
            ref2=agency_reference(agency),
            amount=invoice.total,
            merchant_name=agency.abbr_en or agency.name_en or "PRACHA",
            merchant_city=settings.PRACHA_PROMPTPAY_MERCHANT_CITY,
        )
    )


def qr_code(invoice: Invoice) -> segno.QRCode:
    # Level M, as Thai QR payment asks: it survives a scratched print or a glare on a phone screen.
    return segno.make(promptpay_payload(invoice), error="m", boost_error=False)


def qr_svg(invoice: Invoice) -> str:
    """Inline SVG of the Thai QR code; it scales with CSS (no fixed size), dark on white, 4-module margin."""
    return qr_code(invoice).svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", svgclass="promptpay-qr"
    )


def qr_png(invoice: Invoice, scale: int = 8) -> bytes:
    import io

    buffer = io.BytesIO()
    qr_code(invoice).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


# --- Settlement ---------------------------------------------------------------------------------


_BUMP_SEQUENCE = (
    f'UPDATE "{ReceiptSequence._meta.db_table}" SET "last" = "last" + 1 '  # noqa: S608 (names from the model)
    'WHERE "agency_id" = %s AND "year_be" = %s RETURNING "last"'
)


def _next_receipt_number(agency: Agency, at: dt.datetime) -> str:
    """AGENCY-2569-000001: numbered on per agency and Buddhist-era year, without gaps, as receipt books
    are. The UPDATE locks the agency's sequence row until the payment commits, so a payment that rolls
    back leaves no gap; it serialises only payments of one agency, and takes one round trip."""
    year = timezone.localtime(at).year + 543
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_SEQUENCE, [agency.pk, year])
        row = cursor.fetchone()
        if row is None:  # the agency's first receipt this year
            ReceiptSequence.objects.get_or_create(agency=agency, year_be=year)
            cursor.execute(_BUMP_SEQUENCE, [agency.pk, year])
            row = cursor.fetchone()
    return f"{agency.code}-{year}-{row[0]:06d}"


def settle(invoice: Invoice, payment: Payment, *, actor: str | None = None) -> Receipt:
    """Mark a locked invoice paid by this payment: the `payments.settled` job, the receipt and the audit
    record, all in the caller's transaction. The shared locks (the agency's receipt sequence, then the
    audit chain's head) are taken last, so they are held for as short a time as possible."""
    now = timezone.now()
    invoice.status, invoice.paid_at = Invoice.Status.PAID, payment.paid_at
    invoice.save(update_fields=["status", "paid_at"])
    enqueue("payments.settled", {"invoice_id": invoice.pk})
    receipt = Receipt.objects.create(
        number=_next_receipt_number(invoice.agency, now), invoice=invoice, payment=payment, issued_at=now
    )
    record(
        "payments.invoice_paid",
        invoice,
        {"payment": payment.gateway_transaction_id, "amount": str(payment.amount), "receipt": receipt.number},
        actor=actor,
    )
    return receipt


def run_settled(invoice_id: int) -> None:
    invoice = Invoice.objects.select_related("agency", "receipt__payment").get(pk=invoice_id)
    if invoice.status == Invoice.Status.PAID:  # not refunded in the meantime
        notices.paid(invoice)
    handler = settled_handler(invoice.subject_type)
    if handler is None:
        log.info("no settlement handler for %s; %s stays paid", invoice.subject_type, invoice)
        return
    handler(invoice)


# --- Officers' decisions on held payments ------------------------------------------------------


def payments_waiting(user: User) -> QuerySet[Payment]:
    """Held and twice-paid payments of the agencies this officer sees, oldest first."""
    waiting = Payment.objects.filter(status__in=[Payment.Status.HELD, Payment.Status.DUPLICATE])
    return identity.scope(waiting, user, "invoice__agency").select_related("invoice", "invoice__agency")


def payment_for(user: User, pk: int) -> Payment:
    """A payment of an agency the officer sees (anything else is "not found", not "forbidden")."""
    payment = (
        identity.scope(Payment.objects.all(), user, "invoice__agency")
        .select_related("invoice", "invoice__agency")
        .filter(pk=pk)
        .first()
    )
    if payment is None or not user.is_officer:
        raise PrachaError("payment_not_found", status=404)
    return payment


def may_decide(user: User, agency_id: int) -> bool:
    """Whether this officer may cancel the agency's invoices and apply or refund its held payments."""
    return bool(identity.roles_in_agency(user, agency_id) & DECIDING_ROLES)


def _check_decider(actor: User, agency_id: int) -> None:
    if not may_decide(actor, agency_id):
        raise PrachaError("permission_denied", status=403)


def _lock_for_decision(payment: Payment, actor: User, reason: str) -> tuple[Payment, Invoice, str]:
    reason = (reason or "").strip()[:500]
    if not reason:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    _check_decider(actor, payment.invoice.agency_id)
    invoice = Invoice.objects.select_for_update().select_related("agency").get(pk=payment.invoice_id)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    return locked, invoice, reason


def approve_payment(payment: Payment, *, actor: User, reason: str) -> Payment:
    """Apply a held payment to its invoice (e.g. a small difference the agency accepts): the invoice is
    paid and settled exactly as by a matching callback."""
    with transaction.atomic():
        locked, invoice, reason = _lock_for_decision(payment, actor, reason)
        if locked.status != Payment.Status.HELD:
            raise PrachaError("payment_not_waiting", status=409, state=locked.get_status_display())
        if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.HELD):
            raise PrachaError("payment_cannot_approve", status=409, state=invoice.get_status_display())
        _decide(locked, Payment.Status.APPLIED, actor, reason)
        record(
            "payments.payment_approved",
            locked,
            {"invoice": invoice.number, "amount": str(locked.amount), "reason": reason},
            actor=_actor(actor),
        )
        settle(invoice, locked, actor=_actor(actor))
    return locked


def refund_payment(payment: Payment, *, actor: User, reason: str) -> Payment:
    """Decide to return the money. A held or twice-paid payment leaves its invoice payable again (or as
    it was); refunding the payment that paid an invoice marks the invoice refunded."""
    with transaction.atomic():
        locked, invoice, reason = _lock_for_decision(payment, actor, reason)
        if locked.status == Payment.Status.REFUNDED:
            raise PrachaError("payment_not_waiting", status=409, state=locked.get_status_display())
        was = locked.status
        _decide(locked, Payment.Status.REFUNDED, actor, reason)
        if was == Payment.Status.APPLIED:
            invoice.status = Invoice.Status.REFUNDED
            invoice.save(update_fields=["status"])
        elif invoice.status == Invoice.Status.HELD and not invoice.payments.filter(
            status=Payment.Status.HELD
        ).exclude(pk=locked.pk):
            invoice.status = Invoice.Status.OPEN
            invoice.save(update_fields=["status"])
        record(
            "payments.payment_refunded",
            locked,
            {"invoice": invoice.number, "amount": str(locked.amount), "was": was, "reason": reason,
             "invoice_status": invoice.status},
            actor=_actor(actor),
        )  # fmt: skip
        notices.refunded(locked)
    return locked


def _decide(payment: Payment, status: str, actor: User, reason: str) -> None:
    payment.status, payment.decided_at, payment.decided_by, payment.decision_reason = (
        status,
        timezone.now(),
        actor,
        reason,
    )
    payment.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
