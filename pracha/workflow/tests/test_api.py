"""/api/workflow: processes, scoped case lists, case detail and actions in the one error format."""

import pytest

from pracha.audit.chain import verify
from pracha.audit.models import AuditRecord
from pracha.workflow import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(office):
    return services.start_case(
        "petition", agency=office.agency, title="ขอข้อมูลโครงการถนน", applicant=office.person
    )


def test_processes_are_public(client, case):
    listing = client.get("/api/workflow/processes").json()
    assert [p["code"] for p in listing] == ["petition"]
    assert listing[0]["name"]["th"] == "หนังสือร้องขอหรือคำร้องทั่วไปถึงหน่วยงาน"
    detail = client.get("/api/workflow/processes/petition").json()
    assert detail["definition"]["states"]["received"]["actions"]["accept"]["to"] == "under_review"
    missing = client.get("/api/workflow/processes/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_process"


def test_cases_need_sign_in(client, case):
    response = client.get("/api/workflow/cases")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_officer_lists_and_acts(client, office, case):
    client.force_login(office.counter)
    page = client.get("/api/workflow/cases").json()
    assert page["count"] == 1 and page["items"][0]["reference"] == case.reference
    assert page["items"][0]["time_left"]["status"] in {"ok", "warn", "over"}
    detail = client.get(f"/api/workflow/cases/{case.pk}").json()
    assert [a["code"] for a in detail["available_actions"]] == ["accept", "decline", "withdraw"]
    assert detail["applicant"] == "มานี มีนา"
    assert AuditRecord.objects.filter(action="personal_data.read").count() == 1

    response = client.post(
        f"/api/workflow/cases/{case.pk}/actions", {"action": "decline"}, content_type="application/json"
    )
    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["code"], error["fields"]) == ("reason_required", {"reason": "reason_required"})
    assert error["messages"]["en"] == "Give a reason for this action."
    response = client.post(
        f"/api/workflow/cases/{case.pk}/actions", {"action": "accept"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"]["code"] == "under_review"
    assert [e["action"] for e in body["events"]] == ["start", "accept"]
    assert body["events"][1]["actor"] == "counter"
    response = client.post(
        f"/api/workflow/cases/{case.pk}/actions", {"action": "propose_reply"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "role_required"
    response = client.post(
        f"/api/workflow/cases/{case.pk}/actions", {"action": "no_such"}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "action_not_allowed"
    assert verify().ok


def test_bad_input_is_a_4xx_never_a_500(client, office, case):
    client.force_login(office.counter)
    url = f"/api/workflow/cases/{case.pk}/actions"
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 422
    assert client.get("/api/workflow/cases?status=weird").status_code == 422
    assert client.get("/api/workflow/cases?page=0").status_code == 422
    transfer = client.post(
        f"/api/workflow/cases/{case.pk}/transfer",
        {"contact_point": "NOPE/x", "reason": "ผิดหน่วย"},
        content_type="application/json",
    )
    assert transfer.status_code == 400 and transfer.json()["error"]["fields"] == {
        "contact_point": "unknown_contact_point"
    }


def test_other_agency_gets_404_for_everything(client, office, case, make_agency, make_officer):
    stranger = make_officer("stranger", make_agency("OTHER"), role="supervisor")
    client.force_login(stranger)
    assert client.get("/api/workflow/cases").json()["count"] == 0
    for response in (
        client.get(f"/api/workflow/cases/{case.pk}"),
        client.get("/api/workflow/cases/999999"),
        client.post(
            f"/api/workflow/cases/{case.pk}/actions", {"action": "accept"}, content_type="application/json"
        ),
        client.post(
            f"/api/workflow/cases/{case.pk}/assign", {"username": "stranger"}, content_type="application/json"
        ),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    case.refresh_from_db()
    assert case.state == "received"


def test_applicant_sees_own_case_and_can_withdraw(client, office, case):
    client.force_login(office.citizen)
    detail = client.get(f"/api/workflow/cases/{case.pk}").json()
    assert [a["code"] for a in detail["available_actions"]] == ["withdraw"]
    assert client.get("/api/workflow/cases").json()["count"] == 0  # the queue is for officers
    response = client.post(
        f"/api/workflow/cases/{case.pk}/actions",
        {"action": "withdraw", "reason": "ได้รับข้อมูลจากทางอื่นแล้ว"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["closed_at"] is not None


def test_pagination_and_filters(client, office):
    for i in range(7):
        services.start_case("petition", agency=office.agency, title=f"เรื่อง {i}")
    client.force_login(office.officer)
    page = client.get("/api/workflow/cases?page_size=3&page=3").json()
    assert (page["count"], page["pages"], page["page"], len(page["items"])) == (7, 3, 3, 1)
    assert client.get("/api/workflow/cases?state=under_review").json()["count"] == 0
    assert client.get("/api/workflow/cases?process=petition&overdue=false").json()["count"] == 7


def test_openapi_describes_the_workflow_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/workflow/cases", "/api/workflow/cases/{case_id}/actions"} <= set(paths)
