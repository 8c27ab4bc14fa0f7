"""Demo applications: the demo citizens' applications for several services, in several states, made
by the real services (so cases, deadlines, invoices, licences, notifications and audit records are
what the platform writes). Also connects each e-service's agency to the data exchange as a consumer
with a grant per service, where the hub has the provider's service published."""

from __future__ import annotations

import datetime as dt
import logging
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError
from pracha.core.queue import claim, run_job
from pracha.exchange import services as exchange
from pracha.exchange.models import Grant, Member
from pracha.identity import services as identity
from pracha.identity.models import Role, User
from pracha.payments import gateway
from pracha.services import catalogue

from . import services
from .models import Application

log = logging.getLogger("pracha.applications")

GRANT_DAYS = 3650


def connect_services(admin: User, codes: list[str] | None = None) -> list[str]:
    """Register each service's agency as a consumer of the exchange (approved by `admin`, a platform
    administrator) and grant it the fields its fetchable documents need, with the service's code as
    the purpose. Services whose provider is not published are skipped. Returns "agency:service" done."""
    done = []
    now = timezone.now()
    for definition in catalogue.load_definitions().values():
        if codes is not None and definition.code not in codes:
            continue
        wanted: dict[str, set[str]] = {}
        for doc in definition.fetchable_documents:
            wanted.setdefault(doc.fetch.service, set()).update(doc.fetch.fields)
        if not wanted:
            continue
        agency = Agency.objects.get(code=definition.agency)
        member = Member.objects.filter(
            agency=agency, role__in=[Member.Role.CONSUMER, Member.Role.BOTH]
        ).first()
        if member is None:
            member = exchange.register_member(
                agency=agency,
                code=f"{agency.code.lower().replace('.', '-')}-eservices",
                name=f"{agency.name_en or agency.code} e-services",
                role=Member.Role.CONSUMER,
                contact_email="eservices@pracha.example",
                actor=admin,
            )
            member = exchange.decide_member(member, approve=True, actor=admin)
        for service_code, fields in sorted(wanted.items()):
            try:
                service = exchange.get_service(service_code)
            except PrachaError:  # the provider is not published in this hub
                log.info(
                    "exchange service %s is not published: %s fetches by upload only",
                    service_code,
                    definition.code,
                )
                continue
            if Grant.objects.filter(consumer=member, service=service, purpose=definition.code).exists():
                continue
            request = exchange.request_access(
                service=service,
                consumer=member,
                purpose=definition.code,
                purpose_text=f"{definition.name['en']}: check the applicant's record instead of a copy",
                fields=sorted(fields, key=service.field_names.index),
                valid_from=now - dt.timedelta(days=1),
                valid_until=now + dt.timedelta(days=GRANT_DAYS),
                actor=admin,
            )
            exchange.decide_request(request, approve=True, actor=admin)
            done.append(f"{agency.code}:{service_code}:{definition.code}")
    return done


# --- The demo applications -------------------------------------------------------------------------

# The Department of Internal Trade has no officers among the core demo accounts: the rice-trading
# licences need two (same password as every demo account).
DIT_OFFICERS = (
    ("officer.dit", "พิมพ์ใจ", "ค้าขาย", (Role.COUNTER_OFFICER, Role.CASE_OFFICER)),
    ("supervisor.dit", "ธีระ", "ข้าวดี", (Role.SUPERVISOR,)),
)


def png_bytes(width: int = 32, height: int = 24, shade: int = 0xC8) -> bytes:
    """A real PNG image (one grey tone): what a phone camera's scan of a document stands for here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@contextmanager
def _clock(moment: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _dit_officers(users: dict[str, User]) -> dict[str, User]:
    from pracha.portal.demo import PASSWORD

    unit = Agency.objects.get(code="MOC.DIT").contact_points.order_by("id").first()
    made = {}
    for username, first, last, roles in DIT_OFFICERS:
        user = identity.active_user(username=username)
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@pracha.example",
            )
        for role in roles:
            identity.grant_role(user, unit.pk, role)
        made[username] = user
    return made


def _documents(app: Application, user: User, fetch: bool) -> None:
    """Every required document: fetched through the exchange where the service allows it and the
    provider answers, else a scanned copy."""
    definition = services.definition_of(app)
    for spec in definition.documents:
        if not spec.required:
            continue
        if fetch and spec.fetch is not None:
            try:
                services.fetch_document(app, spec.code, user, consent=True)
                continue
            except PrachaError as exc:
                log.info("demo: %s not fetched (%s), uploading a copy", spec.code, exc.code)
        kind = "png" if "png" in spec.accept else "pdf"
        data = png_bytes() if kind == "png" else _pdf(forms_title(spec))
        services.add_upload(app, spec.code, SimpleUploadedFile(f"{spec.code}.{kind}", data), actor=user)


def forms_title(spec) -> str:
    return str(spec.name.get("th", spec.code)) if isinstance(spec.name, dict) else spec.code


def _pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>{text}</h1><p>สำเนาเอกสารตัวอย่าง (demo)</p>").write_pdf()


def _apply(
    user: User, code: str, pages: dict[int, dict], at: dt.datetime, *, fetch: bool = True
) -> Application:
    with _clock(at):
        app = services.start_draft(user, code)
        for index, values in pages.items():
            services.save_page(app, index, values)
        _documents(app, user, fetch)
        services.submit(app, user)
    return app


def _step(app: Application, action: str, user: User, at: dt.datetime, reason: str = "") -> None:
    with _clock(at):
        services.act(app, action, user, reason)


def _run_jobs(kinds: list[str]) -> None:
    while jobs := claim(limit=20, kinds=kinds):
        for job in jobs:
            run_job(job)


RICE_SOMCHAI = {
    1: {"trade_type": "milled_rice_retail"},
    2: {
        "premises_name": "ร้านข้าวสารสมชาย",
        "premises_address": "48/12 ถนนพหลโยธิน แขวงจตุจักร เขตจตุจักร กรุงเทพมหานคร 10900",
        "storage_capacity_tonnes": 8,
    },
}
RICE_MALEE = {
    1: {"trade_type": "rice_yard"},
    2: {
        "premises_name": "ท่าข้าวมาลี",
        "premises_address": "9 ถนนรามคำแหง แขวงหัวหมาก เขตบางกะปิ กรุงเทพมหานคร 10240",
    },
}
WORKER_CLAIM = {
    1: {
        "benefit_type": "gratuity",
        "country": "ไต้หวัน",
        "employer_abroad": "Hsinchu Precision Electronics Co., Ltd.",
        "contract_end": "2022-01-31",
        "amount_claimed": 42000,
    },
    2: {"bank_name": "ธนาคารกรุงไทย", "bank_account_no": "1234567890"},
}
ELDERLY = {
    1: {"birth_date": "1987-03-14", "no_state_pension": True},
    2: {"payment_method": "own_account", "bank_name": "ธนาคารออมสิน", "bank_account_no": "020123456789"},
}


def seed(users: dict[str, User]) -> str:
    """Six applications of the two demo citizens: a licence issued, one waiting for its fee, one sent
    back for correction, one under review, one rejected and a draft."""
    if Application.objects.exists():
        return ""
    now = timezone.now()
    somchai, malee = users["somchai"], users["malee"]
    dit = _dit_officers(users)
    connected = connect_services(users["admin"])
    day = dt.timedelta(days=1)

    # สมชาย: a rice-trading licence, approved, paid and issued (the signed PDF is on his status page).
    rice = _apply(somchai, "rice-trading-licence", RICE_SOMCHAI, now - 8 * day)
    _step(rice, "accept", dit["officer.dit"], now - 7 * day)
    _step(rice, "recommend", dit["officer.dit"], now - 6 * day)
    _step(rice, "approve", dit["supervisor.dit"], now - 5 * day)
    gateway.demo_pay(services.invoices_of(rice)[0])
    _run_jobs(["payments.settled", "applications.issue", "notify.deliver"])

    # สมชาย: his claim for a gratuity from Taiwan, sent back by DOE for the passport's exit stamps.
    claim_app = _apply(somchai, "worker-abroad-benefit-claim", WORKER_CLAIM, now - 3 * day)
    _step(
        claim_app,
        "send_back",
        users["officer.doe"],
        now - 2 * day,
        "Please attach the passport pages with the exit and entry stamps of 2019 and 2022.",
    )
    with _clock(now - 2 * day):
        services.post_message(
            claim_app, users["officer.doe"], "ขอสำเนาหนังสือเดินทางหน้าที่มีตราประทับเข้า-ออกประเทศด้วยครับ"
        )

    # สมชาย: the elderly allowance, refused: he is not 60 yet.
    elderly = _apply(somchai, "elderly-allowance", ELDERLY, now - 6 * day)
    _step(elderly, "accept", users["counter.chatuchak"], now - 6 * day + dt.timedelta(hours=2))
    _step(elderly, "recommend", users["officer.chatuchak"], now - 4 * day)
    _step(
        elderly,
        "reject",
        users["supervisor.chatuchak"],
        now - 3 * day,
        "ผู้ยื่นอายุ 39 ปี ยังไม่ครบ 60 ปีในปีงบประมาณถัดไป จึงไม่มีสิทธิตามระเบียบ",
    )

    # Malee: a rice-yard licence approved, waiting for her to pay the 100-baht fee.
    yard = _apply(malee, "rice-trading-licence", RICE_MALEE, now - 4 * day)
    _step(yard, "accept", dit["officer.dit"], now - 4 * day + dt.timedelta(hours=3))
    _step(yard, "recommend", dit["officer.dit"], now - 2 * day)
    _step(yard, "approve", dit["supervisor.dit"], now - 1 * day)

    # Malee: her own worker's claim, checked and now under review at DOE.
    malee_claim = _apply(
        malee,
        "worker-abroad-benefit-claim",
        {
            1: {**WORKER_CLAIM[1], "benefit_type": "provident_fund", "employer_abroad": "Seoul Auto Parts"},
            2: WORKER_CLAIM[2],
        },
        now - 2 * day,
    )
    _step(malee_claim, "accept", users["officer.doe"], now - 1 * day)

    # Malee: a draft she has not finished.
    with _clock(now - 1 * day):
        draft = services.start_draft(malee, "elderly-allowance")
        services.save_page(draft, 2, {"payment_method": "representative_account"})
    fetched = "with documents fetched through the exchange" if connected else "with uploaded copies"
    return (
        "applications: 6 for the demo citizens (issued, awaiting payment, correction, review, rejected, "
        f"draft), {fetched}; officers officer.dit and supervisor.dit at MOC.DIT"
    )
