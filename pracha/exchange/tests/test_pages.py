"""The hub's pages: directory search (Thai), registration and approval, requests and decisions,
transactions (masked), quality scores. Permissions: deny by default."""

from __future__ import annotations

import pytest

from pracha.exchange import quality_runs
from pracha.exchange.models import AccessRequest, Member
from pracha.notify.models import Notification

from .conftest import grant
from .test_hub import SOMCHAI, SSO, hub_get

pytest_plugins = ("pracha_providers.testing",)


def test_directory_search_segments_thai(client, hub):
    page = client.get("/exchange/", {"q": "ทะเบียนราษฎร"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "dopa.population_record" in body and "sso.insured_status" not in body
    # Words the name holds apart from how the query runs them together.
    assert "sso.insured_status" in client.get("/exchange/", {"q": "ผู้ประกันตนประกันสังคม"}).content.decode()
    assert 'class="empty-state"' in client.get("/exchange/", {"q": "ใบขับขี่"}).content.decode()
    detail = client.get(f"/exchange/services/{SSO}/")
    assert detail.status_code == 200 and "insured" in detail.content.decode()
    assert client.get(f"/exchange/services/{SSO}/openapi.json").json()["openapi"].startswith("3.")


def test_registration_approval_and_credentials_through_the_pages(client, hub, make_agency, make_officer):
    agency = make_agency("MOPH.DOH")
    admin = make_officer("doh-admin", agency, role="agency_admin")
    client.force_login(admin)
    answer = client.post(
        "/exchange/members/new/",
        {
            "agency": agency.pk,
            "name": "Health licensing",
            "code": "doh-licensing",
            "role": "consumer",
            "contact_email": "it@doh.example.go.th",
        },
    )
    member = Member.objects.get(code="doh-licensing")
    assert answer.status_code == 302 and member.status == "pending"
    # Only the hub administrator decides.
    client.post(f"/exchange/members/{member.pk}/", {"action": "decide", "decision": "approve"})
    member.refresh_from_db()
    assert member.status == "pending"
    client.force_login(hub.hub_admin)
    page = client.post(f"/exchange/members/{member.pk}/", {"action": "decide", "decision": "refuse"})
    assert page.status_code == 400  # a refusal needs a reason
    client.post(f"/exchange/members/{member.pk}/", {"action": "decide", "decision": "approve"})
    member.refresh_from_db()
    assert member.status == "approved"
    client.force_login(admin)
    page = client.post(f"/exchange/members/{member.pk}/", {"action": "credentials"})
    assert page.status_code == 200 and 'data-testid="client-secret"' in page.content.decode()
    member.refresh_from_db()
    assert member.client_id


def test_request_and_refusal_through_the_pages(client, hub):
    client.force_login(hub.consumer_admin)
    answer = client.post(
        f"/exchange/services/{SSO}/request/",
        {
            "consumer": hub.consumer.pk,
            "purpose": "licence-check",
            "purpose_text": "Check that the applicant is insured before a licence is issued",
            "fields": ["insured", "section"],
            "lawful_basis": "public_task",
            "valid_from": "2026-01-01",
            "valid_until": "2030-12-31",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    req = AccessRequest.objects.get()
    # The data owner's admin is told (through the notification outbox).
    owner = hub.owner_admins["MOL.SSO"]
    assert Notification.objects.filter(user=owner, related_id=str(req.pk)).exists()
    # The consumer cannot decide on its own request; the owner's admin can, with a reason to refuse.
    client.post(f"/exchange/requests/{req.pk}/", {"action": "decide", "decision": "approve"})
    req.refresh_from_db()
    assert req.status == "pending"
    client.force_login(hub.owner_admins["MOL.SSO"])
    client.post(
        f"/exchange/requests/{req.pk}/",
        {"action": "decide", "decision": "refuse", "reason": "Ask for one field only"},
    )
    req.refresh_from_db()
    assert req.status == "refused" and req.decision_reason == "Ask for one field only"


def test_transactions_page_is_masked_and_for_agency_admins_only(client, hub, make_agency, make_officer):
    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    hub_get(client, hub, SSO, purpose="licence-check")
    client.force_login(hub.consumer_admin)
    page = client.get("/exchange/transactions/")
    body = page.content.decode()
    assert page.status_code == 200 and "1-1017-XXXXX-XX-0" in body and SOMCHAI not in body
    client.force_login(hub.owner_admins["MOL.SSO"])
    assert "1-1017-XXXXX-XX-0" in client.get("/exchange/transactions/").content.decode()
    client.force_login(hub.owner_admins["MOI.DOPA"])
    assert "1-1017-XXXXX-XX-0" not in client.get("/exchange/transactions/").content.decode()
    officer = make_officer("counter", make_agency("BMA.1001"), role="counter_officer")
    client.force_login(officer)
    assert client.get("/exchange/transactions/").status_code == 403


@pytest.mark.parametrize("code", [SSO])
def test_quality_score_of_a_provider(client, hub, code):
    run = quality_runs.check_service(hub.services[code], sample=300)
    assert run.records == 300 and 0 < run.score <= 100
    assert all("field" in f for f in run.report["fields"])
    page = client.get("/exchange/quality/").content.decode()
    assert f'data-testid="quality-{code}"' in page and f"{run.score:.1f}" in page


def test_directory_api(client, hub):
    found = client.get("/api/exchange/services", {"q": "ประกันสังคม"}).json()
    assert [s["code"] for s in found["items"]] == [SSO]
    one = client.get(f"/api/exchange/services/{SSO}").json()
    assert one["provider_agency"] == "MOL.SSO" and {"name": "insured"}.items() <= one["fields"][1].items()
    missing = client.get("/api/exchange/services/no.such")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "exchange_unknown_service"
    assert client.get(f"/api/exchange/services/{SSO}/openapi").json()["openapi"].startswith("3.")
