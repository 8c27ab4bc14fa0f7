"""The workbench pages: every route is scoped (another agency's complaint is a 404, its queue shows
nothing of ours), forms act and show errors beside themselves, Thai and English."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pracha.audit.models import AuditRecord
from pracha.complaints import officer_services as officer
from pracha.complaints.models import Attachment, Complaint, DuplicateCandidate
from pracha.identity.models import User

from . import officer_world
from .officer_world import make_complaint

pytestmark = pytest.mark.django_db
world = officer_world.world  # the fixture
BASE = "/complaints/officer/"
ACTIONS = (
    "accept",
    "transfer",
    "categories",
    "update",
    "ask",
    "resolve",
    "reject",
    "merge",
    "dismiss",
    "assign",
)


@pytest.fixture
def complaint(world):
    found = make_complaint("ทางเท้าหน้าตลาดชำรุดเป็นหลุมลึก", world.works, subdistrict=world.sub_a, urgency="high")
    photo = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 0)).save(photo, "JPEG")
    Attachment.objects.create(
        complaint=found,
        kind="photo",
        file=SimpleUploadedFile("p.jpg", photo.getvalue()),
        content_type="image/jpeg",
        size=len(photo.getvalue()),
        sha256="0" * 64,
    )
    return found


def signed_in(client, user: User):
    client.force_login(user)
    return client


def test_every_route_hides_another_agencys_complaint(client, world, complaint):
    signed_in(client, world.outsider)
    photo = complaint.attachments.first()
    assert complaint.tracking_code not in client.get(BASE).content.decode()
    assert client.get(f"{BASE}{complaint.pk}/").status_code == 404
    assert client.get(f"{BASE}{complaint.pk}/files/{photo.pk}/").status_code == 404
    assert client.post(f"{BASE}{complaint.pk}/contact/", {"purpose": "อยากรู้จริงๆ"}).status_code == 404
    for action in ACTIONS:
        response = client.post(
            f"{BASE}{complaint.pk}/{action}/", {"reason": "x", "contact_point": "MEA/main"}
        )
        assert response.status_code == 404, action
    client.post(f"{BASE}bulk/", {"action": "accept", "ids": [complaint.pk]})
    complaint.case.refresh_from_db()
    assert complaint.case.state == "forwarded"
    assert complaint.tracking_code not in client.get(f"{BASE}dashboard/?agency=BMA.1030").content.decode()
    assert client.get(f"{BASE}dashboard/?agency=BMA.1030").status_code == 404
    assert not AuditRecord.objects.filter(action="personal_data.read").exists()


def test_people_who_are_not_officers_are_sent_away(client, world, complaint):
    assert client.get(BASE).status_code == 302  # to sign in
    assert client.get(f"{BASE}{complaint.pk}/").status_code == 302
    citizen = User.objects.create_user(username="1101700123451", password="x-long-password-1")
    signed_in(client, citizen)
    assert client.get(BASE)["Location"] == "/my/"
    assert client.get(f"{BASE}{complaint.pk}/").status_code in (302, 404)
    assert client.get(f"{BASE}backlog/")["Location"] == "/my/"


def test_queue_page_shows_time_left_and_filters(client, world, complaint):
    make_complaint("ไฟดับ", world.works, categories=[["light", 0.7]], forwarding_hours=2)
    signed_in(client, world.officer)
    page = client.get(BASE).content.decode()
    assert page.index("ไฟดับ") < page.index("ทางเท้าหน้าตลาด")  # the 2-hour limit first
    assert "ชั่วโมงทำการ" in page  # time left in working hours, in Thai
    filtered = client.get(BASE + "?category=light").content.decode()
    assert "ไฟดับ" in filtered and "ทางเท้าหน้าตลาด" not in filtered
    empty = client.get(BASE + "?q=nothing-like-this").content.decode()
    assert 'data-testid="queue-empty"' in empty
    client.cookies["django_language"] = "en"
    english = client.get(BASE).content.decode()
    assert "Complaint queue" in english and "working hours left" in english


def test_complaint_page_shows_what_officers_need(client, world, complaint):
    other = make_complaint("ทางเท้าชำรุดหน้าตลาดเหมือนกัน", world.works, subdistrict=world.sub_a)
    DuplicateCandidate.objects.create(
        complaint=complaint, candidate=other, score=0.8, reasons=["same_subdistrict"]
    )
    signed_in(client, world.officer)
    page = client.get(f"{BASE}{complaint.pk}/").content.decode()
    for expected in (
        complaint.text,
        "ลาดยาว",
        "footpath",
        "0.91",
        "ทางเท้าในเขตจตุจักร",  # the routing reason
        other.tracking_code,
        'data-testid="do-accept"',
        f"{BASE}{complaint.pk}/files/",
    ):
        assert expected in page, expected
    assert complaint.contact_phone not in page  # contact details only on request
    photo = complaint.attachments.first()
    image = client.get(f"{BASE}{complaint.pk}/files/{photo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_contact_details_need_a_purpose_and_are_audited(client, world, complaint):
    signed_in(client, world.officer)
    refused = client.post(f"{BASE}{complaint.pk}/contact/", {"purpose": ""})
    assert refused.status_code == 400 and complaint.contact_phone not in refused.content.decode()
    shown = client.post(f"{BASE}{complaint.pk}/contact/", {"purpose": "โทรนัดหมายตรวจสอบ"})
    assert complaint.contact_phone in shown.content.decode() and shown["Cache-Control"] == "no-store"
    assert AuditRecord.objects.filter(action="personal_data.read", object_id=str(complaint.pk)).count() == 1


def test_actions_from_the_page(client, world, complaint):
    signed_in(client, world.officer)
    url = f"{BASE}{complaint.pk}/"
    assert client.post(url + "accept/", {"reason": ""}).status_code == 302
    complaint.case.refresh_from_db()
    assert complaint.case.state == "in_progress"

    missing = client.post(url + "update/", {"kind": "preliminary", "text": ""})
    assert missing.status_code == 400 and 'data-testid="form-error"' in missing.content.decode()
    assert client.post(url + "update/", {"kind": "preliminary", "text": "ส่งช่างแล้ว"}).status_code == 302

    bad = client.post(
        url + "resolve/", {"reason": "ซ่อมแล้ว", "evidence": SimpleUploadedFile("a.exe", b"MZ...")}
    )
    assert bad.status_code == 400 and "PDF" in bad.content.decode()
    pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert client.post(url + "resolve/", {"reason": "ซ่อมแล้วเรียบร้อย", "evidence": pdf}).status_code == 302
    complaint.case.refresh_from_db()
    assert complaint.case.state == "resolved"
    assert complaint.attachments.filter(kind="evidence").count() == 1
    assert client.post(url + "nonsense/").status_code == 404


def test_transfer_and_merge_from_the_page(client, world, complaint):
    survivor = make_complaint("ทางเท้าชำรุดจุดเดิม", world.works)
    signed_in(client, world.officer)
    unknown = client.post(f"{BASE}{complaint.pk}/merge/", {"into": "NOSUCHCODE", "reason": "ซ้ำ"})
    assert unknown.status_code == 400
    done = client.post(f"{BASE}{complaint.pk}/merge/", {"into": survivor.tracking_code, "reason": "ซ้ำ"})
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.duplicate_of_id == survivor.pk

    wrong = client.post(f"{BASE}{survivor.pk}/transfer/", {"contact_point": "MEA/main", "reason": ""})
    assert wrong.status_code == 400
    moved = client.post(f"{BASE}{survivor.pk}/transfer/", {"contact_point": "MEA/main", "reason": "งานไฟฟ้า"})
    assert moved["Location"] == BASE  # the complaint is another agency's now
    assert client.get(f"{BASE}{survivor.pk}/").status_code == 404


def test_bulk_from_the_queue(client, world):
    mine = [make_complaint(f"ทางเท้า {n}", world.works) for n in range(2)]
    signed_in(client, world.officer)
    response = client.post(
        f"{BASE}bulk/", {"action": "accept", "ids": [m.pk for m in mine], "query": "status=all"}
    )
    assert response["Location"] == BASE + "?status=all"
    assert [c.case.state for c in Complaint.objects.filter(pk__in=[m.pk for m in mine])] == [
        "in_progress"
    ] * 2
    page = client.get(response["Location"]).content.decode()
    assert mine[0].tracking_code in page
    assert client.post(f"{BASE}bulk/", {"action": "accept"}).status_code == 302  # nothing selected


def test_backlog_urgent_and_dashboard_pages(client, world, complaint):
    for n in range(2):
        make_complaint(f"น้ำท่วม {n}", world.works, subdistrict=world.sub_a, categories=[["flood", 0.9]])
    signed_in(client, world.officer)
    assert client.get(f"{BASE}backlog/").status_code == 404  # case officers: no oversight pages
    assert client.get(f"{BASE}urgent/").status_code == 404
    assert client.get(f"{BASE}dashboard/").status_code == 200
    signed_in(client, world.supervisor)
    backlog = client.get(f"{BASE}backlog/").content.decode()
    assert "BMA.1030/works" in backlog
    board = client.get(f"{BASE}urgent/").content.decode()
    assert "flood" in board and 'data-testid="send-issue"' in board
    missing = client.post(
        f"{BASE}urgent/send/", {"category": "flood", "level": "subdistrict", "place": "103001"}
    )
    assert missing.status_code == 400
    sent = client.post(
        f"{BASE}urgent/send/",
        {
            "category": "flood",
            "level": "subdistrict",
            "place": "103001",
            "committee": "คณะกรรมการ",
            "note": "ด่วน",
        },
    )
    assert sent.status_code == 302
    assert 'data-testid="issue-sent"' in client.get(f"{BASE}urgent/").content.decode()
    dashboard = client.get(f"{BASE}dashboard/?agency=BMA.1030&days=90").content.decode()
    assert "plotly-" in dashboard and 'data-testid="fig-volume"' in dashboard
    assert officer.can_oversee(world.supervisor)


def test_generic_work_pages_send_officers_to_the_complaint_page(client, world, complaint):
    """The complaint process declares `handled_in`: the generic /work/ pages link and redirect to the
    complaint page and refuse to act, so no complaint step (telling the complainant, evidence) is skipped."""
    from pracha.workflow import services as workflow

    case = workflow.cases_for_subject(complaint).get()
    signed_in(client, world.officer)
    own_page = f"{BASE}{complaint.pk}/"
    assert f'href="{own_page}"' in client.get("/work/").content.decode()
    assert client.get(f"/work/cases/{case.pk}/")["Location"] == own_page
    state = case.state
    answer = client.post(f"/work/cases/{case.pk}/act/", {"action": "accept"})
    assert answer.status_code == 302 and answer["Location"] == own_page
    refused = client.post(
        f"/api/workflow/cases/{case.pk}/actions", {"action": "accept"}, content_type="application/json"
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "case_handled_elsewhere"
    case.refresh_from_db()
    assert case.state == state


def test_units_and_agencies_are_named_in_the_page_language(client, world, complaint):
    """Who holds a complaint, where it was sent and which units a supervisor oversees are read by name
    (Thai or English, as the page), the code only beside them."""
    other = make_complaint("ไฟฟ้าดับทั้งซอย", world.works)
    signed_in(client, world.officer)
    picked = "ฝ่ายรักษาความสะอาดและสวนสาธารณะ · สำนักงานเขตจตุจักร (BMA.1030/cleanliness)"
    client.post(f"{BASE}{other.pk}/transfer/", {"contact_point": picked, "reason": "ผิดฝ่าย"})
    assert Complaint.objects.get(pk=other.pk).contact_point == world.cleanliness
    client.cookies["django_language"] = "th"
    queue = client.get(BASE).content.decode()
    assert '<span class="holder-unit" title="BMA.1030/works">ฝ่ายโยธา</span>' in queue
    assert "สำนักงานเขตจตุจักร" in queue
    assert "BMA.1030/works</span>" not in queue  # the code is a tooltip in the crowded queue
    page = client.get(f"{BASE}{other.pk}/").content.decode()
    assert "ฝ่ายรักษาความสะอาดและสวนสาธารณะ" in page and "BMA.1030/cleanliness" in page
    # The transfer in the timeline, from one unit to the other by name.
    assert "จาก ฝ่ายโยธา, สำนักงานเขตจตุจักร ไปยัง ฝ่ายรักษาความสะอาดและสวนสาธารณะ, สำนักงานเขตจตุจักร" in page
    assert 'value="สารบรรณกลาง · การไฟฟ้านครหลวง (MEA/main)"' in page  # units to send to, by name
    cache.clear()

    client.cookies["django_language"] = "en"
    queue = client.get(BASE).content.decode()
    assert "Public Works Section" in queue and "Chatuchak District Office" in queue
    page = client.get(f"{BASE}{other.pk}/").content.decode()
    assert "from Public Works Section, Chatuchak District Office to Cleansing and Public Parks" in page
    assert 'value="Central correspondence · Metropolitan Electricity Authority (MEA/main)"' in page
    signed_in(client, world.supervisor)
    backlog = client.get(f"{BASE}backlog/").content.decode()
    assert "Public Works Section" in backlog and "Chatuchak District Office" in backlog
    cache.clear()


def test_a_unit_is_read_from_a_suggestion_or_a_code():
    from pracha.complaints.views_officer import unit_code

    assert unit_code("ฝ่ายโยธา · สำนักงานเขตจตุจักร (BMA.1030/works)") == "BMA.1030/works"
    assert unit_code("Public Service Center (hotline 1111) · OPS (OPM.OPS/psc-1111) ") == "OPM.OPS/psc-1111"
    assert unit_code(" MEA/main ") == "MEA/main"
    assert unit_code("") == ""
