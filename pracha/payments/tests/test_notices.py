"""The payer hears of their payment: paid with the receipt link, held, refunded; in their language."""

import pytest

from pracha.core.queue import claim, run_job
from pracha.notify.models import Notification
from pracha.payments import services
from pracha.payments.models import Payment

from .conftest import callback_body, post_callback

pytestmark = pytest.mark.django_db


def run_jobs() -> None:
    for j in claim(limit=100):
        if j.kind == "payments.settled":
            assert run_job(j), j.last_error


def test_a_paid_invoice_sends_the_receipt_link_in_the_payers_language(client, citizen, make_invoice):
    citizen.preferred_language = "en"
    citizen.save()
    invoice = make_invoice("1500.00")
    post_callback(client, callback_body(invoice))
    assert not Notification.objects.exists()  # told by the settled job, not inside the callback
    run_jobs()
    note = Notification.objects.get()
    assert note.recipient == "0812345678" and note.language == "en"
    assert invoice.number in note.subject and "1,500.00 baht" in note.body
    assert f"/payments/receipts/{invoice.receipt.number}.pdf" in note.body


def test_a_held_payment_and_its_refund_are_told_in_thai(client, citizen, officer, make_invoice):
    invoice = make_invoice("500.00")
    post_callback(client, callback_body(invoice, amount="50.00"))
    held = Notification.objects.get()
    assert held.language == "th" and "ตรวจสอบ" in held.subject and "50.00" in held.body
    services.refund_payment(Payment.objects.get(), actor=officer, reason="ยอดไม่ครบ")
    refund = Notification.objects.exclude(pk=held.pk).get()
    assert "คืนเงิน" in refund.subject and "ยอดไม่ครบ" in refund.body


def test_a_failing_settlement_handler_is_retried_without_telling_the_payer_twice(client, make_invoice):
    from pracha.core.models import Job

    calls = []

    def flaky(invoice):
        calls.append(invoice.pk)
        if len(calls) == 1:
            raise RuntimeError("the application could not move on")

    before = services._settled_handlers.copy()
    services.on_settled("application")(flaky)
    try:
        invoice = make_invoice()
        post_callback(client, callback_body(invoice))
        job = Job.objects.get(kind="payments.settled")
        assert not run_job(claim(limit=1)[0])
        job.refresh_from_db()
        assert job.status == "queued" and "could not move on" in job.last_error
        assert not Notification.objects.exists()  # rolled back with the failed attempt
        Job.objects.filter(pk=job.pk).update(run_after=job.created_at)
        assert run_job(claim(limit=1)[0])
        assert calls == [invoice.pk, invoice.pk] and Notification.objects.count() == 1
    finally:
        services._settled_handlers.clear()
        services._settled_handlers.update(before)
