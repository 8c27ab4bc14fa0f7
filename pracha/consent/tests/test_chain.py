"""The consent chain finds any edit, deletion or reordering, including of the fast current-state row."""

import pytest
from django.core.management import CommandError, call_command

from pracha.consent import services
from pracha.consent.chain import verify
from pracha.consent.models import ConsentHead, ConsentRecord, CurrentConsent

DOPA = "eservice.dopa.population_record"
SSO = "eservice.sso.insured_status"


@pytest.fixture
def history(shipped, citizen, other):
    person = citizen.person
    services.give(person, DOPA, channel="web")
    services.give(person, SSO, channel="eservice")
    services.withdraw(person, DOPA, channel="web", reason="no longer needed")
    services.give(person, DOPA, channel="counter")
    services.give(other.person, SSO, channel="web")
    return person


def records(person):
    return ConsentRecord.objects.filter(person=person).order_by("seq")


def test_an_intact_history_verifies(history, capsys):
    result = verify()
    assert result.ok and result.people == 2 and result.records == 5, result.problems
    assert verify(history.pk).records == 4
    call_command("consent", "verify")
    assert "consent chains OK: 5 records of 2 people" in capsys.readouterr().out
    call_command("audit", "verify")
    assert "consent chains: OK: 5 consent records of 2 people verified" in capsys.readouterr().out


def test_an_edited_record_is_found(history):
    ConsentRecord.objects.filter(person=history, seq=3).update(action="given")
    result = verify()
    assert not result.ok
    assert result.problems[0] == f"person {history.pk}: record #3 was altered"
    with pytest.raises(CommandError, match="record #3 was altered"):
        call_command("consent", "verify")
    # `pracha audit verify` checks the consent chains too, after the audit chain.
    with pytest.raises(CommandError, match="broken: consent chains"):
        call_command("audit", "verify")


def test_an_edited_reason_or_time_is_found(history):
    rec = records(history)[2]
    ConsentRecord.objects.filter(pk=rec.pk).update(reason="changed my mind")
    assert "record #3 was altered" in verify().problems[0]


def test_a_deleted_record_is_found(history):
    CurrentConsent.objects.filter(person=history, agreement_code=SSO).delete()
    ConsentRecord.objects.filter(person=history, seq=2).delete()
    assert f"person {history.pk}: record #2 is missing (next is #3)" in verify().problems


def test_a_deleted_last_record_is_found(history):
    last = records(history).last()
    CurrentConsent.objects.filter(record=last).delete()
    last.delete()
    assert f"person {history.pk}: records after #3 were removed (head is #4)" in verify().problems


def test_reordered_records_are_found(history):
    first, second = records(history)[:2]
    # Swap the two records' places in the chain (seq is unique, so through a free number).
    ConsentRecord.objects.filter(pk=first.pk).update(seq=99)
    ConsentRecord.objects.filter(pk=second.pk).update(seq=1)
    ConsentRecord.objects.filter(pk=first.pk).update(seq=2)
    result = verify()
    assert not result.ok
    assert result.problems[0] == f"person {history.pk}: record #1 does not follow record #0"


def test_a_rewritten_head_after_a_deletion_is_found_by_the_current_state(history):
    last = records(history).last()
    prev = records(history)[2]
    CurrentConsent.objects.filter(record=last).update(record=prev, given=False)
    last.delete()
    ConsentHead.objects.filter(person=history).update(seq=3, hash=prev.hash)
    result = verify()
    assert not result.ok
    assert any("current consent to eservice.dopa.population_record" in p for p in result.problems)


def test_a_forged_current_state_is_found(history, other):
    # Someone flips the row has_consent reads, without touching the chain.
    CurrentConsent.objects.filter(person=other.person, agreement_code=SSO).update(given=False)
    assert verify().problems == [
        f"person {other.person.pk}: current consent to {SSO} is not the latest record"
    ]
