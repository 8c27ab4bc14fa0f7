"""The pages: who may see what (404 for anyone else), errors shown next to the fields, the public
report without personal data."""

from __future__ import annotations

import pytest

from pracha.applications import services
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User

from .conftest import PASSWORD


@pytest.fixture
def stranger(world) -> User:
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310060045678"), name_th="มาลี ศรีสุข")
    return User.objects.create_user(username=person.id_number, password=PASSWORD, person=person)


def test_guide_is_public_and_applying_needs_sign_in(client, world):
    page = client.get("/applications/new/rice-trading-licence/")
    assert page.status_code == 200
    assert "sign-in-to-apply" in page.content.decode()
    assert client.post("/applications/new/rice-trading-licence/").status_code == 302
    assert client.get("/applications/new/no-such-service/").status_code == 404


def test_form_page_shows_field_errors(client, citizen):
    client.login(username=citizen.username, password=PASSWORD)
    started = client.post("/applications/new/rice-trading-licence/")
    assert started.status_code == 302
    answer = client.post(started.url, {"nav": "next", "trade_type": "gold"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'aria-invalid="true"' in html and "wizard-error" in html


def test_other_people_get_404(client, submitted, stranger, other_officer, dit_officers):
    doc = submitted.documents.first()
    client.login(username=stranger.username, password=PASSWORD)
    assert client.get(f"/applications/{submitted.reference}/").status_code == 404
    assert client.get(f"/applications/drafts/{submitted.pk}/page-1/").status_code == 404
    assert client.get(f"/applications/documents/{doc.pk}/").status_code == 404
    client.logout()
    client.login(username="supervisor.doe", password=PASSWORD)
    assert client.get(f"/applications/officer/{submitted.pk}/").status_code == 404
    assert client.get(f"/applications/documents/{doc.pk}/").status_code == 404
    assert client.post(f"/applications/officer/{submitted.pk}/act/", {"action": "accept"}).status_code == 404
    client.logout()
    client.login(username="officer.dit", password=PASSWORD)
    page = client.get(f"/applications/officer/{submitted.pk}/")
    assert page.status_code == 200 and submitted.reference in page.content.decode()
    served = client.get(f"/applications/documents/{doc.pk}/")
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"


def test_applicant_sees_status_and_can_message(client, citizen, submitted):
    client.login(username=citizen.username, password=PASSWORD)
    page = client.get(f"/applications/{submitted.reference}/")
    assert page.status_code == 200
    assert "step-timings" in page.content.decode()
    empty = client.post(f"/applications/{submitted.reference}/messages/", {"text": "  "})
    assert empty.status_code == 400
    sent = client.post(f"/applications/{submitted.reference}/messages/", {"text": "ขอทราบความคืบหน้า"})
    assert sent.status_code == 302
    assert submitted.messages.get().from_officer is False


def test_compliance_page_names_nobody(client, submitted, dit_officers):
    services.act(submitted, "accept", dit_officers["counter"])
    page = client.get("/applications/compliance/")
    html = page.content.decode()
    assert page.status_code == 200 and "ขอหนังสืออนุญาตค้าข้าว" in html
    assert "สมชาย" not in html and submitted.reference not in html


def test_the_invoice_links_back_to_its_application_for_whoever_may_see_it(
    client, citizen, submitted, dit_officers, other_officer, make_officer
):
    for action, who in (("accept", "counter"), ("recommend", "case"), ("approve", "supervisor")):
        services.act(submitted, action, dit_officers[who])
    (invoice,) = services.invoices_of(submitted)
    url = f"/payments/invoices/{invoice.number}/"

    client.login(username=citizen.username, password=PASSWORD)
    page = client.get(url)
    assert page.context["subject_link"].url == f"/applications/{submitted.reference}/"
    assert 'data-testid="invoice-subject-link"' in page.content.decode()
    client.logout()
    client.login(username="officer.dit", password=PASSWORD)
    assert client.get(url).context["subject_link"].url == f"/applications/officer/{submitted.pk}/"
    client.logout()
    client.login(username="supervisor.doe", password=PASSWORD)
    assert client.get(url).status_code == 404  # another agency's invoice is not even shown

    # A fee paid in the wizard: the applicant goes back to the fee step; the agency's officer, who
    # sees the agency's invoices, gets no link to a draft that was never sent to it.
    draft = services.start_draft(citizen, "commercial-registration")
    early = services.submit_invoice(draft)
    make_officer("case.bma", draft.agency, role="case_officer")
    client.logout()
    client.login(username=citizen.username, password=PASSWORD)
    link = client.get(f"/payments/invoices/{early.number}/").context["subject_link"]
    assert link.url == f"/applications/drafts/{draft.pk}/payment/"
    assert client.get(link.url).status_code == 200
    client.logout()
    client.login(username="case.bma", password=PASSWORD)
    page = client.get(f"/payments/invoices/{early.number}/")
    assert page.status_code == 200 and page.context["subject_link"] is None
