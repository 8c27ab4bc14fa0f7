"""A hub with the three real agency systems (subprocesses over HTTP) published in its directory, a
consumer agency's system approved with client credentials, and a Bearer token for it."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import httpx
import pytest
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.exchange import services
from pracha.exchange.calls import forget_grants
from pracha.exchange.directory import fields_from_openapi
from pracha.exchange.models import Grant, Member, ProviderService
from pracha.identity.models import Person, User


@dataclass
class Hub:
    hub_admin: User
    consumer_admin: User
    consumer: Member
    consumer_agency: Agency
    owner_admins: dict[str, User]
    services: dict[str, ProviderService]
    client_id: str
    secret: str
    token: str
    citizen: Person


def _token(client, client_id: str, secret: str, scope: str = "exchange exchange.batch") -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    answer = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


def grant(
    hub: Hub, code: str, *, purpose: str, fields: list[str], days: int = 30, start_days: int = -1
) -> Grant:
    """A request from the consumer, approved by the data owner's admin (through the services)."""
    now = timezone.now()
    req = services.request_access(
        service=hub.services[code],
        consumer=hub.consumer,
        purpose=purpose,
        purpose_text="Checking the applicant's record for a licence application",
        fields=fields,
        valid_from=now + dt.timedelta(days=start_days),
        valid_until=now + dt.timedelta(days=days),
        actor=hub.consumer_admin,
    )
    owner = hub.owner_admins[hub.services[code].provider.agency.code]
    return services.decide_request(req, approve=True, actor=owner)


@pytest.fixture
def hub(db, client, settings, providers, make_agency, make_officer) -> Hub:
    # Accounts and client secrets are hashed many times per test; the default hasher's cost is for
    # production, not for this fixture (the token flow is the same with any hasher).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    # Per-process caches keyed by primary keys, which another test's rolled-back rows may have had.
    forget_grants()
    services._member_cache.clear()
    platform = make_agency("DGA", kind="public_organization")
    hub_admin = make_officer("hub-admin", platform, role="platform_admin")
    consumer_agency = make_agency("MOC.DBD")
    consumer_admin = make_officer("dbd-admin", consumer_agency, role="agency_admin")
    owner_admins, published = {}, {}
    for running in providers.values():
        agency = Agency.objects.filter(code=running.agency_code).first() or make_agency(running.agency_code)
        admin = make_officer(
            f"admin-{agency.code.lower()}",
            agency,
            role="agency_admin",
            email=f"admin@{running.name}.example.go.th",
        )
        owner_admins[agency.code] = admin
        member = services.register_member(
            agency=agency,
            code=f"{running.name.replace('_', '-')}-system",
            name=f"{running.name} registry",
            role=Member.Role.PROVIDER,
            contact_email="it@example.go.th",
            actor=admin,
        )
        member = services.decide_member(member, approve=True, actor=hub_admin)
        openapi = httpx.get(running.openapi_url).json()
        info = openapi["info"]
        published[running.service_code] = services.publish_service(
            provider=member,
            code=running.service_code,
            name_th=info.get("x-title-th", info["title"]),
            name_en=info["title"],
            base_url=running.url,
            api_key=running.api_key,
            openapi=openapi,
            fields=fields_from_openapi(openapi),
            lawful_basis="consent" if running.service_code != "sso.insured_status" else "public_task",
            consent_agreement=f"eservice.{running.service_code}",
            actor=admin,
        )
    consumer = services.register_member(
        agency=consumer_agency,
        code="dbd-licensing",
        name="DBD licensing system",
        role=Member.Role.CONSUMER,
        contact_email="it@dbd.example.go.th",
        actor=consumer_admin,
    )
    consumer = services.decide_member(consumer, approve=True, actor=hub_admin)
    client_id, secret = services.issue_credentials(consumer, actor=consumer_admin)
    consumer.refresh_from_db()
    citizen = Person.objects.create(kind="citizen", id_number="1101700203450", name_th="สมชาย ใจดี")
    return Hub(
        hub_admin=hub_admin,
        consumer_admin=consumer_admin,
        consumer=consumer,
        consumer_agency=consumer_agency,
        owner_admins=owner_admins,
        services=published,
        client_id=client_id,
        secret=secret,
        token=_token(client, client_id, secret),
        citizen=citizen,
    )
