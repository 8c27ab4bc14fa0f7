"""The officer's queue and case pages."""

import pytest

from pracha.workflow import services
from pracha.workflow.models import Case

pytestmark = pytest.mark.django_db


def test_queue_needs_an_officer(client, office):
    assert client.get("/work/").status_code == 302
    client.force_login(office.citizen)
    assert client.get("/work/")["Location"] == "/my/"


def test_empty_queue_says_so(client, office):
    client.force_login(office.officer)
    page = client.get("/work/").content.decode()
    assert 'data-testid="queue-empty"' in page
    filtered = client.get("/work/?overdue=1").content.decode()
    assert "/work/" in filtered and 'data-testid="queue-empty"' in filtered


def test_queue_sorted_by_deadline_with_badges_and_pages(client, office, at):
    at(2026, 11, 2, 9, 0)
    late = services.start_case("petition", agency=office.agency, title="เรื่องเก่าที่เลยกำหนด")
    at(2026, 11, 6, 9, 0)
    for i in range(26):
        services.start_case("petition", agency=office.agency, title=f"เรื่องใหม่ {i}")
    client.force_login(office.officer)
    page = client.get("/work/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index(late.reference) < page.index("PET-2569-000002")
    assert "badge badge-over" in page and "Overdue by" in page
    assert "Page 1 of 2" in page and "page=2" in page
    second = client.get("/work/?page=2&q=ใหม่", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 2 of 2" in second and late.reference not in second


def test_case_page_shows_facts_timeline_and_forms(client, office):
    case = services.start_case("petition", agency=office.agency, title="ขอสำเนาสัญญา", applicant=office.person)
    services.take_action(case, "accept", actor=office.counter)
    client.force_login(office.officer)
    page = client.get(f"/work/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.reference in page and "มานี มีนา" in page
    assert "Accept for review" in page  # the timeline names the action by its label
    assert 'data-testid="do-request_info"' in page and 'data-testid="do-propose_reply"' in page
    assert 'name="reason" rows="2" maxlength="4000" required' in page  # request_info needs a reason
    assert 'data-testid="do-approve"' not in page  # a supervisor's action


def test_acting_through_the_page(client, office):
    case = services.start_case("petition", agency=office.agency, title="ขอสำเนาสัญญา")
    client.force_login(office.counter)
    response = client.post(f"/work/cases/{case.pk}/act/", {"action": "decline", "reason": " "})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    response = client.post(f"/work/cases/{case.pk}/act/", {"action": "accept"})
    assert response.status_code == 302 and response["Location"] == f"/work/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).state == "under_review"
    response = client.post(f"/work/cases/{case.pk}/act/", {"action": "approve"})
    assert response.status_code == 409


def test_take_on_and_transfer_through_the_page(client, office, make_agency):
    make_agency("BMA.1002", kind="bma_district")
    case = services.start_case("petition", agency=office.agency, title="ทางเท้าชำรุด")
    client.force_login(office.officer)
    assert client.post(f"/work/cases/{case.pk}/assign/", {"officer": "me"}).status_code == 302
    assert Case.objects.get(pk=case.pk).assigned_officer == office.officer
    response = client.post(f"/work/cases/{case.pk}/transfer/", {"contact_point": "NOPE", "reason": "ผิดหน่วย"})
    assert response.status_code == 400 and 'value="NOPE"' in response.content.decode()
    response = client.post(
        f"/work/cases/{case.pk}/transfer/", {"contact_point": "BMA.1002/main", "reason": "เป็นอำนาจของเขต"}
    )
    assert response.status_code == 302 and response["Location"] == "/work/"
    assert client.get(f"/work/cases/{case.pk}/").status_code == 404  # now another agency's case


def test_other_agency_cannot_see_or_act(client, office, make_agency, make_officer):
    case = services.start_case("petition", agency=office.agency, title="เรื่องภายใน")
    client.force_login(make_officer("stranger", make_agency("OTHER"), role="supervisor"))
    assert client.get(f"/work/cases/{case.pk}/").status_code == 404
    assert client.post(f"/work/cases/{case.pk}/act/", {"action": "accept"}).status_code == 404
    assert client.post(f"/work/cases/{case.pk}/assign/", {"officer": "me"}).status_code == 404
    assert case.reference not in client.get("/work/?status=all").content.decode()
    assert Case.objects.get(pk=case.pk).state == "received"


def test_applicant_sees_own_case_page(client, office):
    case = services.start_case("petition", agency=office.agency, title="ขอใบอนุญาต", applicant=office.person)
    client.force_login(office.citizen)
    page = client.get(f"/work/cases/{case.pk}/").content.decode()
    assert 'data-testid="do-withdraw"' in page and 'data-testid="do-accept"' not in page
