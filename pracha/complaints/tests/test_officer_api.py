"""The officers' complaint API: the same scope as the pages on every endpoint, the one error format,
the actions and the figures."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pracha.complaints.models import Complaint, Correction

from . import officer_world
from .officer_world import make_complaint

pytestmark = pytest.mark.django_db
world = officer_world.world  # the fixture
API = "/api/complaints/officer"


def post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def error(response) -> dict:
    body = response.json()["error"]
    assert set(body) == {"code", "message", "messages", "fields"}
    assert body["messages"]["th"] and body["messages"]["en"]
    return body


@pytest.fixture
def complaint(world):
    return make_complaint("ทางเท้าชำรุดหน้าตลาด", world.works, subdistrict=world.sub_a)


def test_every_endpoint_is_scoped(client, world, complaint):
    client.force_login(world.outsider)
    assert client.get(f"{API}/queue").json()["count"] == 0
    one = f"{API}/complaints/{complaint.pk}"
    assert error(client.get(one))["code"] == "not_found"
    bodies = {
        "contact": {"purpose": "อยากทราบเบอร์"},
        "accept": {},
        "transfer": {"contact_point": "MEA/main", "reason": "x"},
        "categories": {"categories": ["footpath"]},
        "reply": {"kind": "reply", "text": "x"},
        "ask": {"question": "x"},
        "reject": {"reason": "x"},
        "merge": {"into": complaint.tracking_code, "reason": "x"},
        "assign": {"username": "stranger"},
    }
    for action, body in bodies.items():
        response = post(client, f"{one}/{action}", body)
        assert response.status_code == 404, action
        assert error(response)["code"] == "not_found"
    assert client.post(f"{one}/resolve", {"reason": "x"}).status_code == 404
    bulk = post(client, f"{API}/bulk", {"action": "accept", "ids": [complaint.pk]}).json()
    assert bulk["done"] == [] and bulk["failed"][0]["complaint"] == str(complaint.pk)
    assert client.get(f"{API}/dashboard?agency=BMA.1030").status_code == 404
    complaint.case.refresh_from_db()
    assert complaint.case.state == "forwarded"


def test_anonymous_callers_are_refused(client, complaint):
    response = client.get(f"{API}/queue")
    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"
    assert client.get(f"{API}/complaints/{complaint.pk}").status_code == 401


def test_queue_and_detail(client, world, complaint):
    make_complaint("ไฟดับ", world.works, categories=[["light", 0.7]], forwarding_hours=2)
    client.force_login(world.officer)
    page = client.get(f"{API}/queue?page_size=1").json()
    assert page["count"] == 2 and page["pages"] == 2
    assert page["items"][0]["text"] == "ไฟดับ" and page["items"][0]["time_left"]["status"] in ("warn", "ok")
    assert (
        client.get(f"{API}/queue?category=footpath").json()["items"][0]["tracking_code"]
        == complaint.tracking_code
    )
    assert client.get(f"{API}/queue?place=103001").json()["count"] == 1
    bad = client.get(f"{API}/queue?status=everything")
    assert bad.status_code == 422 and "status" in error(bad)["fields"]
    detail = client.get(f"{API}/complaints/{complaint.pk}").json()
    assert (detail["categories"][0]["code"], detail["categories"][0]["confidence"]) == ("footpath", 0.91)
    assert "accept" in detail["available_actions"] and detail["timeline"][0]["kind"] == "event"
    assert "contact_phone" not in json.dumps(detail) and complaint.contact_phone not in json.dumps(detail)


def test_actions(client, world, complaint):
    client.force_login(world.officer)
    one = f"{API}/complaints/{complaint.pk}"
    assert post(client, f"{one}/accept", {}).json()["state"] == "in_progress"
    assert post(client, f"{one}/accept", {}).status_code == 409  # not in that step any more
    reply = post(client, f"{one}/reply", {"kind": "preliminary", "text": "ส่งช่างแล้ว"})
    assert reply.status_code == 200 and reply.json()["timeline"][-1]["text"] == "ส่งช่างแล้ว"
    wrong = post(client, f"{one}/reply", {"kind": "gossip", "text": "x"})
    assert wrong.status_code == 400 and error(wrong)["fields"] == {"kind": "unknown_kind"}
    contact = post(client, f"{one}/contact", {"purpose": "โทรนัดตรวจพื้นที่"}).json()
    assert contact["phone"] == "0812345678"
    bad_file = client.post(
        f"{one}/resolve", {"reason": "ซ่อมแล้ว", "evidence": SimpleUploadedFile("x.txt", b"hello")}
    )
    assert bad_file.status_code == 400 and error(bad_file)["fields"] == {"evidence": "file_type"}
    pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    resolved = client.post(f"{one}/resolve", {"reason": "ซ่อมแล้ว", "evidence": [pdf]}).json()
    assert resolved["state"] == "resolved" and resolved["attachments"][0]["content_type"] == "application/pdf"


def test_transfer_merge_and_bulk(client, world, complaint):
    survivor = make_complaint("ทางเท้าชำรุดจุดเดียวกัน", world.works)
    extra = make_complaint("ไฟดับ", world.works)
    client.force_login(world.officer)
    merged = post(
        client, f"{API}/complaints/{complaint.pk}/merge", {"into": survivor.tracking_code, "reason": "ซ้ำ"}
    )
    assert merged.json()["state"] == "merged" and merged.json()["duplicate_of"] == survivor.tracking_code
    unknown = post(client, f"{API}/complaints/{extra.pk}/merge", {"into": "XXXXXXXXXX", "reason": "ซ้ำ"})
    assert error(unknown)["fields"] == {"into": "unknown_complaint"}

    moved = post(
        client, f"{API}/complaints/{extra.pk}/transfer", {"contact_point": "MEA/main", "reason": "งานไฟฟ้า"}
    )
    assert moved.json()["agency"]["code"] == "MEA"
    assert Correction.objects.get(complaint=extra).to_agency == world.mea
    missing = post(
        client, f"{API}/complaints/{survivor.pk}/transfer", {"contact_point": "MEA/main", "reason": ""}
    )
    assert missing.status_code == 400 and error(missing)["fields"] == {"reason": "required"}

    bulk = post(client, f"{API}/bulk", {"action": "assign", "ids": [survivor.pk]}).json()
    assert bulk["done"] == [survivor.tracking_code]
    assert Complaint.objects.get(pk=survivor.pk).case.assigned_officer == world.officer
    assert post(client, f"{API}/bulk", {"action": "explode", "ids": [1]}).status_code == 422


def test_oversight_endpoints(client, world, complaint):
    for n in range(2):
        make_complaint(f"น้ำท่วม {n}", world.works, subdistrict=world.sub_a, categories=[["flood", 0.9]])
    client.force_login(world.officer)
    assert client.get(f"{API}/backlog").status_code == 403
    assert client.get(f"{API}/dashboard").json()["figures"]["volume"] == 3
    client.force_login(world.supervisor)
    assert client.get(f"{API}/backlog").json()[0]["open"] == 3
    issues = client.get(f"{API}/urgent").json()
    assert issues[0]["category"] == "flood" and issues[0]["this_week"] == 2
    sent = post(
        client,
        f"{API}/urgent/send",
        {
            "category": "flood",
            "level": "subdistrict",
            "place_code": "103001",
            "committee": "คณะกรรมการ",
            "note": "ด่วน",
        },
    )
    assert sent.status_code == 200 and sent.json()["figures"]["this_week"] == 2
    assert client.get(f"{API}/urgent").json()[0]["sent_to"] == "คณะกรรมการ"
    figures = client.get(f"{API}/dashboard?agency=BMA.1030&days=90").json()
    assert figures["agency"]["code"] == "BMA.1030" and figures["figures"]["days"] == 90
