"""Remote proofing (IAL2.1/IAL2.2) against the real civil registry, through the real exchange hub:
Digital ID's agency is a consumer with a grant for `dopa.population_record`, purpose identity_proofing;
the registry is the providers' HTTP service, as in production."""

import datetime as dt

import httpx
import pytest
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.core.errors import PrachaError
from pracha.exchange import services as exchange
from pracha.exchange.calls import forget_grants
from pracha.exchange.models import Member
from pracha.exchange.tests.conftest import hub  # noqa: F401 (the fixture)
from pracha.identity import assurance
from pracha.identity.models import User

pytest_plugins = ("pracha_providers.testing",)  # the session-wide `providers` fixture
pytestmark = pytest.mark.django_db


@pytest.fixture
def digital_id(hub, make_officer):  # noqa: F811
    dga = hub.hub_admin.roles.first().contact_point.agency
    admin = make_officer("dga-admin", dga, role="agency_admin")
    member = exchange.register_member(
        agency=dga,
        code="digital-id",
        name="Digital ID identity proofing",
        role=Member.Role.CONSUMER,
        contact_email="it@dga.example.go.th",
        actor=admin,
    )
    member = exchange.decide_member(member, approve=True, actor=hub.hub_admin)
    service = hub.services["dopa.population_record"]
    request = exchange.request_access(
        service=service,
        consumer=member,
        purpose="identity_proofing",
        purpose_text="Remote identity proofing at the person's request (ETDA IAL2)",
        fields=assurance.REGISTRY_FIELDS,
        valid_from=timezone.now() - dt.timedelta(days=1),
        valid_until=timezone.now() + dt.timedelta(days=30),
        lawful_basis="public_task",
        actor=admin,
    )
    exchange.decide_request(request, approve=True, actor=hub.owner_admins[service.provider.agency.code])
    forget_grants()
    return hub


def test_a_person_is_proofed_against_the_civil_registry_through_the_hub(digital_id, providers, settings):
    settings.PRACHA_IDENTITY_AGENCY = "DGA"
    person = digital_id.citizen
    user = User.objects.create_user(username=person.id_number, password="som-tam-pu-2569", person=person)
    registry = providers["civil_registry"]
    truth = httpx.get(registry.record_url(person.id_number), headers=registry.headers).json()
    truth = truth.get("data", truth)

    with pytest.raises(PrachaError) as mismatch:
        assurance.proof_against_registry(user, birth_date=dt.date(1901, 1, 1))
    assert mismatch.value.code == "proofing_mismatch"

    assurance.proof_against_registry(
        user,
        birth_date=dt.date.fromisoformat(truth["birth_date"]),
        house_registration_no=truth["house_registration_no"],
    )
    person.refresh_from_db()
    assert person.ial == "IAL2.2"
    # The hub logged both reads, under Digital ID's agency and the stated purpose.
    assert AuditRecord.objects.filter(action="identity.proofed").exists()
    uses = exchange.uses_of_person(person.id_number)
    assert uses.count() >= 2 and {u.purpose for u in uses} == {"identity_proofing"}
