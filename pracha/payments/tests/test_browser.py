"""On a phone: a citizen opens an invoice, the Thai QR on screen decodes to the invoice's PromptPay
payload, they pay with the demo gateway and download the e-receipt."""

import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from pracha.conftest import screenshot
from pracha.payments import gateway, services
from pracha.payments.models import Invoice

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.phone
def test_a_citizen_pays_an_invoice_on_a_phone_and_downloads_the_receipt(page, citizen, make_invoice):
    invoice = make_invoice(
        "500.00", description={"th": "ค่าธรรมเนียมใบอนุญาตค้าข้าว", "en": "Rice-trading licence fees"}
    )
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill(citizen.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.goto(f"/payments/invoices/{invoice.number}/")

    expect(page.get_by_test_id("invoice-status")).to_have_text("รอชำระเงิน")
    expect(page.get_by_test_id("invoice-amount")).to_have_text("500.00")
    expect(page.get_by_test_id("invoice-reference")).to_have_text(invoice.number)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    qr = page.get_by_test_id("promptpay-qr")
    box = qr.bounding_box()
    assert box["width"] >= 250, box  # large enough to scan from another phone
    screenshot(page, "payments-invoice-phone-th")
    # What the payer's bank app would read: the QR as Chromium drew the SVG on the phone screen.
    shot = Image.open(io.BytesIO(qr.screenshot()))
    decoded = [r.text for r in zxingcpp.read_barcodes(shot)]
    assert decoded == [services.promptpay_payload(invoice)]

    page.get_by_test_id("demo-pay").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("ชำระแล้ว")
    expect(page.get_by_role("status")).to_contain_text("ได้รับการชำระเงินแล้ว")
    screenshot(page, "payments-invoice-paid-phone-th")
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"

    link = page.get_by_test_id("receipt-link")
    href = link.get_attribute("href")
    receipt = Invoice.objects.get(pk=invoice.pk).receipt
    assert href == f"/payments/receipts/{receipt.number}.pdf"
    pdf = page.context.request.get(href)  # the signed-in tab's cookies
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


@pytest.mark.phone
def test_an_officer_applies_a_short_payment_and_reads_the_reconciliation_in_english(
    page, officer, make_invoice
):
    invoice = make_invoice("500.00")
    gateway.demo_pay(invoice, amount=Decimal("499.00"))
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill(officer.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.goto("/payments/held/")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments held for checking")
    row = page.get_by_test_id("held-payments").get_by_role("listitem").filter(has_text=invoice.number)
    expect(row).to_contain_text("The amount differs from the invoice")
    screenshot(page, "payments-held-phone-en")
    row.get_by_label("Reason").fill("Short by 1 baht: the bank's fee; accepted")
    row.get_by_role("button", name="Apply to the invoice").click()
    expect(page.get_by_role("status")).to_contain_text("The payment was applied and the invoice is paid.")
    expect(page.get_by_text("No payment is waiting for a decision.")).to_be_visible()
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"

    page.goto("/payments/reconciliation/")
    section = page.get_by_test_id("reconciliation-agency")
    expect(section.get_by_test_id("matched")).to_have_text("0")
    expect(section).to_contain_text("499.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "payments-reconciliation-phone-en")
