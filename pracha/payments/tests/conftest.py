"""A world for payments tests: an agency with an officer and a supervisor, a citizen with an account,
and invoices made through the real create_invoice."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User
from pracha.payments import gateway, services
from pracha.payments.services import InvoiceItem

PASSWORD = "correct-horse-battery"


def year_be() -> int:
    return timezone.localdate().year + 543


@pytest.fixture
def agency(make_agency):
    agency = make_agency("MOC.DIT")
    agency.abbr_en = "DIT"
    agency.name_en = "Department of Internal Trade"
    agency.name_th = "กรมการค้าภายใน"
    agency.save()
    return agency


@pytest.fixture
def other_agency(make_agency):
    return make_agency("MOF.TD")


@pytest.fixture
def citizen(db) -> User:
    person = Person.objects.create(
        kind=Person.Kind.CITIZEN,
        id_number=make_thai_id("110170020345"),
        name_th="สมชาย ใจดี",
        name_en="Somchai",
    )
    return User.objects.create_user(
        username=person.id_number, password=PASSWORD, person=person, phone="0812345678"
    )


@pytest.fixture
def officer(make_officer, agency) -> User:
    return make_officer("officer.dit", agency)


@pytest.fixture
def make_invoice(agency, citizen):
    def make(total: str = "500.00", **extra) -> services.Invoice:
        args = {
            "agency": agency,
            "payer": citizen.person,
            "payer_name": "สมชาย ใจดี",
            "subject": ("application", "42"),
            "items": [
                InvoiceItem("application", {"th": "ค่าคำขอ", "en": "Application fee"}, Decimal("100.00")),
                InvoiceItem("licence", {"th": "ค่าใบอนุญาต", "en": "Licence fee"}, Decimal(total) - 100),
            ],
        }
        return services.create_invoice(**(args | extra))

    return make


def callback_body(invoice, *, transaction_id: str = "KB0001", amount: str | None = None, **extra) -> bytes:
    data = {
        "transaction_id": transaction_id,
        "ref1": invoice.number,
        "ref2": "MOCDIT",
        "amount": amount or f"{invoice.total:.2f}",
        "currency": "THB",
        "paid_at": "2026-11-24T10:15:00+07:00",
        "timestamp": int(time.time()),
    } | extra
    return json.dumps(data).encode()


def post_callback(client, body: bytes, *, signature: str | None = None, key: str = ""):
    headers = {"HTTP_X_PRACHA_SIGNATURE": gateway.sign(body) if signature is None else signature}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/payments/callback", body, content_type="application/json", **headers)
