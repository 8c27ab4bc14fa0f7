"""Officers correct the place of a complaint (a subdistrict found from the pin, or chosen wrongly):
the page form, the API and the service; bad input changes nothing, another agency sees a 404."""

import json

import pytest

from pracha.audit.models import AuditRecord
from pracha.complaints import officer_services as officer
from pracha.complaints.models import Complaint, Update
from pracha.core.errors import PrachaError

from . import officer_world
from .officer_world import make_complaint

pytestmark = pytest.mark.django_db
world = officer_world.world  # the fixture
BASE = "/complaints/officer/"
API = "/api/complaints/officer"


@pytest.fixture
def complaint(world):
    found = make_complaint("ไฟทางเดินดับทั้งซอย", world.works, subdistrict=world.sub_a)
    Complaint.objects.filter(pk=found.pk).update(subdistrict_from_pin=True, subdistrict_confidence=0.62)
    found.refresh_from_db()
    return found


def _unchanged(complaint: Complaint, world) -> None:
    complaint.refresh_from_db()
    assert complaint.subdistrict_id == world.sub_a.code
    assert complaint.subdistrict_from_pin and complaint.subdistrict_confidence == 0.62
    assert not Update.objects.filter(complaint=complaint, kind=Update.Kind.PLACE).exists()
    assert not AuditRecord.objects.filter(action="complaints.place_corrected").exists()


def test_the_officer_corrects_the_place_on_the_page(client, world, complaint):
    client.force_login(world.officer)
    page = client.get(f"{BASE}{complaint.pk}/").content.decode()
    assert 'id="place-subdistrict"' in page and 'href="#place"' in page

    response = client.post(
        f"{BASE}{complaint.pk}/place/",
        {"subdistrict": " 103002 ", "reason": "หมุดคลาดเคลื่อน ผู้ร้องโทรยืนยันว่าอยู่เสนานิคม"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "แก้ไขสถานที่เป็น เสนานิคม, จตุจักร แล้ว" in page  # the success message, in Thai
    complaint.refresh_from_db()
    assert complaint.subdistrict_id == "103002"
    assert complaint.subdistrict_from_pin is False and complaint.subdistrict_confidence is None
    # Not re-routed: the same unit still holds it.
    assert complaint.contact_point_id == world.works.pk and complaint.case.contact_point_id == world.works.pk

    records = AuditRecord.objects.filter(action="complaints.place_corrected", object_id=str(complaint.pk))
    assert records.count() == 1
    data = json.loads(records.get().data)
    assert data == {
        "from": "103001",
        "to": "103002",
        "reason": "หมุดคลาดเคลื่อน ผู้ร้องโทรยืนยันว่าอยู่เสนานิคม",
    }
    assert records.get().actor == f"user:{world.officer.pk}"

    # The timeline shows it as an internal note; the complainant's status page does not.
    note = Update.objects.get(complaint=complaint, kind=Update.Kind.PLACE)
    assert note.public is False and note.author == world.officer
    assert "ลาดยาว" in note.text and "(103001) → เสนานิคม" in note.text
    entry = [i for i in officer.timeline(complaint) if i["label"] == "แก้ไขสถานที่"]
    assert len(entry) == 1 and entry[0]["detail"] == "บันทึกภายใน"
    assert "หมุดคลาดเคลื่อน" in page and 'data-testid="place-from-pin"' not in page


def test_the_service_corrects_a_place_the_complainant_chose(world):
    chosen = make_complaint("ขยะล้นถัง", world.works, subdistrict=world.sub_b)
    officer.correct_place(chosen, "103001", "ผู้ร้องเลือกแขวงผิด", actor=world.officer)
    chosen.refresh_from_db()
    assert chosen.subdistrict_id == "103001"
    # The same subdistrict again is a mistake (it was not from a pin): said, nothing recorded.
    with pytest.raises(PrachaError) as exc:
        officer.correct_place(chosen, "103001", "อีกครั้ง", actor=world.officer)
    assert exc.value.fields == {"subdistrict": "same_subdistrict"}
    assert AuditRecord.objects.filter(action="complaints.place_corrected").count() == 1


UNKNOWN = "ไม่มีตำบล/แขวงที่มีรหัสนี้"


@pytest.mark.parametrize(
    ("sent", "field", "code", "thai"),
    [
        ({"subdistrict": "109999", "reason": "หมุดผิด"}, "subdistrict", "unknown_subdistrict", UNKNOWN),
        ({"subdistrict": "1030", "reason": "หมุดผิด"}, "subdistrict", "unknown_subdistrict", UNKNOWN),
        ({"subdistrict": "ลาดยาว", "reason": "หมุดผิด"}, "subdistrict", "unknown_subdistrict", UNKNOWN),
        ({"subdistrict": "103002", "reason": "   "}, "reason", "required", "กรุณากรอกช่องนี้"),
        ({"subdistrict": "103002", "reason": "ก" * 4001}, "reason", "too_long", "ข้อความยาวเกินไป"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(client, world, complaint, sent, field, code, thai):
    client.force_login(world.officer)
    response = client.post(f"{BASE}{complaint.pk}/place/", sent)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="place-{field}-error"' in page and thai in page
    assert '<details class="action-form" open id="place">' in page
    _unchanged(complaint, world)

    api = client.post(
        f"{API}/complaints/{complaint.pk}/place", json.dumps(sent), content_type="application/json"
    )
    error = api.json()["error"]
    if code == "too_long":  # the API's schema refuses it before the service (422, the one error format)
        assert api.status_code == 422 and field in error["fields"]
    else:
        assert api.status_code == 400 and error["fields"] == {field: code}
    _unchanged(complaint, world)


def test_english_errors(client, world, complaint):
    client.force_login(world.officer)
    client.cookies["django_language"] = "en"
    page = client.post(f"{BASE}{complaint.pk}/place/", {"subdistrict": "999999", "reason": "wrong pin"})
    assert page.status_code == 400
    assert "There is no subdistrict with this code. Give its 6-digit code." in page.content.decode()


def test_another_agencys_officer_cannot_correct_it(client, world, complaint):
    client.force_login(world.outsider)
    sent = {"subdistrict": "103002", "reason": "หมุดผิด"}
    assert client.post(f"{BASE}{complaint.pk}/place/", sent).status_code == 404
    api = client.post(
        f"{API}/complaints/{complaint.pk}/place", json.dumps(sent), content_type="application/json"
    )
    assert api.status_code == 404
    _unchanged(complaint, world)


def test_who_may_only_read_cannot_correct_it(client, world, complaint):
    # An executive sees the complaint but does not work it: refused, as for the other actions.
    with pytest.raises(PrachaError) as exc:
        officer.correct_place(complaint, "103002", "หมุดผิด", actor=world.executive)
    assert exc.value.status == 403
    client.force_login(world.executive)
    sent = {"subdistrict": "103002", "reason": "หมุดผิด"}
    api = client.post(
        f"{API}/complaints/{complaint.pk}/place", json.dumps(sent), content_type="application/json"
    )
    assert api.status_code == 403
    _unchanged(complaint, world)


def test_the_api_corrects_the_place(client, world, complaint):
    client.force_login(world.officer)
    sent = {"subdistrict": "103002", "reason": "pin was off"}
    response = client.post(
        f"{API}/complaints/{complaint.pk}/place", json.dumps(sent), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["subdistrict"] == "103002" and "place" in body["available_actions"]
    assert any(i["kind"] == "update" and "pin was off" in i["text"] for i in body["timeline"])
