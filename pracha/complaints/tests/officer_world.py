"""A small world for the officer workbench's tests: two Bangkok district offices and MEA with their
units and officers, a little geography, and complaints with real workflow cases (made directly with
the models and the workflow engine, as intake would leave them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from pracha.agencies.models import Agency, ContactPoint, District, Province, Subdistrict
from pracha.complaints.models import Complaint
from pracha.identity.models import User
from pracha.identity.services import grant_role
from pracha.workflow import services as workflow

PASSWORD = "correct-horse-battery"  # noqa: S105 (test accounts)


@dataclass
class World:
    district: Agency  # BMA.1030, the complaints' usual holder
    other: Agency  # BMA.1001, another agency whose officers must see nothing of BMA.1030
    mea: Agency
    psc: Agency  # OPM.OPS, the 1111 centre's triage unit
    works: ContactPoint
    cleanliness: ContactPoint
    officer: User
    supervisor: User
    admin: User
    executive: User
    outsider: User  # a case officer of BMA.1001
    triage_officer: User
    sub_a: Subdistrict
    sub_b: Subdistrict


# The registry's own names (agencies/data/*.yaml), so pages and screenshots read as officers see them.
AGENCY_NAMES = {
    "BMA": ("กรุงเทพมหานคร", "Bangkok Metropolitan Administration"),
    "BMA.1030": ("สำนักงานเขตจตุจักร", "Chatuchak District Office"),
    "BMA.1001": ("สำนักงานเขตพระนคร", "Phra Nakhon District Office"),
    "MEA": ("การไฟฟ้านครหลวง", "Metropolitan Electricity Authority"),
    "OPM.OPS": ("สำนักงานปลัดสำนักนายกรัฐมนตรี", "Office of the Permanent Secretary, PMO"),
}
UNIT_NAMES = {
    "BMA/main": ("สารบรรณกลาง", "Central correspondence"),
    "main": ("ฝ่ายปกครอง", "Administration Section"),
    "works": ("ฝ่ายโยธา", "Public Works Section"),
    "cleanliness": ("ฝ่ายรักษาความสะอาดและสวนสาธารณะ", "Cleansing and Public Parks Section"),
    "MEA/main": ("สารบรรณกลาง", "Central correspondence"),
    "OPM.OPS/main": ("สารบรรณกลาง", "Central correspondence"),
    "psc-1111": ("ศูนย์บริการประชาชน สำนักงานปลัดสำนักนายกรัฐมนตรี", "Public Service Center (hotline 1111)"),
}


def _agency(code: str, kind: str, units: list[str], parent: Agency | None = None) -> Agency:
    name_th, name_en = AGENCY_NAMES[code]
    agency = Agency.objects.create(code=code, name_th=name_th, name_en=name_en, kind=kind, parent=parent)
    for unit in units:
        unit_th, unit_en = UNIT_NAMES.get(f"{code}/{unit}") or UNIT_NAMES[unit]
        ContactPoint.objects.create(agency=agency, code=f"{code}/{unit}", name_th=unit_th, name_en=unit_en)
    return agency


def _officer(username: str, cp: ContactPoint, role: str, **extra) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    grant_role(user, cp.pk, role)
    return user


@pytest.fixture
def world(db, settings) -> World:
    # Officers are made by the dozen; the production password hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bkk = Province.objects.create(code="10", name_th="กรุงเทพมหานคร", name_en="Bangkok")
    chatuchak = District.objects.create(code="1030", name_th="จตุจักร", name_en="Chatuchak", province=bkk)
    sub_a = Subdistrict.objects.create(code="103001", name_th="ลาดยาว", name_en="Lat Yao", district=chatuchak)
    sub_b = Subdistrict.objects.create(
        code="103002", name_th="เสนานิคม", name_en="Sena Nikhom", district=chatuchak
    )
    bma = _agency("BMA", "bma", ["main"])
    district = _agency("BMA.1030", "bma_district", ["main", "works", "cleanliness"], parent=bma)
    other = _agency("BMA.1001", "bma_district", ["main", "works"], parent=bma)
    mea = _agency("MEA", "state_enterprise", ["main"])
    psc = _agency("OPM.OPS", "pm_office_body", ["main", "psc-1111"])
    units = {cp.code: cp for cp in ContactPoint.objects.all()}
    return World(
        district=district,
        other=other,
        mea=mea,
        psc=psc,
        works=units["BMA.1030/works"],
        cleanliness=units["BMA.1030/cleanliness"],
        officer=_officer("somchai", units["BMA.1030/works"], "case_officer", email="somchai@bma.example"),
        supervisor=_officer("boss", units["BMA.1030/main"], "supervisor", email="boss@bma.example"),
        admin=_officer("admin1030", units["BMA.1030/main"], "agency_admin", email="admin@bma.example"),
        executive=_officer("exec", units["BMA/main"], "executive"),
        outsider=_officer("stranger", units["BMA.1001/works"], "case_officer"),
        triage_officer=_officer("triage", units["OPM.OPS/psc-1111"], "case_officer"),
        sub_a=sub_a,
        sub_b=sub_b,
    )


def make_complaint(
    text: str,
    cp: ContactPoint,
    *,
    categories: list | None = None,
    subdistrict: Subdistrict | None = None,
    lat: float | None = None,
    lng: float | None = None,
    channel: str = "web",
    urgency: str = "",
    received_at: dt.datetime | None = None,
    triage: bool = False,
    forwarding_hours: float = 72,
    phone: str = "0812345678",
) -> Complaint:
    """A routed complaint with its case, as intake leaves it (forwarded, or in triage)."""
    complaint = Complaint.objects.create(
        channel=channel,
        text=text,
        categories=categories if categories is not None else [["footpath", 0.91], ["road", 0.4]],
        intent="complaint",
        intent_confidence=0.9,
        urgency=urgency,
        urgency_confidence=0.8 if urgency else None,
        model_version="test-model",
        subdistrict=subdistrict,
        latitude=Decimal(str(lat)) if lat is not None else None,
        longitude=Decimal(str(lng)) if lng is not None else None,
        contact_name="สมศรี ใจดี",
        contact_phone=phone,
        routing=Complaint.Routing.TRIAGE if triage else Complaint.Routing.ROUTED,
        routing_reason={
            "reason": {"th": "ทางเท้าในเขตจตุจักร", "en": "Footpaths in Chatuchak"},
            "rule": "footpath",
        },
        agency=cp.agency,
        contact_point=cp,
        received_at=received_at or timezone.now(),
    )
    limit = {"amount": forwarding_hours, "unit": "hours"}
    case = workflow.start_case(
        "complaint",
        agency=cp.agency,
        contact_point=cp,
        title=text[:80],
        subject=complaint,
        data={"tracking_code": complaint.tracking_code},
        time_limits={"triage": limit, "forwarded": limit},
        initial_state="triage" if triage else None,
    )
    complaint.case = case
    complaint.save(update_fields=["case"])
    return complaint
