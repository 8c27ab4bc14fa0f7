"""Demo: the three agency systems registered and published in the hub's directory, consumer systems of
the agencies whose e-services fetch documents, with the grants those fetches need, a few calls and a
data-quality check of each provider. The providers must be running (`pracha demo` starts them first)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.utils import timezone

from pracha.agencies.services import get_agency
from pracha.core.errors import PrachaError
from pracha.identity.models import User
from pracha_providers.demo import demo_config
from pracha_providers.openapi import describe
from pracha_providers.records import PROVIDERS

from . import quality_runs, services
from .directory import fields_from_openapi
from .models import Member

POP, SSO, DOE = "dopa.population_record", "sso.insured_status", "doe.worker_abroad"
ID_AND_NAME = ["id_number", "first_name", "last_name"]
# (consumer agency, service, purpose = the e-service's code, fields, lawful basis, agreement): what the
# e-services' document fetches need (pracha/services/definitions), and two uses that need no consent.
GRANTS = [
    ("BMA.1030", POP, "commercial-registration", [*ID_AND_NAME, "nationality", "status"], "consent", ""),
    (
        "BMA.1030",
        POP,
        "elderly-allowance",
        [
            *ID_AND_NAME,
            "birth_date",
            "nationality",
            "status",
            "address",
            "house_registration_no",
            "moved_in_at",
        ],
        "consent",
        "",
    ),
    ("MIND.DIW", POP, "factory-licence", [*ID_AND_NAME, "nationality", "status"], "consent", ""),
    (
        "MOC.DIT",
        POP,
        "rice-trading-licence",
        [*ID_AND_NAME, "birth_date", "nationality", "status", "address", "house_registration_no"],
        "consent",
        "",
    ),
    ("MOAC.LDD", POP, "soil-doctor-request", [*ID_AND_NAME, "address"], "consent", ""),
    ("MOAC.LDD", POP, "soil-health-assessment", [*ID_AND_NAME, "address"], "consent", ""),
    ("MOF.TD", POP, "state-property-rent", [*ID_AND_NAME, "status"], "consent", ""),
    (
        "MOTS.DOT",
        POP,
        "tour-guide-licence",
        [*ID_AND_NAME, "birth_date", "nationality", "status", "address", "house_registration_no"],
        "consent",
        "",
    ),
    # Tracing a worker abroad is asked by a relative: the Department acts under the law that protects
    # workers abroad, not under the worker's consent.
    (
        "MOL.DOE",
        POP,
        "trace-worker-abroad",
        [*ID_AND_NAME, "address", "status"],
        "legal_obligation",
        "",
    ),
    (
        "MOL.DOE",
        DOE,
        "trace-worker-abroad",
        [
            "country",
            "employer_abroad",
            "job_title",
            "contract_start",
            "contract_end",
            "departure_date",
            "status",
        ],
        "legal_obligation",
        "",
    ),
    (
        "MOL.DOE",
        SSO,
        "work-permit-renewal",
        ["insured", "section", "employer_name", "employer_id", "last_contribution_month"],
        "consent",
        "",
    ),
    (
        "MOL.DOE",
        POP,
        "worker-abroad-benefit-claim",
        [*ID_AND_NAME, "birth_date", "status", "address"],
        "consent",
        "",
    ),
    (
        "MOL.DOE",
        DOE,
        "worker-abroad-benefit-claim",
        [
            "country",
            "employer_abroad",
            "job_title",
            "contract_start",
            "contract_end",
            "departure_date",
            "return_date",
            "status",
        ],
        "consent",
        "",
    ),
    # Digital ID proofs a person remotely against the civil registry (decision 1300: public task).
    (
        settings.PRACHA_IDENTITY_AGENCY,
        POP,
        "identity_proofing",
        ["id_number", "first_name", "last_name", "birth_date", "house_registration_no", "status"],
        "public_task",
        "",
    ),
    # Benefits are paid only to people the civil registry shows alive (agreement registry.dopa.status_check).
    ("MOL.SSO", POP, "benefit-status-check", ["id_number", "status", "address"], "public_task", ""),
]
# What a citizen reads on "my data" (the requests' stated purposes; the demo's agencies write Thai).
PURPOSE_TEXT = {
    "identity_proofing": "พิสูจน์ตัวตนทางดิจิทัลกับทะเบียนราษฎร",
    "benefit-status-check": "ตรวจสอบว่าผู้มีสิทธิยังมีชีวิตอยู่และที่อยู่ปัจจุบันก่อนจ่ายสิทธิประโยชน์",
    "trace-worker-abroad": "ติดตามแรงงานไทยในต่างประเทศตามคำร้องของญาติ ตามกฎหมายคุ้มครองคนหางาน",
}
ESERVICE_PURPOSE = "ใช้แทนสำเนาเอกสารประกอบคำขอบริการ “{purpose}” ตามที่ผู้ยื่นคำขอให้ความยินยอม"


def _member(agency_code: str, role: str, admin: User) -> Member:
    agency = get_agency(agency_code)
    code = agency_code.lower().replace(".", "-") + (
        "-registry" if role == Member.Role.PROVIDER else "-eservices"
    )
    found = Member.objects.filter(code=code).first()
    if found:
        return found
    kind = "registry" if role == Member.Role.PROVIDER else "e-services"
    member = services.register_member(
        agency=agency,
        code=code,
        name=f"{agency.name_en or agency.name_th} {kind}",
        role=role,
        contact_email=f"it@{agency_code.lower().replace('.', '-')}.example.go.th",
        actor=admin,
    )
    return services.decide_member(member, approve=True, actor=admin)


def seed(users: dict[str, User]) -> str:
    admin = users["admin"]  # the hub administrator (platform admin)
    config = demo_config(settings.VAR_DIR / "providers")
    published = {}
    for name, running in config.items():
        spec = PROVIDERS[name]
        openapi = describe(spec)
        basis = f"eservice.{spec.service_code}"
        published[spec.service_code] = services.publish_service(
            provider=_member(spec.agency_code, Member.Role.PROVIDER, admin),
            code=spec.service_code,
            name_th=spec.title["th"],
            name_en=spec.title["en"],
            summary_th=openapi["info"].get("x-summary-th", ""),
            summary_en=openapi["info"].get("description", ""),
            base_url=running.url,
            api_key=running.api_key,
            openapi=openapi,
            fields=fields_from_openapi(openapi),
            lawful_basis="consent",
            consent_agreement=basis,
        )
    now = timezone.now()
    grants = 0
    for agency_code, service_code, purpose, fields, lawful_basis, agreement in GRANTS:
        consumer = _member(agency_code, Member.Role.CONSUMER, admin)
        req = services.request_access(
            service=published[service_code],
            consumer=consumer,
            purpose=purpose,
            purpose_text=PURPOSE_TEXT.get(
                purpose, f"E-service “{purpose}”: the applicant's document, fetched once-only"
            ),
            fields=fields,
            valid_from=now - dt.timedelta(days=30),
            valid_until=now + dt.timedelta(days=365),
            actor=None,
            lawful_basis=lawful_basis,
            consent_agreement=agreement or (f"eservice.{service_code}" if lawful_basis == "consent" else ""),
        )
        services.decide_request(req, approve=True, actor=None)
        grants += 1
    calls = _demo_calls(users)
    checked = 0
    for service in published.values():
        try:
            quality_runs.check_service(service)
            checked += 1
        except PrachaError:
            pass  # the provider is not running: the quality page says "not checked yet"
    return (
        f"exchange: {len(published)} provider services, {grants} grants, {calls} calls through the hub, "
        f"{checked} quality checks"
    )


def _demo_calls(users: dict[str, User]) -> int:
    """Calls the "my data" page and the transactions page show: answered and refused ones."""
    somchai = users["somchai"].person
    calls = 0
    for agency, service, purpose in [
        ("MOC.DIT", POP, "rice-trading-licence"),
        ("MOL.DOE", SSO, "work-permit-renewal"),
        ("MOC.DIT", SSO, "rice-trading-licence"),  # no grant: refused, and shown as refused
    ]:
        with contextlib.suppress(PrachaError):  # refusals are part of the demo
            services.fetch(
                consumer_agency=get_agency(agency),
                service_code=service,
                id_number=somchai.id_number,
                purpose=purpose,
                person=somchai,
            )
        calls += 1
    return calls
