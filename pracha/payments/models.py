"""Invoices for fees, the payments that settle them, the gateway's callbacks and e-receipts."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency
from pracha.identity.models import Person


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting payment")
        PAID = "paid", _("Paid")
        HELD = "held", _("Payment held for checking")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    # Digits only, with a check digit: every bank app accepts it as the bill-payment reference (ref1).
    number = models.CharField(max_length=20, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="invoices")
    payer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payer_name = models.CharField(max_length=200)
    # What the fee is for, in the calling app's terms (e.g. ("application", "42")): payments never
    # imports that app; it hands the pair back to the handler registered with on_settled.
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    description = models.JSONField(default=dict, blank=True)  # {"th": ..., "en": ...}
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="THB")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="invoice_subject"),
            models.Index(fields=["agency", "status"], name="invoice_agency_status"),
        ]

    def __str__(self) -> str:
        return f"invoice {self.number}"

    @property
    def payable(self) -> bool:
        return self.status == self.Status.OPEN


class InvoiceLine(models.Model):
    """One fee on an invoice (stored form of services.InvoiceItem)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=60)
    label = models.JSONField(default=dict)  # {"th": ..., "en": ...}
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {self.amount}"


class Payment(models.Model):
    """Money the gateway reports as received for an invoice, once per gateway transaction."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied to the invoice")
        HELD = "held", _("Held for an officer")
        DUPLICATE = "duplicate", _("Paid twice: to be refunded")
        REFUNDED = "refunded", _("Refunded")

    class HoldReason(models.TextChoices):
        NONE = "", _("None")
        AMOUNT_MISMATCH = "amount_mismatch", _("The amount differs from the invoice")
        INVOICE_CANCELLED = "invoice_cancelled", _("The invoice was cancelled")
        INVOICE_NOT_OPEN = "invoice_not_open", _("The invoice was not awaiting payment")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    gateway_transaction_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="THB")
    paid_at = models.DateTimeField()  # when the bank says the payer paid
    received_at = models.DateTimeField(default=timezone.now)  # when the callback reached us
    body_sha256 = models.CharField(max_length=64)  # of the signed callback body, for disputes
    status = models.CharField(max_length=10, choices=Status.choices)
    hold_reason = models.CharField(max_length=20, choices=HoldReason.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "identity.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="payment_received")]

    def __str__(self) -> str:
        return f"payment {self.gateway_transaction_id}"

    @property
    def difference(self) -> Decimal:
        return self.amount - self.invoice.total


class CallbackLog(models.Model):
    """Every signed callback we answered, keyed for idempotency: the same key gets the same answer."""

    key = models.CharField(max_length=140, unique=True)  # "key:<Idempotency-Key>" or "txn:<transaction id>"
    body_sha256 = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status_code = models.PositiveSmallIntegerField()
    answer = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    replays = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="callback_received")]

    def __str__(self) -> str:
        return f"callback {self.key}"


class Receipt(models.Model):
    """The e-receipt of a paid invoice; its number runs on per agency and Buddhist-era year."""

    number = models.CharField(max_length=60, unique=True)
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="receipt")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"receipt {self.number}"


class ReceiptSequence(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    year_be = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year_be"], name="receipt_sequence_once")]

    def __str__(self) -> str:
        return f"receipts {self.agency_id}/{self.year_be}: {self.last}"
