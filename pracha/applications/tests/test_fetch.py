"""Once-only: documents fetched through the data exchange from the real provider systems (separate
HTTP services), with the applicant's consent, instead of uploaded copies."""

from __future__ import annotations

import pytest

from pracha.applications import services
from pracha.consent import services as consent
from pracha.core.errors import PrachaError
from pracha.exchange.models import Transaction

pytest_plugins = ("pracha_providers.testing",)  # the session-wide `providers` fixture


def test_fetch_needs_consent_then_shows_what_came_from_where(citizen, hub):
    assert "BMA.1030:dopa.population_record:elderly-allowance" in hub
    app = services.start_draft(citizen, "elderly-allowance")
    with pytest.raises(PrachaError) as exc:
        services.fetch_document(app, "id_card", citizen, consent=False)
    assert exc.value.code == "consent_needed_for_fetch"
    assert not consent.has_consent(citizen.person, "eservice.dopa.population_record")

    doc = services.fetch_document(app, "id_card", citizen, consent=True)
    assert consent.has_consent(citizen.person, "eservice.dopa.population_record")
    assert doc.source == "fetched" and doc.provider.code == "MOI.DOPA"
    assert doc.fetched_data["id_number"] == citizen.person.id_number
    assert set(doc.fetched_data) <= {
        "id_number",
        "first_name",
        "last_name",
        "birth_date",
        "nationality",
        "status",
    }
    assert Transaction.objects.filter(pk=doc.transaction_id).exists() or doc.transaction_id
    # The second document of the same record needs no second question.
    services.fetch_document(app, "house_registration", citizen, consent=False)
    assert services.missing_documents(app, services.definition_of(app))[0].code == "bank_book"


def test_refused_fetch_is_a_clear_error(citizen, hub):
    consent.give(citizen.person, "eservice.dopa.population_record", channel="web")
    consent.withdraw(citizen.person, "eservice.dopa.population_record", channel="web")
    app = services.start_draft(citizen, "rice-trading-licence")
    # The rice licence's agency has a grant; without consent in force the hub refuses.
    from pracha.exchange.models import Grant

    Grant.objects.filter(purpose="rice-trading-licence").update(fields=["id_number"])
    with pytest.raises(PrachaError) as exc:
        services.fetch_document(app, "house_registration", citizen, consent=True)
    assert exc.value.code == "fetch_refused"
    assert exc.value.fields == {"house_registration": "exchange_field_not_granted"}
    assert app.documents.count() == 0
