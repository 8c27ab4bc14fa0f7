import datetime as dt

import pytest
from django.utils import timezone

from pracha.audit.chain import verify as audit_verify
from pracha.audit.models import AuditRecord
from pracha.consent import services
from pracha.consent.models import ConsentRecord, CurrentConsent, DataAgreement
from pracha.core.errors import PrachaError

DOPA = "eservice.dopa.population_record"
SSO = "eservice.sso.insured_status"


def test_shipped_agreements_load_once(shipped):
    assert len(shipped.loaded) == 5
    found = services.agreement(DOPA)
    assert found.version == 1 and found.needs_consent and found.controller.code == "MOI.DOPA"
    assert {c["code"] for c in found.data_categories} >= {"identity", "address"}
    assert services.agreement("registry.dopa.status_check").lawful_basis == "public_task"
    again = services.agreements()
    assert len(again) == 5
    from pracha.consent.agreements import load_agreements

    assert load_agreements().unchanged == 5


def test_unknown_agreement_is_404(shipped):
    with pytest.raises(PrachaError) as err:
        services.agreement("no.such.agreement")
    assert err.value.code == "unknown_agreement" and err.value.status == 404


def test_recipient_covers_agencies_below(shipped, agencies, make_agency):
    found = services.agreement(DOPA)
    dit = make_agency("MOC.DIT", parent=agencies["MOC"])
    assert found.allows_recipient(dit)
    assert not found.allows_recipient(agencies["MFA"])


def test_give_withdraw_and_has_consent(shipped, citizen):
    person = citizen.person
    assert not services.has_consent(person, DOPA)
    record = services.give(person, DOPA, channel="web", actor=citizen)
    assert record.seq == 1 and record.action == "given" and record.actor == f"user:{citizen.pk}"
    assert services.has_consent(person, DOPA)
    assert services.has_consent(person.id_number, DOPA)
    assert not services.has_consent(person, SSO)
    # Giving again changes nothing (idempotent for e-services that ask on every submission).
    assert services.give(person, DOPA, channel="eservice").pk == record.pk
    withdrawn = services.withdraw(person, DOPA, channel="web", actor=citizen, reason="ไม่ใช้แล้ว")
    assert withdrawn.seq == 2 and withdrawn.prev_hash == record.hash
    assert not services.has_consent(person, DOPA)
    assert not services.has_consent(person.id_number, DOPA)
    with pytest.raises(PrachaError) as err:
        services.withdraw(person, DOPA, channel="web")
    assert err.value.code == "consent_not_given" and err.value.status == 409


def test_has_consent_at_a_moment(shipped, citizen):
    person = citizen.person
    given = services.give(person, DOPA, channel="web")
    withdrawn = services.withdraw(person, DOPA, channel="web")
    before = given.at - dt.timedelta(seconds=1)
    assert not services.has_consent(person, DOPA, at=before)
    assert services.has_consent(person, DOPA, at=given.at)
    assert not services.has_consent(person, DOPA, at=withdrawn.at)
    assert not services.has_consent(person, DOPA, at=timezone.now())


def test_consent_to_an_outdated_version_stops_counting(shipped, citizen):
    person = citizen.person
    services.give(person, DOPA, channel="web")
    current = services.agreement(DOPA)
    # A new version whose purpose changed materially: earlier consents no longer count.
    current.pk, current.version, current.min_consent_version = None, 2, 2
    current.save()
    assert not services.has_consent(person, DOPA)
    state = next(s for s in services.consents_of(person) if s.code == DOPA)
    assert state.status == "renew" and not state.given
    services.give(person, DOPA, channel="web")
    assert services.has_consent(person, DOPA)
    assert CurrentConsent.objects.get(person=person, agreement_code=DOPA).version == 2


def test_refusals(shipped, citizen):
    person = citizen.person
    with pytest.raises(PrachaError) as err:
        services.give(person, "registry.dopa.status_check", channel="web")
    assert err.value.code == "consent_not_consent_basis"
    with pytest.raises(PrachaError) as err:
        services.give(person, DOPA, channel="carrier-pigeon")
    assert err.value.code == "consent_bad_channel"
    services.give(person, DOPA, channel="web")
    with pytest.raises(PrachaError) as err:
        services.withdraw(person, DOPA, channel="web", reason="x" * 501)
    assert err.value.code == "too_long"
    assert ConsentRecord.objects.count() == 1


def test_each_revision_is_in_the_audit_chain(shipped, citizen):
    person = citizen.person
    record = services.give(person, DOPA, channel="web", actor=citizen)
    services.withdraw(person, DOPA, channel="web", actor=citizen)
    entries = AuditRecord.objects.filter(object_type="identity.person", object_id=str(person.pk)).order_by(
        "seq"
    )
    assert [e.action for e in entries] == ["consent.given", "consent.withdrawn"]
    assert record.hash in entries[0].data and person.id_number not in entries[0].data
    assert audit_verify().ok


def test_consents_of_lists_every_consent_agreement(shipped, citizen, other):
    services.give(citizen.person, SSO, channel="web")
    states = {s.code: s for s in services.consents_of(citizen.person)}
    assert set(states) == {a.code for a in DataAgreement.objects.all() if a.needs_consent}
    assert states[SSO].given and states[SSO].status == "given" and states[SSO].channel == "web"
    assert states[DOPA].status == "never"
    assert all(s.status == "never" for s in services.consents_of(other.person))


def test_demo_seed(agencies, citizen, other):
    from pracha.consent import demo_data
    from pracha.consent.chain import verify

    line = demo_data.seed({"somchai": citizen, "malee": other})
    assert line.startswith("consent: 5 data agreements")
    assert services.has_consent(citizen.person, DOPA) and services.has_consent(citizen.person, SSO)
    assert services.has_consent(other.person, DOPA)
    assert not services.has_consent(other.person, "eservice.doe.worker_abroad")
    assert verify().ok
