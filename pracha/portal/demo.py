"""Demo data: accounts for every role and petitions in every state, with a believable history.

Past events are created by running the real services with the clock set back (`_clock`), so the
history, deadlines, audit records and notifications are what the platform itself would have written.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from pracha.agencies import services as agencies
from pracha.audit.chain import current_actor
from pracha.core.thai_id import make_thai_id
from pracha.identity import services as identity
from pracha.identity.models import Person, ScopeGrant, User
from pracha.workflow import services as workflow
from pracha.workflow.sweep import sweep

PASSWORD = "demo-pracha-2569"  # noqa: S105 - published in README/docs/demo.md; demo only


@dataclass(frozen=True)
class Officer:
    username: str
    first_name: str
    last_name: str
    role: str
    unit: str
    language: str = "th"


OFFICERS = (
    Officer("admin", "ผู้ดูแล", "แพลตฟอร์ม", "platform_admin", "DGA/main"),
    Officer("counter.chatuchak", "สมศรี", "ใจงาม", "counter_officer", "BMA.1030/complaints"),
    Officer("officer.chatuchak", "วิชัย", "ตั้งใจ", "case_officer", "BMA.1030/complaints"),
    Officer("supervisor.chatuchak", "ประภา", "รักษ์งาน", "supervisor", "BMA.1030/complaints"),
    Officer("officer.doe", "Anan", "Srisuk", "case_officer", "MOL.DOE/main", "en"),
    Officer("supervisor.doe", "กมล", "มั่นคง", "supervisor", "MOL.DOE/main"),
    Officer("admin.doe", "ธนา", "ดูแลดี", "agency_admin", "MOL.DOE/main"),
    Officer("exec.mol", "ปลัด", "แรงงาน", "executive", "MOL/main"),
    Officer("auditor", "ตรวจ", "สอบ", "auditor", "OPM.OPS/main"),
)

CITIZENS = (
    # (first 12 digits of the ID, Thai name, English name, phone, e-mail, language)
    ("110170020345", "สมชาย ใจดี", "Somchai Jaidee", "0812345678", "somchai@example.com", "th"),
    ("310060045678", "มาลี ศรีสุข", "Malee Srisuk", "0898765432", "malee@example.com", "en"),
)


@contextmanager
def _clock(moment: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _ago(now: dt.datetime, days: float = 0, hours: float = 0) -> dt.datetime:
    return now - dt.timedelta(days=days, hours=hours)


def seeded() -> bool:
    return identity.active_user(username="admin") is not None


def create_accounts() -> dict[str, User]:
    users: dict[str, User] = {}
    for o in OFFICERS:
        user = User.objects.create_user(
            username=o.username,
            password=PASSWORD,
            first_name=o.first_name,
            last_name=o.last_name,
            email=f"{o.username}@pracha.example",
            preferred_language=o.language,
        )
        identity.grant_role(user, agencies.contact_point(o.unit).pk, o.role)
        users[o.username] = user
    for agency_code in ("BMA", "MOL"):
        ScopeGrant.objects.create(
            user=users["auditor"],
            agency=agencies.get_agency(agency_code),
            reason="Demo: audit programme 2570",
        )
    for first12, name_th, name_en, phone, email, lang in CITIZENS:
        number = make_thai_id(first12)
        person = Person.objects.create(
            kind=Person.Kind.CITIZEN,
            id_number=number,
            name_th=name_th,
            name_en=name_en,
            phone=phone,
            email=email,
        )
        users[name_en.split()[0].lower()] = User.objects.create_user(
            username=number,
            password=PASSWORD,
            person=person,
            phone=phone,
            email=email,
            preferred_language=lang,
        )
    return users


def _case(title: str, agency: str, unit: str, applicant: User, opened: dt.datetime, steps) -> None:
    """Open a petition at `opened` and take each (hours later, action, actor, reason) step."""
    with _clock(opened):
        case = workflow.start_case(
            "petition",
            agency=agencies.get_agency(agency),
            contact_point=agencies.contact_point(unit),
            title=title,
            applicant=applicant.person,
        )
    for hours, action, actor, reason in steps:
        with _clock(opened + dt.timedelta(hours=hours)):
            workflow.take_action(case, action, actor=actor, reason=reason)


def create_cases(users: dict[str, User], now: dt.datetime) -> None:
    somchai, malee = users["somchai"], users["malee"]
    counter, officer, boss = (
        users["counter.chatuchak"],
        users["officer.chatuchak"],
        users["supervisor.chatuchak"],
    )
    doe, doe_boss = users["officer.doe"], users["supervisor.doe"]
    bkk, unit = "BMA.1030", "BMA.1030/complaints"
    _case("ขอให้ซ่อมไฟส่องสว่างในซอยพหลโยธิน 48", bkk, unit, somchai, _ago(now, hours=2), [])
    _case("ขอให้ตัดแต่งกิ่งไม้ที่บังป้ายรถประจำทาง ถนนงามวงศ์วาน", bkk, unit, malee, _ago(now, days=9), [])
    _case(
        "ขอให้ตรวจสอบกลิ่นเหม็นจากร้านอาหารริมถนนวิภาวดีรังสิต",
        bkk,
        unit,
        somchai,
        _ago(now, days=3),
        [(1, "accept", counter, "")],
    )
    _case(
        "ขอสำเนาแผนผังการระบายน้ำในหมู่บ้านเสนานิเวศน์",
        bkk,
        unit,
        malee,
        _ago(now, days=6),
        [(1, "accept", counter, ""), (20, "request_info", officer, "ขอทราบเลขที่บ้านและจุดที่น้ำท่วมขัง")],
    )
    _case(
        "ขอให้ติดตั้งทางลาดสำหรับผู้สูงอายุหน้าสำนักงานเขต",
        bkk,
        unit,
        somchai,
        _ago(now, days=5),
        [(1, "accept", counter, ""), (30, "propose_reply", officer, "")],
    )
    _case(
        "ขอให้เก็บขยะตกค้างในซอยลาดพร้าว 1",
        bkk,
        unit,
        somchai,
        _ago(now, days=8),
        [(1, "accept", counter, ""), (25, "propose_reply", officer, ""), (30, "approve", boss, "")],
    )
    _case(
        "ขอให้ซ่อมผิวทางเท้าชำรุดหน้าตลาดนัดจตุจักร",
        bkk,
        unit,
        somchai,
        _ago(now, days=20),
        [
            (1, "accept", counter, ""),
            (26, "propose_reply", officer, ""),
            (50, "approve", boss, ""),
            (52, "send_reply", officer, "ซ่อมแล้วเสร็จเมื่อวันที่ 12 และตรวจรับงานเรียบร้อย"),
        ],
    )
    _case(
        "ร้องขอให้ย้ายเสาไฟฟ้าหน้าบ้าน",
        bkk,
        unit,
        malee,
        _ago(now, days=12),
        [(2, "decline", counter, "เสาไฟฟ้าอยู่ในความรับผิดชอบของการไฟฟ้านครหลวง ได้แนะนำให้ติดต่อ กฟน. โทร 1130")],
    )
    _case(
        "ขอใบรับรองการทำงานในต่างประเทศ (ไต้หวัน)",
        "MOL.DOE",
        "MOL.DOE/main",
        malee,
        _ago(now, days=4),
        [(3, "accept", doe, "")],
    )
    _case(
        "ติดตามเงินชดเชยกองทุนเพื่อช่วยเหลือคนหางานไปทำงานในต่างประเทศ",
        "MOL.DOE",
        "MOL.DOE/main",
        somchai,
        _ago(now, days=7),
        [(2, "accept", doe, ""), (30, "propose_reply", doe, ""), (50, "approve", doe_boss, "")],
    )
    _case(
        "สอบถามสิทธิประกันการทำงานครบสัญญา",
        "MOL.DOE",
        "MOL.DOE/main",
        somchai,
        _ago(now, days=2),
        [(1, "withdraw", somchai, "ได้รับคำตอบจากสายด่วน 1694 แล้ว ขอถอนเรื่อง")],
    )


def seed(now: dt.datetime | None = None) -> dict[str, User]:
    """Create the demo accounts and cases once, then sweep so overdue cases are escalated."""
    now = now or timezone.now()
    token = current_actor.set("system:demo")
    try:
        with transaction.atomic():
            users = create_accounts()
            create_cases(users, now)
        sweep(now)
    finally:
        current_actor.reset(token)
    return users


def seed_apps(users: dict[str, User]) -> list[str]:
    """Let every installed app that has a `demo_data` module with `seed(users)` add its demo data, in
    INSTALLED_APPS order (common services before the domain apps that use them). Each returns a line
    saying what it loaded. A new app joins the demo by writing that module, not by editing this file."""
    lines = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo_data":
                raise
            continue
        seed_app = getattr(module, "seed", None)
        if seed_app is None:
            continue  # e.g. complaints.demo_data, which the demo command loads with its own size
        token = current_actor.set("system:demo")
        try:
            lines.append(seed_app(users))
        finally:
            current_actor.reset(token)
    return [line for line in lines if line]


ACCOUNT_TABLE = """
Demo accounts (password for all: {password})
  citizen            {somchai}  สมชาย ใจดี (Thai)
  citizen            {malee}  Malee Srisuk (English)
  platform admin     admin
  counter officer    counter.chatuchak     Chatuchak District Office, complaints desk
  case officer       officer.chatuchak     Chatuchak District Office, complaints desk
  supervisor         supervisor.chatuchak  Chatuchak District Office, complaints desk
  case officer       officer.doe           Department of Employment (English)
  supervisor         supervisor.doe        Department of Employment
  agency admin       admin.doe             Department of Employment
  case officer       officer.dit           Department of Internal Trade (rice-trading licences)
  supervisor         supervisor.dit        Department of Internal Trade (approves licences)
  executive          exec.mol              Ministry of Labour (sees its departments)
  auditor            auditor               sees Bangkok and the Ministry of Labour
"""


def account_table() -> str:
    ids = [make_thai_id(c[0]) for c in CITIZENS]
    return ACCOUNT_TABLE.format(password=PASSWORD, somchai=ids[0], malee=ids[1])
