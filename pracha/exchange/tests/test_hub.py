"""Calls through the hub to the real agency systems (subprocesses over HTTP), with a real
client-credentials token: what is granted is answered and stripped; everything else is refused with
a clear 403 in the one error format and is in the audit log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.consent import services as consent
from pracha.consent.agreements import load_agreements
from pracha.core.errors import PrachaError
from pracha.exchange import services
from pracha.exchange.calls import person_ref
from pracha.exchange.models import Grant, Transaction
from pracha.exchange.my_data import data_uses

from .conftest import grant

pytest_plugins = ("pracha_providers.testing",)  # the session-wide `providers` fixture

SOMCHAI = "1101700203450"
POP, SSO = "dopa.population_record", "sso.insured_status"


def hub_get(client, hub, service: str, id_number: str = SOMCHAI, token: str | None = None, **query):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token if token is not None else hub.token}"}
    return client.get(f"/exchange/hub/{service}/{id_number}", query, **auth)


def last_audit(tx_id: int) -> dict:
    rec = AuditRecord.objects.get(object_type="exchange.transaction", object_id=str(tx_id))
    return {"action": rec.action, "actor": rec.actor, **json.loads(rec.data)}


def assert_refused(answer, code: str, hub) -> Transaction:
    assert answer.status_code == 403, answer.content
    body = answer.json()
    assert body["error"]["code"] == code
    assert body["error"]["messages"]["th"] and body["error"]["messages"]["en"]
    tx = Transaction.objects.order_by("-pk").first()
    assert tx.outcome == "refused" and tx.error_code == code and tx.consumer == hub.consumer
    audit = last_audit(tx.pk)
    assert audit["action"] == "exchange.refused" and audit["error"] == code
    return tx


@pytest.fixture
def agreements(hub, make_agency):
    """The shipped consent agreements, with every agency they name (controller, recipients)."""
    import yaml

    from pracha.agencies.models import Agency
    from pracha.consent.agreements import AGREEMENTS_DIR

    codes = set()
    for path in AGREEMENTS_DIR.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes |= {doc["controller"], *doc.get("recipients", [])}
    for code in sorted(codes, key=lambda c: c.count(".")):  # parents first
        if not Agency.objects.filter(code=code).exists():
            parent = Agency.objects.filter(code=code.rpartition(".")[0]).first()
            make_agency(code, parent=parent, kind="department" if parent else "ministry")
    return load_agreements()


def test_granted_call_answers_only_granted_fields(client, hub):
    grant(hub, SSO, purpose="licence-check", fields=["insured", "section"])
    answer = hub_get(client, hub, SSO, purpose="licence-check", fields="insured,section")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body["data"]) == {"insured", "section"}
    assert body["provider"] == "MOL.SSO"
    # Without `fields`, all granted fields (and still nothing else).
    answer = hub_get(client, hub, SSO, purpose="licence-check")
    assert set(answer.json()["data"]) == {"insured", "section"}
    tx = Transaction.objects.get(pk=answer.json()["transaction_id"])
    assert (
        tx.outcome == "ok"
        and tx.person_ref == person_ref(SOMCHAI)
        and tx.person_masked == "1-1017-XXXXX-XX-0"
    )
    audit = last_audit(tx.pk)
    assert audit["action"] == "exchange.call" and audit["actor"] == f"client:{hub.client_id}"
    assert audit["person"] == person_ref(SOMCHAI)
    # No payload and no ID number in the log: only references.
    logged = AuditRecord.objects.get(object_type="exchange.transaction", object_id=str(tx.pk)).data
    assert SOMCHAI not in logged and "employer" not in logged


def test_no_grant_is_refused_and_audited(client, hub):
    assert_refused(hub_get(client, hub, SSO, purpose="licence-check"), "exchange_not_granted", hub)


def test_expired_grant_is_refused(client, hub):
    g = grant(hub, SSO, purpose="licence-check", fields=["insured"])
    Grant.objects.filter(pk=g.pk).update(valid_until=timezone.now() - dt.timedelta(minutes=1))
    answer = hub_get(client, hub, SSO, purpose="licence-check")
    assert_refused(answer, "exchange_grant_expired", hub)


def test_revoked_grant_is_refused(client, hub):
    g = grant(hub, SSO, purpose="licence-check", fields=["insured"])
    services.revoke_grant(g, actor=hub.owner_admins["MOL.SSO"], reason="Contract ended")
    assert_refused(hub_get(client, hub, SSO, purpose="licence-check"), "exchange_not_granted", hub)


def test_field_not_granted_is_refused(client, hub):
    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    answer = hub_get(client, hub, SSO, purpose="licence-check", fields="insured,employer_name")
    tx = assert_refused(answer, "exchange_field_not_granted", hub)
    assert "employer_name" in answer.json()["error"]["message"]
    assert tx.fields == ["insured", "employer_name"]


def test_purpose_not_granted_is_refused(client, hub):
    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    answer = hub_get(client, hub, SSO, purpose="marketing", fields="insured")
    assert_refused(answer, "exchange_purpose_not_granted", hub)
    assert "licence-check" in answer.json()["error"]["messages"]["en"]


def test_consent_is_checked_where_the_basis_is_consent(client, hub, agreements):
    grant(hub, POP, purpose="licence-check", fields=["first_name", "last_name", "address"])
    answer = hub_get(client, hub, POP, purpose="licence-check")
    assert_refused(answer, "exchange_consent_required", hub)
    consent.give(hub.citizen, "eservice.dopa.population_record", channel="web")
    answer = hub_get(client, hub, POP, purpose="licence-check")
    assert answer.status_code == 200, answer.content
    assert set(answer.json()["data"]) == {"first_name", "last_name", "address"}
    consent.withdraw(hub.citizen, "eservice.dopa.population_record", channel="web")
    assert_refused(hub_get(client, hub, POP, purpose="licence-check"), "exchange_consent_required", hub)


def test_without_a_valid_token_nothing_is_answered(client, hub):
    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    answer = hub_get(client, hub, SSO, token="not-a-token", purpose="licence-check")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "exchange_token_invalid"
    answer = client.get(f"/exchange/hub/{SSO}/{SOMCHAI}", {"purpose": "licence-check"})
    assert answer.status_code == 401


def test_unknown_person_and_bad_input(client, hub):
    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    answer = hub_get(client, hub, SSO, "1234567890121", purpose="licence-check")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "exchange_record_not_found"
    answer = hub_get(client, hub, SSO, "1234567890123", purpose="licence-check")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "id_bad_checksum"
    answer = hub_get(client, hub, "no.such_service", purpose="licence-check")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "exchange_unknown_service"


def test_platform_fetch_runs_the_same_checks(hub, agreements):
    with pytest.raises(PrachaError) as refused:
        services.fetch(
            consumer_agency=hub.consumer_agency, service_code=POP, id_number=SOMCHAI, purpose="x-check"
        )
    assert refused.value.code == "exchange_not_granted" and refused.value.status == 403
    grant(hub, POP, purpose="eservice-application", fields=["first_name", "address"])
    with pytest.raises(PrachaError) as refused:
        services.fetch(
            consumer_agency=hub.consumer_agency,
            service_code=POP,
            id_number=SOMCHAI,
            purpose="eservice-application",
        )
    assert refused.value.code == "exchange_consent_required"
    consent.give(hub.citizen, "eservice.dopa.population_record", channel="eservice")
    result = services.fetch(
        consumer_agency=hub.consumer_agency,
        service_code=POP,
        id_number="",
        person=hub.citizen,
        purpose="eservice-application",
        fields=["address"],
        actor=hub.consumer_admin,
    )
    assert set(result.data) == {"address"} and result.provider_agency.code == "MOI.DOPA"
    tx = Transaction.objects.get(pk=result.transaction_id)
    assert tx.channel == "platform" and tx.actor == f"user:{hub.consumer_admin.pk}"


def test_my_data_lists_every_use_and_the_audit_chain_verifies(client, hub, capsys):
    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    hub_get(client, hub, SSO, purpose="licence-check")
    hub_get(client, hub, SSO, purpose="marketing")
    uses, total = data_uses(hub.citizen, 0, 10)
    assert total == 2
    assert [u.outcome for u in uses] == ["refused", "ok"]
    assert uses[1].consumer_agency == hub.consumer_agency.name and uses[1].purpose.startswith("Checking")
    # The consent app's page reads it through its registry.
    assert consent.data_uses(hub.citizen, 0, 10)[1] == 2
    call_command("audit", "verify")
    assert "audit chain OK" in capsys.readouterr().out
    assert AuditRecord.objects.filter(action__startswith="exchange.").count() >= 2


def test_concurrent_calls_share_commits_and_keep_the_chain(transactional_db, hub):
    """Calls answered at once in one process are recorded together (group commit), each before it
    is answered; the audit chain stays whole."""
    from django.test import Client

    from pracha.audit.chain import verify
    from pracha.testing import in_threads, needs_postgres

    needs_postgres()
    grant(hub, SSO, purpose="licence-check", fields=["insured"])

    def one(i: int) -> int:
        answer = hub_get(Client(), hub, SSO, purpose="licence-check")
        assert Transaction.objects.filter(pk=answer.json()["transaction_id"]).exists()
        return answer.status_code

    assert in_threads(8, one) == [200] * 8
    assert Transaction.objects.filter(outcome="ok").count() == 8
    assert AuditRecord.objects.filter(action="exchange.call").count() == 8
    assert verify().ok
