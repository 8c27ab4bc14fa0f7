"""The payments demo data goes through the real services and the demo gateway."""

import pytest
from django.core.management import call_command

from pracha.audit.chain import verify
from pracha.payments import demo_data
from pracha.payments.models import Invoice, Payment, Receipt
from pracha.portal import demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_an_open_a_paid_a_held_and_a_twice_paid_invoice():
    call_command("load_geography", verbosity=0)
    call_command("load_agencies", verbosity=0)
    users = demo.create_accounts()
    line = demo_data.seed(users)
    assert line.startswith("payments: 4 invoices")
    assert sorted(Invoice.objects.values_list("status", flat=True)) == ["held", "open", "paid", "paid"]
    assert sorted(Payment.objects.values_list("status", flat=True)) == [
        "applied",
        "applied",
        "duplicate",
        "held",
    ]
    assert Receipt.objects.count() == 2
    assert verify().ok
