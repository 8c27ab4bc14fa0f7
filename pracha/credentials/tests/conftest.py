"""Fixtures: a real agency, a holder and credentials issued through services.issue (real keys, real PDFs)."""

import datetime as dt

import pytest
from django.utils import timezone

from pracha.agencies.models import Agency, ContactPoint
from pracha.core.thai_id import make_thai_id
from pracha.credentials import services
from pracha.identity.models import Person

RICE_LABELS = {
    "shop_name": {"th": "ชื่อร้าน", "en": "Shop name"},
    "address": {"th": "ที่ตั้ง", "en": "Address"},
    "licence_type": {"th": "ประเภทใบอนุญาต", "en": "Licence type"},
}


@pytest.fixture
def dit(db) -> Agency:
    agency = Agency.objects.create(
        code="MOC.DIT", name_th="กรมการค้าภายใน", name_en="Department of Internal Trade", kind="department"
    )
    ContactPoint.objects.create(
        agency=agency, code="MOC.DIT/licence", name_th="กองใบอนุญาต", name_en="Licensing"
    )
    return agency


@pytest.fixture
def holder(db) -> Person:
    return Person.objects.create(
        kind="citizen",
        id_number=make_thai_id("110170020345"),
        name_th="นางสาวสมศรี ใจดี",
        name_en="Somsri Jaidee",
    )


@pytest.fixture
def issue(dit, holder):
    """issue(**overrides) -> Credential: a rice-trading licence unless told otherwise."""

    def make(**overrides):
        arguments = {
            "agency": dit,
            "kind": "rice-trading-licence",
            "title": {"th": "ใบอนุญาตค้าข้าว", "en": "Rice-trading licence"},
            "holder": holder,
            "holder_name": holder.name_th,
            "claims": {
                "shop_name": "ร้านข้าวหอมมะลิทุ่งกุลา",
                "address": "99 ถ.มิตรภาพ อ.เมือง จ.ขอนแก่น",
                "licence_type": "ขายปลีก",
            },
            "claim_labels": RICE_LABELS,
            "subject": ("test.application", "1"),
            "valid_until": timezone.localdate() + dt.timedelta(days=365),
            "reference": "DIT-2569-000123",
        }
        arguments.update(overrides)
        return services.issue(**arguments)

    return make
