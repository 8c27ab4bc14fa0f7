"""The invoice page, the demo gateway form, the e-receipt PDF and the officers' pages."""

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from pracha.audit.models import AuditRecord
from pracha.conftest import ARTIFACTS
from pracha.payments import gateway, services
from pracha.payments.models import Payment

from .conftest import callback_body, post_callback, year_be

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    pdftotext = shutil.which("pdftotext")  # poppler-utils, installed here and in CI
    assert pdftotext, "the receipt test needs pdftotext (apt-get install poppler-utils)"
    done = subprocess.run([pdftotext, "-layout", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode()


def test_the_payer_sees_the_qr_and_pays_with_the_demo_gateway(client, citizen, make_invoice):
    invoice = make_invoice("500.00")
    client.force_login(citizen)
    url = reverse("payments:invoice", args=[invoice.number])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="promptpay-qr"' in html and invoice.number in html and "500.00" in html
    assert "ธนาคาร" in html  # Thai by default
    answer = client.post(reverse("payments:demo_pay", args=[invoice.number]), follow=True)
    assert answer.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    html = answer.content.decode()
    receipt_url = reverse("payments:receipt_pdf", args=[invoice.receipt.number])
    assert receipt_url in html and "promptpay-qr" not in html


def test_the_demo_form_can_pay_a_wrong_amount_to_show_a_hold(client, citizen, make_invoice):
    invoice = make_invoice("500.00")
    client.force_login(citizen)
    client.post(reverse("payments:demo_pay", args=[invoice.number]), {"amount": "499"})
    invoice.refresh_from_db()
    assert invoice.status == "held" and Payment.objects.get().amount == Decimal("499.00")
    bad = client.post(reverse("payments:demo_pay", args=[invoice.number]), {"amount": "abc"}, follow=True)
    assert "ทศนิยม" in bad.content.decode()


def test_the_demo_gateway_does_not_exist_in_production_settings(client, citizen, make_invoice, settings):
    settings.PRACHA_PAYMENT_DEMO_GATEWAY = False
    invoice = make_invoice()
    client.force_login(citizen)
    assert "demo-pay" not in client.get(reverse("payments:invoice", args=[invoice.number])).content.decode()
    assert client.post(reverse("payments:demo_pay", args=[invoice.number])).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_strangers_and_other_agencies_get_not_found(client, make_invoice, make_officer, other_agency, db):
    invoice = make_invoice()
    url = reverse("payments:invoice", args=[invoice.number])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(make_officer("officer.td", other_agency))
    assert client.get(url).status_code == 404
    assert client.get(reverse("payments:invoice", args=["000000000000"])).status_code == 404


def test_the_agency_officer_sees_the_invoice_and_its_payments(client, officer, make_invoice):
    invoice = make_invoice()
    post_callback(client, callback_body(invoice, transaction_id="KB-OFFICER-1"))
    client.force_login(officer)
    html = client.get(reverse("payments:invoice", args=[invoice.number])).content.decode()
    assert "KB-OFFICER-1" in html


def test_the_receipt_pdf_has_thai_text_words_and_buddhist_era_date(
    client, citizen, officer, make_invoice, other_agency, make_officer
):
    invoice = make_invoice("1250.50")
    gateway.demo_pay(invoice)
    invoice.refresh_from_db()
    url = reverse("payments:receipt_pdf", args=[invoice.receipt.number])
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    (ARTIFACTS / "payments-receipt.pdf").write_bytes(response.content)  # for people to look at
    for expected in (
        "ใบเสร็จรับเงิน", invoice.receipt.number, "กรมการค้าภายใน", "สมชาย ใจดี", "ค่าใบอนุญาต", "1,250.50",
        "หนึ่งพันสองร้อยห้าสิบบาทห้าสิบสตางค์", str(year_be()),
    ):  # fmt: skip
        assert expected in text, expected
    client.force_login(officer)
    assert client.get(url).status_code == 200
    client.force_login(make_officer("officer.td", other_agency))
    assert client.get(url).status_code == 404


def test_officers_apply_or_refund_held_payments_with_reasons(client, officer, make_invoice):
    short = make_invoice("500.00")
    twice = make_invoice("300.00")
    post_callback(client, callback_body(short, transaction_id="HELD-0001", amount="499.00"))
    post_callback(client, callback_body(twice, transaction_id="TWICE-0001"))
    post_callback(client, callback_body(twice, transaction_id="TWICE-0002"))
    client.force_login(officer)
    page = client.get(reverse("payments:held"))
    html = page.content.decode()
    assert "HELD-0001" in html and "TWICE-0002" in html and "TWICE-0001" not in html
    held, double = (
        Payment.objects.get(gateway_transaction_id="HELD-0001"),
        Payment.objects.get(gateway_transaction_id="TWICE-0002"),
    )
    # A reason is required.
    client.post(reverse("payments:decide", args=[held.pk]), {"decision": "approve", "reason": ""})
    held.refresh_from_db()
    assert held.status == "held"
    client.post(
        reverse("payments:decide", args=[held.pk]),
        {"decision": "approve", "reason": "ขาด 1 บาท ค่าธรรมเนียมธนาคาร"},
    )
    client.post(reverse("payments:decide", args=[double.pk]), {"decision": "refund", "reason": "ชำระซ้ำ"})
    held.refresh_from_db()
    double.refresh_from_db()
    short.refresh_from_db()
    assert held.status == "applied" and held.decided_by == officer and short.status == "paid"
    assert double.status == "refunded" and double.decision_reason == "ชำระซ้ำ"
    assert AuditRecord.objects.filter(action="payments.payment_approved").count() == 1
    assert AuditRecord.objects.filter(action="payments.payment_refunded").count() == 1
    assert "HELD-0001" not in client.get(reverse("payments:held")).content.decode()


def test_refunding_a_short_payment_makes_the_invoice_payable_again(client, officer, make_invoice):
    invoice = make_invoice()
    post_callback(client, callback_body(invoice, transaction_id="S1", amount="10.00"))
    payment = Payment.objects.get()
    services.refund_payment(payment, actor=officer, reason="จ่ายไม่ครบ คืนเงินให้ชำระใหม่")
    invoice.refresh_from_db()
    assert invoice.status == "open"
    with pytest.raises(Exception, match="payment_not_waiting"):
        services.approve_payment(payment, actor=officer, reason="x")


def test_a_payment_for_a_cancelled_invoice_cannot_be_applied(client, officer, make_invoice):
    invoice = make_invoice()
    services.cancel_invoice(invoice, actor=officer, reason="ถอนคำขอ")
    post_callback(client, callback_body(invoice, transaction_id="C1"))
    with pytest.raises(Exception, match="payment_cannot_approve"):
        services.approve_payment(Payment.objects.get(), actor=officer, reason="x")


def test_an_auditor_may_look_but_not_decide(client, make_officer, agency, make_invoice):
    auditor = make_officer("auditor.dit", agency, role="auditor")
    invoice = make_invoice()
    post_callback(client, callback_body(invoice, transaction_id="A1", amount="1.00"))
    with pytest.raises(Exception, match="permission_denied"):
        services.approve_payment(Payment.objects.get(), actor=auditor, reason="x")


def test_citizens_do_not_reach_officer_pages(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("payments:held")).status_code == 302
    assert client.get(reverse("payments:reconciliation")).status_code == 302


def test_the_daily_reconciliation_and_its_masked_csv(
    client, officer, make_invoice, make_officer, other_agency
):
    paid, short, twice = make_invoice("500.00"), make_invoice("200.00"), make_invoice("300.00")
    post_callback(client, callback_body(paid, transaction_id="R1"))
    post_callback(client, callback_body(paid, transaction_id="R1"))  # delivered twice
    post_callback(client, callback_body(short, transaction_id="R2", amount="150.00"))
    post_callback(client, callback_body(twice, transaction_id="R3"))
    post_callback(client, callback_body(twice, transaction_id="R4"))
    client.force_login(officer)
    today = Payment.objects.first().received_at.astimezone().date()
    page = client.get(reverse("payments:reconciliation"), {"date": today.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200 and "MOC.DIT" in html
    day = page.context["days"][0]
    assert (day.expected, day.received) == (Decimal("1300.00"), Decimal("1250.00"))
    assert (day.matched, day.held, day.paid_twice, day.repeated_callbacks) == (2, 1, 1, 1)
    response = client.get(reverse("payments:reconciliation_csv"), {"date": today.isoformat()})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["transaction_id"] for r in rows] == ["R1", "R2", "R3", "R4"]
    assert {r["payer"] for r in rows} == {"ส*** ใ***"} and "สมชาย" not in response.content.decode()
    assert rows[0]["deliveries"] == "2" and rows[1]["status"] == "held"
    # Another day is empty; a bad date says so; another agency's officer sees none of it.
    assert client.get(reverse("payments:reconciliation"), {"date": "2020-01-01"}).context["days"] == []
    assert (
        "YYYY-MM-DD"
        in client.get(reverse("payments:reconciliation"), {"date": "24/11/2569"}).content.decode()
    )
    assert client.get(reverse("payments:reconciliation_csv"), {"date": "x"}).status_code == 400
    client.force_login(make_officer("officer.td", other_agency))
    assert client.get(reverse("payments:reconciliation"), {"date": today.isoformat()}).context["days"] == []


def test_the_api_gives_the_payer_the_status_and_officers_the_reconciliation(
    client, citizen, officer, make_invoice
):
    invoice = make_invoice()
    client.force_login(citizen)
    data = client.get(f"/api/payments/invoices/{invoice.number}").json()
    assert data["status"] == "open" and data["promptpay_payload"] == services.promptpay_payload(invoice)
    assert data["receipt_url"] is None and data["total"] == "500.00"
    assert client.get("/api/payments/reconciliation").status_code == 403
    gateway.demo_pay(invoice)
    data = client.get(f"/api/payments/invoices/{invoice.number}").json()
    assert (
        data["status"] == "paid"
        and data["receipt_url"].endswith(".pdf")
        and data["promptpay_payload"] is None
    )
    client.force_login(officer)
    report = client.get("/api/payments/reconciliation", {"agency": "MOC.DIT"}).json()
    assert report["agencies"][0]["matched"] == 1 and report["agencies"][0]["received"] == "500.00"
    assert client.get("/api/payments/reconciliation", {"agency": "NOPE"}).status_code == 404
    assert client.get("/api/payments/reconciliation", {"date": "bad"}).status_code == 422
    client.logout()
    assert client.get(f"/api/payments/invoices/{invoice.number}").status_code == 401


def test_an_officer_cancels_an_open_invoice_with_a_reason(
    client, officer, citizen, make_invoice, make_officer, agency
):
    invoice = make_invoice()
    url = reverse("payments:cancel", args=[invoice.number])
    client.force_login(citizen)
    assert (
        'data-testid="cancel-form"'
        not in client.get(reverse("payments:invoice", args=[invoice.number])).content.decode()
    )
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(make_officer("auditor.dit", agency, role="auditor"))
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(officer)
    page = client.get(reverse("payments:invoice", args=[invoice.number])).content.decode()
    assert 'data-testid="cancel-form"' in page
    client.post(url, {"reason": ""})
    invoice.refresh_from_db()
    assert invoice.status == "open"
    answer = client.post(url, {"reason": "ผู้ยื่นขอถอนคำขอ"}, follow=True)
    invoice.refresh_from_db()
    assert invoice.status == "cancelled" and "ผู้ยื่นขอถอนคำขอ" in answer.content.decode()
    assert AuditRecord.objects.filter(
        action="payments.invoice_cancelled", actor=f"user:{officer.pk}"
    ).exists()
