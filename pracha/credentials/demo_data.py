"""Demo: signing keys for the agencies the demo e-services use, and three sample credentials (valid,
expired, revoked) so that the verification page has something to answer about before any application
is approved."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.identity.models import User

from . import keys, services

AGENCY_CODES = ("MOC.DIT", "MOL.DOE", "MOAC.LDD", "MOF.TD", "MOTS.DOT", "MIND.DIW")
DEMO_SUBJECT = "credentials.demo"


def seed(users: dict[str, User]) -> str:
    agencies = list(Agency.objects.filter(code__in=AGENCY_CODES)) + list(
        Agency.objects.filter(kind=Agency.Kind.BMA_DISTRICT, active=True)
    )
    keys.init_keys(agencies)
    samples = _sample_credentials(users)
    return (
        f"credentials: root CA and signing keys for {len(agencies)} agencies; "
        f"{samples} sample credentials (valid, expired, revoked)"
    )


def _sample_credentials(users: dict[str, User]) -> int:
    by_code = {a.code: a for a in Agency.objects.filter(code__in=("MOC.DIT", "MOTS.DOT"))}
    somchai, malee = users.get("somchai"), users.get("malee")
    if len(by_code) < 2 or not (somchai and somchai.person and malee and malee.person):
        return 0
    today = timezone.localdate()
    services.issue(
        agency=by_code["MOC.DIT"],
        kind="rice-trading-licence",
        title={"th": "ใบอนุญาตค้าข้าว", "en": "Rice-trading licence"},
        holder=somchai.person,
        holder_name=somchai.person.name_th,
        claims={"shop_name": "ร้านสมชายค้าข้าว", "address": "12 ถนนพหลโยธิน แขวงจตุจักร เขตจตุจักร กรุงเทพมหานคร"},
        claim_labels={
            "shop_name": {"th": "ชื่อร้าน", "en": "Shop name"},
            "address": {"th": "ที่ตั้งสถานประกอบการ", "en": "Place of business"},
        },
        subject=(DEMO_SUBJECT, "rice-1"),
        valid_until=today + dt.timedelta(days=365),
        reference="DEMO-DIT-2569-0001",
    )
    guide_labels = {
        "card_type": {"th": "ประเภทบัตร", "en": "Card type"},
        "languages": {"th": "ภาษา", "en": "Languages"},
    }
    services.issue(
        agency=by_code["MOTS.DOT"],
        kind="tour-guide-licence",
        title={"th": "ใบอนุญาตเป็นมัคคุเทศก์", "en": "Tour-guide licence"},
        holder=malee.person,
        holder_name=malee.person.name_en or malee.person.name_th,
        claims={"card_type": {"th": "ทั่วไป (ต่างประเทศ)", "en": "General (foreign)"}, "languages": ["English"]},
        claim_labels=guide_labels,
        subject=(DEMO_SUBJECT, "guide-expired"),
        valid_from=today - dt.timedelta(days=5 * 365),
        valid_until=today - dt.timedelta(days=30),
        reference="DEMO-DOT-2564-0042",
    )
    revoked = services.issue(
        agency=by_code["MOTS.DOT"],
        kind="tour-guide-licence",
        title={"th": "ใบอนุญาตเป็นมัคคุเทศก์", "en": "Tour-guide licence"},
        holder=malee.person,
        holder_name=malee.person.name_en or malee.person.name_th,
        claims={"card_type": {"th": "เฉพาะพื้นที่", "en": "Local area"}, "languages": ["English", "ไทย"]},
        claim_labels=guide_labels,
        subject=(DEMO_SUBJECT, "guide-revoked"),
        valid_until=today + dt.timedelta(days=2 * 365),
        reference="DEMO-DOT-2569-0107",
    )
    services.revoke(revoked, actor=None, reason="ออกซ้ำโดยผิดหลง แทนที่ด้วยใบอนุญาตเลขที่ DEMO-DOT-2564-0042")
    return 3
