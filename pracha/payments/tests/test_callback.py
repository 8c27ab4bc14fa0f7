"""POST /api/payments/callback: signature, replay window, idempotency, holds and settlement."""

import json
import time
from decimal import Decimal

import pytest

from pracha.audit.models import AuditRecord
from pracha.core.models import Job
from pracha.core.queue import claim, run_job
from pracha.payments import gateway, services
from pracha.payments.models import CallbackLog, Invoice, Payment, Receipt

from .conftest import callback_body, post_callback, year_be

pytestmark = pytest.mark.django_db


def run_jobs() -> int:
    jobs = claim(limit=100)
    for j in jobs:
        assert run_job(j), j.last_error
    return len(jobs)


@pytest.fixture
def settled_calls():
    calls: list[Invoice] = []
    before = services._settled_handlers.copy()
    services.on_settled("application")(calls.append)
    yield calls
    services._settled_handlers.clear()
    services._settled_handlers.update(before)


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_matching_payment_pays_the_invoice_and_settles_it(client, make_invoice, settled_calls):
    invoice = make_invoice("500.00")
    response = post_callback(client, callback_body(invoice))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["result"] == "applied" and answer["invoice_status"] == "paid"
    assert answer["receipt"] == f"MOC.DIT-{year_be()}-000001" and response["Idempotent-Replayed"] == "false"
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.paid_at.isoformat() == "2026-11-24T03:15:00+00:00"
    payment = Payment.objects.get()
    assert (
        payment.status == "applied" and payment.amount == Decimal("500.00") and len(payment.body_sha256) == 64
    )
    assert AuditRecord.objects.filter(action="payments.invoice_paid", object_id=str(invoice.pk)).exists()
    # The settled job was committed with the payment; it calls the subject type's handler.
    assert Job.objects.filter(kind="payments.settled", payload={"invoice_id": invoice.pk}).exists()
    assert settled_calls == []
    assert run_jobs() == 1
    assert [i.pk for i in settled_calls] == [invoice.pk]


def test_receipt_numbers_run_on_per_agency(client, make_invoice):
    first, second = make_invoice(), make_invoice()
    post_callback(client, callback_body(first, transaction_id="T1"))
    post_callback(client, callback_body(second, transaction_id="T2"))
    assert list(Receipt.objects.order_by("number").values_list("number", flat=True)) == [
        f"MOC.DIT-{year_be()}-000001",
        f"MOC.DIT-{year_be()}-000002",
    ]


def test_the_same_transaction_twice_never_pays_twice(client, make_invoice, settled_calls):
    invoice = make_invoice()
    body = callback_body(invoice, transaction_id="KB77")
    first = post_callback(client, body)
    # The gateway retries later: a new timestamp, so a new body and signature, and another key.
    again = post_callback(
        client, callback_body(invoice, transaction_id="KB77", timestamp=int(time.time()) + 5), key="retry-2"
    )
    same = post_callback(client, body)
    assert first.json() == again.json() == same.json()
    assert again["Idempotent-Replayed"] == same["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert run_jobs() == 1 and len(settled_calls) == 1
    assert CallbackLog.objects.get(key="txn:KB77").replays == 1


def test_an_idempotency_key_reused_for_another_payment_is_refused(client, make_invoice):
    a, b = make_invoice(), make_invoice()
    assert post_callback(client, callback_body(a, transaction_id="A1"), key="k-1").status_code == 200
    response = post_callback(client, callback_body(b, transaction_id="B1"), key="k-1")
    assert response.status_code == 409 and error_code(response) == "callback_idempotency_key_reused"
    b.refresh_from_db()
    assert b.status == "open"


def test_a_transaction_reported_again_with_another_amount_is_a_conflict(client, make_invoice):
    invoice = make_invoice()
    post_callback(client, callback_body(invoice, transaction_id="T9"))
    response = post_callback(client, callback_body(invoice, transaction_id="T9", amount="1.00"))
    assert response.status_code == 409 and error_code(response) == "callback_transaction_conflict"


def test_an_amount_mismatch_is_held_not_paid(client, make_invoice, settled_calls):
    invoice = make_invoice("500.00")
    response = post_callback(client, callback_body(invoice, amount="50.00"))
    assert response.status_code == 200
    assert response.json()["result"] == "held" and response.json()["hold_reason"] == "amount_mismatch"
    invoice.refresh_from_db()
    assert invoice.status == "held" and invoice.paid_at is None
    assert not Receipt.objects.exists() and not Job.objects.filter(kind="payments.settled").exists()
    assert AuditRecord.objects.filter(action="payments.payment_held").exists()


def test_paying_a_cancelled_invoice_is_held(client, make_invoice, officer):
    invoice = make_invoice()
    services.cancel_invoice(invoice, actor=officer, reason="withdrawn")
    answer = post_callback(client, callback_body(invoice)).json()
    assert answer["result"] == "held" and answer["hold_reason"] == "invoice_cancelled"
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"


def test_a_second_transaction_for_a_paid_invoice_is_marked_paid_twice(client, make_invoice):
    invoice = make_invoice()
    post_callback(client, callback_body(invoice, transaction_id="P1"))
    answer = post_callback(client, callback_body(invoice, transaction_id="P2")).json()
    assert answer["result"] == "duplicate" and answer["invoice_status"] == "paid"
    assert Receipt.objects.count() == 1


@pytest.mark.parametrize(
    ("signature", "status", "code"),
    [
        ("", 401, "callback_signature_missing"),
        ("sha256=" + "0" * 64, 401, "callback_signature_invalid"),
        ("nonsense", 401, "callback_signature_invalid"),
    ],
)
def test_unsigned_or_forged_callbacks_are_refused(client, make_invoice, signature, status, code):
    invoice = make_invoice()
    response = post_callback(client, callback_body(invoice), signature=signature)
    assert response.status_code == status and error_code(response) == code
    assert response.json()["error"]["messages"]["th"]  # the one error format, in both languages
    assert not Payment.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, make_invoice):
    invoice = make_invoice()
    body = callback_body(invoice)
    signature = gateway.sign(body)
    response = post_callback(client, body.replace(b"500.00", b"5.00"), signature=signature)
    assert response.status_code == 401 and error_code(response) == "callback_signature_invalid"


def test_a_signature_without_prefix_or_in_capitals_is_accepted(client, make_invoice):
    invoice = make_invoice()
    body = callback_body(invoice)
    response = post_callback(client, body, signature=gateway.sign(body).removeprefix("sha256=").upper())
    assert response.status_code == 200


def test_an_old_callback_is_refused_as_a_replay(client, make_invoice):
    invoice = make_invoice()
    body = callback_body(invoice, timestamp=int(time.time()) - 3600)
    response = post_callback(client, body)
    assert response.status_code == 401 and error_code(response) == "callback_stale"
    assert "300" in response.json()["error"]["messages"]["en"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b"{not json", 400, "malformed_json", None),
        (json.dumps({"ref1": "1"}).encode(), 422, "validation_error", "transaction_id"),
        (None, 422, "validation_error", "amount"),
    ],
)
def test_bad_bodies_get_clear_errors(client, make_invoice, body, status, code, field):
    invoice = make_invoice()
    body = body or callback_body(invoice, amount="-3")
    response = post_callback(client, body)
    assert response.status_code == status and error_code(response) == code
    if field:
        assert field in response.json()["error"]["fields"]


def test_other_currencies_and_unknown_invoices_are_refused(client, make_invoice):
    invoice = make_invoice()
    response = post_callback(client, callback_body(invoice, currency="USD"))
    assert response.status_code == 422 and error_code(response) == "callback_currency"
    response = post_callback(client, callback_body(invoice, ref1="690000000000"))
    assert response.status_code == 404 and error_code(response) == "callback_unknown_invoice"


def test_a_bad_idempotency_key_is_refused(client, make_invoice):
    response = post_callback(client, callback_body(make_invoice()), key="ไม่ใช่คีย์")
    assert response.status_code == 400 and error_code(response) == "callback_idempotency_key_invalid"


def test_without_a_secret_no_callback_is_accepted(client, make_invoice, settings):
    settings.PRACHA_PAYMENT_GATEWAY_SECRET = ""
    body = callback_body(make_invoice())
    response = post_callback(client, body, signature=gateway.sign(body, "guess"))
    assert response.status_code == 503 and error_code(response) == "payment_gateway_not_configured"


def test_the_demo_gateway_pays_through_the_same_path(make_invoice, settings):
    invoice = make_invoice()
    answer = gateway.demo_pay(invoice)
    assert answer.body["result"] == "applied"
    settings.PRACHA_PAYMENT_DEMO_GATEWAY = False
    with pytest.raises(Exception, match="not_found"):
        gateway.demo_pay(make_invoice())
