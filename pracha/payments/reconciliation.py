"""The daily reconciliation report per agency: what the invoices expected against what the gateway
reported received on one day (Bangkok time), matched, held, paid twice and delivered more than once."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.core.masking import mask_name
from pracha.identity import services as identity
from pracha.identity.models import User

from .models import CallbackLog, Payment

ZERO = Decimal("0.00")


@dataclass
class Line:
    payment: Payment
    deliveries: int  # callbacks that reported this transaction (1 when the gateway sent it once)

    @property
    def matched(self) -> bool:
        return self.payment.status == Payment.Status.APPLIED and self.payment.difference == 0


@dataclass
class AgencyDay:
    agency: Agency
    lines: list[Line] = field(default_factory=list)

    @property
    def expected(self) -> Decimal:
        return sum((line.payment.invoice.total for line in self.lines), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((line.payment.amount for line in self.lines), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.received - self.expected

    def _count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.payment.status == status)

    @property
    def matched(self) -> int:
        return sum(1 for line in self.lines if line.matched)

    @property
    def held(self) -> int:
        return self._count(Payment.Status.HELD)

    @property
    def paid_twice(self) -> int:
        return self._count(Payment.Status.DUPLICATE)

    @property
    def refunded(self) -> int:
        return self._count(Payment.Status.REFUNDED)

    @property
    def repeated_callbacks(self) -> int:
        return sum(line.deliveries - 1 for line in self.lines)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())
    return start, start + dt.timedelta(days=1)


def daily(user: User, day: dt.date, agency_id: int | None = None) -> list[AgencyDay]:
    """Payments received on `day` for the agencies this officer sees (or only `agency_id`)."""
    start, end = day_bounds(day)
    payments = identity.scope(Payment.objects.all(), user, "invoice__agency").filter(
        received_at__gte=start, received_at__lt=end
    )
    if agency_id is not None:
        payments = payments.filter(invoice__agency_id=agency_id)
    payments = list(
        payments.select_related("invoice", "invoice__agency").order_by("invoice__agency__code", "received_at")
    )
    deliveries = {
        row["payment"]: row["logs"] + (row["replays"] or 0)
        for row in CallbackLog.objects.filter(payment__in=payments)
        .values("payment")
        .annotate(logs=Count("id"), replays=Sum("replays"))
    }
    days: dict[int, AgencyDay] = {}
    grouped: dict[int, list[Line]] = defaultdict(list)
    for payment in payments:
        days.setdefault(payment.invoice.agency_id, AgencyDay(payment.invoice.agency))
        grouped[payment.invoice.agency_id].append(Line(payment, max(deliveries.get(payment.pk, 1), 1)))
    for agency_id_, lines in grouped.items():
        days[agency_id_].lines = lines
    return list(days.values())


COLUMNS = (
    "agency",
    "received_at",
    "transaction_id",
    "invoice",
    "payer",
    "expected",
    "received",
    "status",
    "hold_reason",
    "deliveries",
)


def to_csv(days: list[AgencyDay]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for agency_day in days:
        for line in agency_day.lines:
            p = line.payment
            writer.writerow(
                [
                    agency_day.agency.code,
                    timezone.localtime(p.received_at).isoformat(timespec="seconds"),
                    p.gateway_transaction_id,
                    p.invoice.number,
                    mask_name(p.invoice.payer_name),
                    f"{p.invoice.total:.2f}",
                    f"{p.amount:.2f}",
                    p.status,
                    p.hold_reason,
                    line.deliveries,
                ]
            )
    return out.getvalue()
