"""A world for the applications tests: the shipped agency registry and consent agreements, a citizen
with an account (the provider systems know them), officers of the Department of Internal Trade (rice
licence) and of another agency, and helpers that drive the real services and jobs."""

from __future__ import annotations

import functools

import pytest

from pracha.agencies.geography import load_geography
from pracha.agencies.registry import load_agencies
from pracha.consent.agreements import load_agreements
from pracha.core import queue
from pracha.identity.models import Person, User

PASSWORD = "correct-horse-battery"
CITIZEN_ID = "1101700203450"  # สมชาย ใจดี: a demo citizen the provider systems hold


@functools.cache
def pdf_bytes(text: str = "scan") -> bytes:
    """A real one-page PDF (rendered once per text)."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def run_jobs() -> list[str]:
    """Run every due job as the worker would (without closing the test's connection)."""
    done = []
    while jobs := queue.claim(limit=50):
        for job in jobs:
            assert queue.run_job(job), job.last_error
            done.append(job.kind)
    return done


@pytest.fixture
def world(db):
    load_geography()
    load_agencies()
    load_agreements()


@pytest.fixture
def citizen(world) -> User:
    person = Person.objects.create(
        kind=Person.Kind.CITIZEN,
        id_number=CITIZEN_ID,
        name_th="สมชาย ใจดี",
        name_en="Somchai Jaidee",
        phone="0812345678",
        email="somchai@example.com",
    )
    return User.objects.create_user(username=CITIZEN_ID, password=PASSWORD, person=person, email=person.email)


@pytest.fixture
def submitted(citizen):
    """A complete rice-trading licence application, submitted: its case waits at the counter."""
    from pracha.applications import services
    from pracha.applications.demo_data import png_bytes

    app = services.start_draft(citizen, "rice-trading-licence")
    services.save_page(app, 1, {"trade_type": "paddy"})
    services.save_page(app, 2, {"premises_name": "ลานข้าว", "premises_address": "5 หมู่ 1 ตำบลบางเลน นครปฐม"})
    for code in ("id_card", "house_registration", "premises_map"):
        services.add_upload(app, code, upload(f"{code}.png", png_bytes()), actor=citizen)
    services.add_upload(app, "premises_right", upload("lease.pdf", pdf_bytes("lease")), actor=citizen)
    return services.submit(app, citizen)


@pytest.fixture
def dit(world):
    from pracha.agencies.models import Agency

    return Agency.objects.get(code="MOC.DIT")


@pytest.fixture
def dit_officers(dit, make_officer) -> dict[str, User]:
    return {
        "counter": make_officer("counter.dit", dit, role="counter_officer"),
        "case": make_officer("officer.dit", dit, role="case_officer"),
        "supervisor": make_officer("supervisor.dit", dit, role="supervisor"),
    }


@pytest.fixture
def other_officer(world, make_officer) -> User:
    from pracha.agencies.models import Agency

    return make_officer("supervisor.doe", Agency.objects.get(code="MOL.DOE"), role="supervisor")


@pytest.fixture
def hub(world, providers, make_officer):
    """The three provider systems published in the hub (as their agencies' admins would), and every
    e-service's agency connected as a consumer with a grant per service (demo_data.connect_services)."""
    import httpx

    from pracha.agencies.models import Agency
    from pracha.applications.demo_data import connect_services
    from pracha.exchange import services as exchange
    from pracha.exchange.directory import fields_from_openapi
    from pracha.exchange.models import Member

    admin = make_officer("hub.admin", Agency.objects.get(code="MOC.DIT"), role="platform_admin")
    for running in providers.values():
        agency = Agency.objects.get(code=running.agency_code)
        member = exchange.register_member(
            agency=agency,
            code=f"{running.name.replace('_', '-')}-system",
            name=f"{running.name} registry",
            role=Member.Role.PROVIDER,
            contact_email="it@example.go.th",
            actor=admin,
        )
        member = exchange.decide_member(member, approve=True, actor=admin)
        openapi = httpx.get(running.openapi_url).json()
        exchange.publish_service(
            provider=member,
            code=running.service_code,
            name_th=openapi["info"].get("x-title-th", openapi["info"]["title"]),
            name_en=openapi["info"]["title"],
            base_url=running.url,
            api_key=running.api_key,
            openapi=openapi,
            fields=fields_from_openapi(openapi),
            lawful_basis="consent",
            consent_agreement=f"eservice.{running.service_code}",
            actor=admin,
        )
    return connect_services(admin)


@pytest.fixture(autouse=True)
def _fresh_service_versions():
    """The catalogue parses each stored ServiceVersion once per process, by id. Tests that flush the
    database (browser tests) reuse ids for other services, so the parsed copies must go with them."""
    from pracha.services import services as catalogue_versions

    catalogue_versions._parsed.clear()
    yield
    catalogue_versions._parsed.clear()
