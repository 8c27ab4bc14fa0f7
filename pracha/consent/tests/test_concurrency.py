"""Concurrent revisions by one person form one intact chain (PostgreSQL: SQLite serialises writers)."""

import pytest

from pracha.consent import services
from pracha.consent.chain import verify
from pracha.consent.models import ConsentRecord
from pracha.testing import in_threads, needs_postgres

CODES = ("eservice.dopa.population_record", "eservice.sso.insured_status", "eservice.doe.worker_abroad")


@pytest.mark.django_db(transaction=True)
def test_concurrent_gives_and_withdrawals_keep_one_chain(shipped, citizen):
    needs_postgres()
    person = citizen.person

    def work(i: int) -> None:
        code = CODES[i % 3]
        services.give(person, code, channel="web")
        try:
            services.withdraw(person, code, channel="web")
        except Exception as exc:  # another thread withdrew first: the refusal is the right answer
            assert getattr(exc, "code", "") == "consent_not_given", exc

    in_threads(8, work)
    result = verify()
    assert result.ok, result.problems
    seqs = list(ConsentRecord.objects.filter(person=person).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert not any(services.has_consent(person, c) for c in CODES)


@pytest.mark.django_db(transaction=True)
def test_the_same_consent_given_at_once_is_recorded_once(shipped, citizen):
    needs_postgres()
    person = citizen.person
    records = in_threads(6, lambda i: services.give(person, CODES[0], channel="eservice").pk)
    assert len(set(records)) == 1
    assert ConsentRecord.objects.filter(person=person).count() == 1
