"""Invoices through the service functions other apps call (contract C)."""

from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from pracha.audit.models import AuditRecord
from pracha.core.errors import PrachaError
from pracha.payments import promptpay, services
from pracha.payments.models import Invoice
from pracha.payments.services import InvoiceItem

from .conftest import year_be

pytestmark = pytest.mark.django_db


def test_create_invoice_totals_the_items_and_numbers_it(make_invoice, citizen):
    invoice = make_invoice("500.00", description={"th": "ค่าธรรมเนียม", "en": "Fees"})
    assert invoice.total == Decimal("500.00") and invoice.status == "open" and invoice.currency == "THB"
    assert services.is_valid_number(invoice.number) and invoice.number.startswith(str(year_be())[-2:])
    assert [i.code for i in invoice.items.all()] == ["application", "licence"]
    assert services.get_invoice(invoice.number) == invoice
    assert list(services.invoices_for(("application", 42))) == [invoice]
    assert AuditRecord.objects.filter(action="payments.invoice_created", object_id=str(invoice.pk)).exists()


def test_numbers_are_unique_and_check_digits_catch_typos(make_invoice):
    numbers = {make_invoice().number for _ in range(20)}
    assert len(numbers) == 20
    number = numbers.pop()
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert not services.is_valid_number(typo)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"items": []}, "invoice_items_required"),
        ({"payer_name": "  "}, "invoice_payer_required"),
        ({"items": [InvoiceItem("x", {"th": "ก", "en": "x"}, Decimal("0"))]}, "invoice_amount_invalid"),
        ({"items": [InvoiceItem("x", {"th": "ก", "en": "x"}, Decimal("1.001"))]}, "invoice_amount_invalid"),
        ({"items": [InvoiceItem("x", {"th": "ก", "en": "x"}, Decimal("-5"))]}, "invoice_amount_invalid"),
        ({"items": [InvoiceItem("x", {"th": "ก"}, Decimal("5"))]}, "invoice_label_required"),
    ],
)
def test_bad_invoices_are_refused_with_a_code(make_invoice, change, code):
    with pytest.raises(PrachaError) as err:
        make_invoice(**change)
    assert err.value.code == code
    assert not Invoice.objects.exists()


def test_unknown_invoice_is_a_404():
    with pytest.raises(PrachaError) as err:
        services.get_invoice("000000000000")
    assert err.value.status == 404 and err.value.code == "invoice_not_found"


def test_cancel_needs_a_reason_and_an_open_invoice(make_invoice, officer):
    invoice = make_invoice()
    with pytest.raises(PrachaError, match="reason_required"):
        services.cancel_invoice(invoice, actor=officer, reason="")
    services.cancel_invoice(invoice, actor=officer, reason="ผู้ยื่นถอนคำขอ")
    invoice.refresh_from_db()
    assert invoice.status == "cancelled" and invoice.cancel_reason == "ผู้ยื่นถอนคำขอ"
    with pytest.raises(PrachaError) as err:
        services.cancel_invoice(invoice, actor=officer, reason="again")
    assert err.value.code == "invoice_not_open" and err.value.status == 409


def test_payload_carries_the_invoice_and_the_agency_biller(make_invoice, settings):
    settings.PRACHA_PROMPTPAY_BILLERS = '{"MOC.DIT": "099400016389001"}'
    invoice = make_invoice("250.50")
    fields = promptpay.parse(services.promptpay_payload(invoice))
    assert fields["30"] == {
        "00": promptpay.BILL_PAYMENT_AID,
        "01": "099400016389001",
        "02": invoice.number,
        "03": "MOCDIT",
    }
    assert fields["54"] == "250.50" and fields["59"] == "DIT" and fields["60"] == "BANGKOK"


def test_no_biller_means_no_qr_and_a_clear_error(make_invoice, settings):
    settings.PRACHA_PROMPTPAY_DEFAULT_BILLER = ""
    with pytest.raises(PrachaError) as err:
        services.promptpay_payload(make_invoice())
    assert err.value.code == "promptpay_not_configured" and "MOC.DIT" in str(err.value.payload())


def test_the_png_qr_decodes_to_the_payload(make_invoice, tmp_path):
    invoice = make_invoice()
    path = tmp_path / "qr.png"
    path.write_bytes(services.qr_png(invoice))
    found = zxingcpp.read_barcodes(Image.open(path))
    assert [r.text for r in found] == [services.promptpay_payload(invoice)]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_svg_qr_is_the_same_code(make_invoice):
    invoice = make_invoice()
    svg = services.qr_svg(invoice)
    assert svg.startswith("<svg") and 'class="promptpay-qr"' in svg and "width=" not in svg.split(">")[0]
    # The SVG draws the same modules as the PNG: its decoding is checked in the browser test, where
    # Chromium renders it (no SVG rasteriser is installed).
    assert services.qr_code(invoice).error == "M"
