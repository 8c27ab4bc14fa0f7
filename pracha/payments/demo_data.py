"""Demo invoices and payments, made through the real services and the demo gateway's signed callbacks:
one awaiting payment, one paid with its e-receipt, one paid short (held for MOL.DOE's officers) and one
paid twice (to be refunded), so the invoice page, the held payments and today's reconciliation all
have something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pracha.agencies import services as agencies
from pracha.identity.models import User

from . import gateway, services
from .services import InvoiceItem

SUBJECT = "payments.demo"  # no handler is registered for it: settling only marks the invoice paid


def _invoice(
    agency: str, user: User, n: int, items: list[tuple[str, str, str, str]], what: dict
) -> services.Invoice:
    person = user.person
    return services.create_invoice(
        agency=agencies.get_agency(agency),
        payer=person,
        payer_name=person.name_th,
        subject=(SUBJECT, str(n)),
        items=[InvoiceItem(code, {"th": th, "en": en}, Decimal(amount)) for code, th, en, amount in items],
        due_at=timezone.now() + dt.timedelta(days=7),
        description=what,
    )


def seed(users: dict[str, User]) -> str:
    somchai, malee = users["somchai"], users["malee"]
    rice = _invoice(
        "MOC.DIT",
        somchai,
        1,
        [
            ("application", "ค่าคำขอ", "Application fee", "100.00"),
            ("licence", "ค่าใบอนุญาตค้าข้าว", "Rice-trading licence fee", "400.00"),
        ],
        {"th": "ค่าธรรมเนียมใบอนุญาตค้าข้าว", "en": "Rice-trading licence fees"},
    )
    rent = _invoice(
        "MOF.TD",
        malee,
        2,
        [("rent", "ค่าเช่าที่ราชพัสดุ งวดปี 2569", "State-property rent, year 2569", "1200.00")],
        {"th": "ค่าเช่าที่ราชพัสดุ", "en": "State-property rent"},
    )
    short = _invoice(
        "MOL.DOE",
        somchai,
        3,
        [("certificate", "ค่าหนังสือรับรองการทำงานในต่างประเทศ", "Certificate of work abroad", "200.00")],
        {"th": "ค่าหนังสือรับรอง", "en": "Certificate fee"},
    )
    twice = _invoice(
        "MOL.DOE",
        malee,
        4,
        [("copy", "ค่าคัดสำเนาเอกสาร", "Copies of documents", "50.00")],
        {"th": "ค่าคัดสำเนาเอกสาร", "en": "Copies of documents"},
    )
    if not gateway.demo_gateway_enabled():
        return "payments: 4 invoices awaiting payment (the demo gateway is off, so none was paid)"
    gateway.demo_pay(rent)
    gateway.demo_pay(short, Decimal("180.00"))
    gateway.demo_pay(twice)
    gateway.demo_pay(twice)
    return (
        f"payments: 4 invoices (open {rice.number}; paid {rent.number} with its e-receipt; "
        "one paid short and one paid twice, held for MOL.DOE's officers)"
    )
