"""Deliveries racing each other on PostgreSQL: one payment, one receipt, one settlement, every answer
the same. (SQLite serialises writers, so there is nothing to race there.)"""

import pytest
from django.test import Client

from pracha.core.models import Job
from pracha.payments.models import CallbackLog, Invoice, Payment, Receipt
from pracha.testing import in_threads, needs_postgres

from .conftest import callback_body, post_callback, year_be

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_transaction_delivered_by_eight_threads_pays_once(make_invoice):
    needs_postgres()
    invoice = make_invoice()
    body = callback_body(invoice, transaction_id="RACE-1")

    def deliver(i: int) -> tuple[int, dict]:
        # Half send the same body with no key, half the same transaction each under its own key.
        response = post_callback(Client(), body, key=f"delivery-{i}" if i % 2 else "")
        return response.status_code, response.json()

    answers = in_threads(8, deliver)
    assert {status for status, _ in answers} == {200}
    assert all(answer == answers[0][1] for _, answer in answers)
    assert answers[0][1]["result"] == "applied"
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert Job.objects.filter(kind="payments.settled").count() == 1
    assert Invoice.objects.get().status == "paid"
    assert CallbackLog.objects.count() == 5  # txn:RACE-1 and the four keys


def test_different_transactions_paying_one_invoice_at_once_apply_one(make_invoice):
    needs_postgres()
    invoice = make_invoice()

    def deliver(i: int) -> str:
        return post_callback(Client(), callback_body(invoice, transaction_id=f"PAY-{i}")).json()["result"]

    results = sorted(in_threads(6, deliver))
    assert results == ["applied"] + ["duplicate"] * 5
    assert Receipt.objects.count() == 1


def test_receipt_numbers_stay_gapless_under_concurrent_payments(make_invoice):
    needs_postgres()
    invoices = [make_invoice() for _ in range(6)]

    def deliver(i: int) -> int:
        return post_callback(Client(), callback_body(invoices[i], transaction_id=f"GAP-{i}")).status_code

    assert in_threads(6, deliver) == [200] * 6
    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert numbers == [f"MOC.DIT-{year_be()}-{n:06d}" for n in range(1, 7)]
