"""The applications API: one error format, validation per page, permissions, the officer's steps."""

from __future__ import annotations

import pytest

from pracha.applications.demo_data import png_bytes
from pracha.applications.models import Application

from .conftest import PASSWORD, pdf_bytes

RICE = "rice-trading-licence"


@pytest.fixture
def api(client, citizen):
    client.login(username=citizen.username, password=PASSWORD)
    return client


def _draft(api) -> int:
    answer = api.post("/api/applications", {"service": RICE}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def _complete(api, pk: int) -> None:
    assert (
        api.put(
            f"/api/applications/{pk}/pages/1",
            {"data": {"trade_type": "paddy"}},
            content_type="application/json",
        ).status_code
        == 200
    )
    page2 = {"premises_name": "ท่าข้าวสมชาย", "premises_address": "1 หมู่ 2 ตำบลบางพูด อำเภอปากเกร็ด นนทบุรี"}
    assert (
        api.put(
            f"/api/applications/{pk}/pages/2", {"data": page2}, content_type="application/json"
        ).status_code
        == 200
    )
    for code, name, data in (
        ("id_card", "id.png", png_bytes()),
        ("house_registration", "house.pdf", pdf_bytes("house")),
        ("premises_map", "map.png", png_bytes()),
        ("premises_right", "lease.pdf", pdf_bytes("lease")),
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile

        answer = api.post(
            f"/api/applications/{pk}/documents", {"code": code, "file": SimpleUploadedFile(name, data)}
        )
        assert answer.status_code == 201, answer.content


def test_unknown_service_is_a_404_in_the_error_format(api):
    answer = api.post("/api/applications", {"service": "no-such-service"}, content_type="application/json")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_service"


def test_page_errors_are_field_errors_and_the_draft_is_kept(api):
    pk = _draft(api)
    answer = api.put(
        f"/api/applications/{pk}/pages/1",
        {"data": {"trade_type": "gold", "phone": "12"}},
        content_type="application/json",
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "form_incomplete"
    assert error["fields"] == {"trade_type": "service_form_invalid_choice"}  # phone is prefilled: kept
    assert error["messages"]["th"] and error["messages"]["en"]
    assert Application.objects.get(pk=pk).data["trade_type"] == "gold"


def test_wrong_file_type_is_refused(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pk = _draft(api)
    answer = api.post(
        f"/api/applications/{pk}/documents",
        {"code": "premises_map", "file": SimpleUploadedFile("map.png", b"MZ\x90\x00 not an image")},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"premises_map": "document_type_not_allowed"}


def test_someone_elses_draft_is_not_found(api, client, citizen, dit_officers):
    pk = _draft(api)
    client.logout()
    client.login(username="officer.dit", password=PASSWORD)
    # A draft is the applicant's alone, even for the agency's officers.
    assert client.get(f"/api/applications/{pk}").status_code == 404
    assert (
        client.put(
            f"/api/applications/{pk}/pages/1", {"data": {}}, content_type="application/json"
        ).status_code
        == 404
    )


def test_submit_and_officer_steps(api, client, citizen, dit_officers, other_officer):
    pk = _draft(api)
    _complete(api, pk)
    answer = api.post(f"/api/applications/{pk}/submit")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "checking"
    assert api.post(f"/api/applications/{pk}/submit").json()["error"]["code"] == "application_not_draft"

    client.logout()
    client.login(username="supervisor.doe", password=PASSWORD)
    assert client.get(f"/api/applications/{pk}").status_code == 404
    refused = client.post(
        f"/api/applications/{pk}/actions", {"action": "accept"}, content_type="application/json"
    )
    assert refused.status_code == 404
    assert client.get("/api/applications/officer/inbox").json()["count"] == 0

    client.logout()
    client.login(username="counter.dit", password=PASSWORD)
    assert client.get("/api/applications/officer/inbox").json()["count"] == 1
    no_reason = client.post(
        f"/api/applications/{pk}/actions", {"action": "send_back"}, content_type="application/json"
    )
    assert no_reason.status_code == 400 and no_reason.json()["error"]["code"] == "reason_required"
    back = client.post(
        f"/api/applications/{pk}/actions",
        {"action": "send_back", "reason": "แนบสัญญาเช่าฉบับที่ลงนามแล้ว"},
        content_type="application/json",
    )
    assert back.json()["state"] == "correction"
    wrong = client.post(
        f"/api/applications/{pk}/actions", {"action": "approve"}, content_type="application/json"
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "action_not_allowed"
    message = client.post(
        f"/api/applications/{pk}/messages", {"text": "ติดต่อ 1569 ได้"}, content_type="application/json"
    )
    assert message.status_code == 201 and message.json()["from_officer"] is True

    client.logout()
    client.login(username=citizen.username, password=PASSWORD)
    again = client.post(f"/api/applications/{pk}/resubmit")
    assert again.status_code == 200 and again.json()["state"] == "checking"
    assert [s["state"] for s in again.json()["steps"]] == ["checking", "correction", "checking"]


def test_compliance_report_is_public(client, world):
    answer = client.get("/api/applications/compliance")
    assert answer.status_code == 200 and answer.json() == []


def test_signed_out_is_401(client, world):
    answer = client.post("/api/applications", {"service": RICE}, content_type="application/json")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"
