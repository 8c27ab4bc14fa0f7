"""Public complaint pages and API: the web form, the confirmation, the status page with its timeline,
confirming with a rating and reopening; the classify and filing API; the officers' filing forms."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from pracha.agencies.services import contact_point
from pracha.audit.models import AuditRecord
from pracha.complaints import services
from pracha.complaints.models import Attachment, Complaint
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User
from pracha.identity.services import grant_role
from pracha.workflow import services as workflow

TEXT = "ทางเท้าหน้าตลาดนัดจตุจักรชำรุด กระเบื้องแตกหลายแผ่น คนเดินสะดุดล้ม"
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings, tmp_path):
    cache.clear()  # the filing limit counts per address in the cache
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


def thai(client: Client) -> Client:
    client.cookies["django_language"] = "th"
    return client


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def make_officer(username: str, unit: str, role: str = "case_officer") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    grant_role(user, contact_point(unit).pk, role)
    return user


def filed_and_routed(**kwargs) -> Complaint:
    complaint = services.file_complaint(**{"channel": "web", "text": TEXT, "anonymous": True, **kwargs})
    services.route(complaint)
    complaint.refresh_from_db()
    return complaint


def resolve(complaint: Complaint, result: str = "ซ่อมทางเท้าเรียบร้อยแล้ว") -> None:
    """An officer of the unit holding the case takes it through to "resolved" with the engine."""
    officer = make_officer(f"officer{complaint.pk}", complaint.contact_point.code)
    case = complaint.case
    if case.state == "triage":
        workflow.take_action(case, "forward", actor=officer)
    workflow.take_action(case, "accept", actor=officer)
    services.add_update(complaint, "preliminary", "ส่งช่างไปสำรวจแล้ว", officer)
    workflow.take_action(case, "resolve", actor=officer, reason=result)
    services.add_update(complaint, "final", result, officer)
    complaint.refresh_from_db()


# --- The web form ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_offers_provinces_and_fills_lower_lists_from_the_choice(places):
    client = thai(Client())
    page = client.get("/complaints/new/")
    html = page.content.decode()
    assert page.status_code == 200 and "แจ้งเรื่องร้องเรียน" in html
    assert '<option value="10">กรุงเทพมหานคร</option>' in html
    assert 'name="refresh_place"' in html  # works without the script
    again = client.post("/complaints/new/", {"province": "10", "district": "1030", "refresh_place": "1"})
    html = again.content.decode()
    assert again.status_code == 200 and '<option value="1030" selected>เขตจตุจักร</option>' in html
    assert '<option value="103001">ลาดยาว</option>' in html
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_mistakes_are_summarised_with_links_to_the_fields(places):
    page = english(Client()).post(
        "/complaints/new/",
        {"text": "broken", "contact_phone": "999", "photos": SimpleUploadedFile("x.jpg", b"MZ\x90\x00" * 50)},
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert 'class="error-summary"' in html
    assert '<a href="#id_text">What is the problem?: Describe the problem in at least 10 characters' in html
    assert 'href="#id_photos"' in html and "is not a JPEG, PNG, WebP or HEIC photo" in html
    assert 'href="#id_contact_phone"' in html
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0


@pytest.mark.django_db
def test_an_anonymous_complaint_with_a_photo_is_filed_and_confirmed_with_its_code(places):
    client = thai(Client())
    page = client.post(
        "/complaints/new/",
        {
            "text": TEXT,
            "province": "10",
            "district": "1030",
            "subdistrict": "103001",
            "place_text": "ประตู 1",
            "anonymous": "on",
            "photos": [SimpleUploadedFile("a.jpg", jpeg()), SimpleUploadedFile("b.jpg", jpeg())],
        },
    )
    complaint = Complaint.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/complaints/filed/{complaint.tracking_code}/"
    assert complaint.channel == "web" and complaint.anonymous and complaint.subdistrict_id == "103001"
    assert complaint.attachments.count() == 2
    confirmation = client.get(page["Location"]).content.decode()
    assert complaint.tracking_code in confirmation and "ได้รับเรื่องร้องเรียนแล้ว" in confirmation


@pytest.mark.django_db
def test_a_signed_in_citizen_files_in_their_own_name(places):
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170011111"), name_th="สมหญิง")
    User.objects.create_user(username=person.id_number, password=PASSWORD, person=person)
    client = Client()
    client.login(username=person.id_number, password=PASSWORD)
    page = client.get("/complaints/new/")
    assert 'name="contact_phone"' not in page.content.decode()  # told through the account instead
    client.post(
        "/complaints/new/", {"text": TEXT, "subdistrict": "103001", "province": "10", "district": "1030"}
    )
    assert Complaint.objects.get().complainant == person


@pytest.mark.django_db
def test_the_form_is_rate_limited_per_address(places, settings):
    settings.PRACHA_COMPLAINT_RATE_PER_MINUTE = 2
    client = Client()
    answers = [
        client.post("/complaints/new/", {"text": TEXT, "anonymous": "on"}).status_code for _ in range(3)
    ]
    assert answers == [302, 302, 429]
    assert Complaint.objects.count() == 2


# --- Following a complaint ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wrong_tracking_code_is_said_plainly(places):
    page = english(Client()).get("/complaints/track/", {"code": "ZZZZZZZZZZ"})
    assert (
        page.status_code == 404 and "There is no complaint with this tracking code" in page.content.decode()
    )


@pytest.mark.django_db
def test_a_typed_code_leads_to_its_status_page(places):
    complaint = filed_and_routed()
    code = complaint.tracking_code
    page = Client().get("/complaints/track/", {"code": f"{code[:4].lower()} {code[4:]}"})
    assert page.status_code == 302 and page["Location"] == f"/complaints/track/{code}/"


@pytest.mark.django_db
def test_the_status_page_shows_the_agency_the_deadline_and_the_timeline_without_personal_data(places):
    complaint = filed_and_routed(
        anonymous=False, contact_name="สมชาย ใจดี", contact_phone="0812345678", subdistrict_code="103001"
    )
    page = english(Client()).get(f"/complaints/track/{complaint.tracking_code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert complaint.contact_point.name_en in html and complaint.agency.name_en in html
    assert "This step is due" in html and "Complaint received" in html
    assert "Lat Yao" in html
    for private in ("สมชาย", "0812345678", TEXT[:20]):
        assert private not in html


@pytest.mark.django_db
def test_an_anonymous_complainant_confirms_with_a_rating_using_the_code(places):
    complaint = filed_and_routed()
    resolve(complaint)
    client = english(Client())
    status = client.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert "Is the problem solved?" in status and "Final result" in status and "Preliminary result" in status
    bad = client.post(f"/complaints/track/{complaint.tracking_code}/confirm/", {"rating": "9"})
    assert bad.status_code == 400 and "Choose a rating from 1" in bad.content.decode()
    done = client.post(
        f"/complaints/track/{complaint.tracking_code}/confirm/", {"rating": "4", "comment": "เร็วดี"}
    )
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.rating, complaint.rating_comment, complaint.case.state) == (4, "เร็วดี", "closed")
    assert AuditRecord.objects.filter(action="complaints.rated", object_id=str(complaint.pk)).exists()
    closed = client.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert "4 of 5" in closed and "Is the problem solved?" not in closed


@pytest.mark.django_db
def test_reopening_needs_a_reason_and_is_limited(places, settings):
    settings.PRACHA_COMPLAINT_MAX_REOPENS = 1
    complaint = filed_and_routed()
    resolve(complaint)
    client = english(Client())
    url = f"/complaints/track/{complaint.tracking_code}/reopen/"
    empty = client.post(url, {"reason": " "})
    assert empty.status_code == 400 and "Give a reason" in empty.content.decode()
    assert client.post(url, {"reason": "ยังมีกระเบื้องแตกอยู่อีกสองแผ่น"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.reopen_count == 1 and complaint.case.state == "in_progress"
    timeline = client.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert "ยังมีกระเบื้องแตกอยู่อีกสองแผ่น" in timeline
    officer = User.objects.get(username=f"officer{complaint.pk}")
    workflow.take_action(complaint.case, "resolve", actor=officer, reason="ซ่อมเพิ่มแล้ว")
    refused = client.post(url, {"reason": "ยังไม่เรียบร้อย"})
    assert refused.status_code == 409 and "reopened 1 times already" in refused.content.decode()


@pytest.mark.django_db
def test_only_the_signed_in_owner_follows_up_a_complaint_filed_from_an_account(places):
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170022222"), name_th="สมหญิง")
    User.objects.create_user(username=person.id_number, password=PASSWORD, person=person)
    complaint = filed_and_routed(anonymous=False, complainant=person)
    resolve(complaint)
    stranger = english(Client())
    page = stranger.get(f"/complaints/track/{complaint.tracking_code}/").content.decode()
    assert "can confirm it or reopen it after signing in" in page
    answer = stranger.post(f"/complaints/track/{complaint.tracking_code}/confirm/", {"rating": "1"})
    assert answer.status_code == 403
    owner = english(Client())
    owner.login(username=person.id_number, password=PASSWORD)
    assert (
        owner.post(f"/complaints/track/{complaint.tracking_code}/confirm/", {"rating": "5"}).status_code
        == 302
    )
    complaint.refresh_from_db()
    assert complaint.case.state == "closed" and complaint.rating == 5


@pytest.mark.django_db
def test_confirming_before_the_result_is_refused(places):
    complaint = filed_and_routed()
    answer = english(Client()).post(f"/complaints/track/{complaint.tracking_code}/confirm/", {"rating": "5"})
    assert answer.status_code == 409 and "only after the agency reports a result" in answer.content.decode()


# --- The API ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_classify_answers_without_filing_anything(places):
    answer = Client().post(
        "/api/complaints/classify",
        {"text": TEXT, "subdistrict": "103001"},
        content_type="application/json",
    )
    body = answer.json()
    assert answer.status_code == 200
    assert body["status"] in ("routed", "triage") and body["agency"]["name_th"] and body["agency"]["name_en"]
    assert body["contact_point"]["code"].startswith(body["agency"]["code"] + "/")
    assert body["reason"]["th"] and body["reason"]["en"] and body["rule"]
    assert body["place"]["subdistrict"] == "103001"
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_classify_refuses_bad_input_in_the_one_error_format(places):
    answer = Client().post(
        "/api/complaints/classify",
        {"text": "", "subdistrict": "999999", "latitude": 48.85},
        content_type="application/json",
    )
    error = answer.json()["error"]
    assert answer.status_code == 400
    assert error["fields"] == {
        "text": "complaint_text_required",
        "longitude": "location_incomplete",
        "subdistrict": "unknown_area",
    }
    assert error["messages"]["th"] and error["messages"]["en"]


@pytest.mark.django_db
def test_filing_through_the_api_answers_202_with_the_tracking_code(places):
    answer = Client().post(
        "/api/complaints",
        {"text": TEXT, "subdistrict": "103001", "contact_email": "somchai@example.org"},
        content_type="application/json",
    )
    body = answer.json()
    complaint = Complaint.objects.get()
    assert answer.status_code == 202
    assert body["tracking_code"] == complaint.tracking_code
    assert body["status_url"] == f"/api/complaints/{complaint.tracking_code}"
    assert body["page_url"] == f"/complaints/track/{complaint.tracking_code}/"
    assert complaint.contact_email == "somchai@example.org" and complaint.routing == "pending"


@pytest.mark.django_db
def test_filing_with_photos_through_multipart(places):
    answer = Client().post(
        "/api/complaints",
        {"text": TEXT, "anonymous": "true", "photos": [SimpleUploadedFile("p.jpg", jpeg())], "latitude": ""},
    )
    assert answer.status_code == 202, answer.content
    assert Complaint.objects.get().attachments.get().content_type == "image/jpeg"


@pytest.mark.django_db
def test_a_bad_api_complaint_stores_nothing(places):
    answer = Client().post(
        "/api/complaints",
        {"text": TEXT, "anonymous": "true", "photos": [SimpleUploadedFile("p.jpg", b"MZ" + b"\x00" * 99)]},
    )
    assert answer.status_code == 400 and answer.json()["error"]["fields"] == {
        "photos": "photo_type_not_allowed"
    }
    malformed = Client().post("/api/complaints", "{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    typed = Client().post("/api/complaints", {"text": 5, "latitude": "x"}, content_type="application/json")
    assert typed.status_code == 422 and set(typed.json()["error"]["fields"]) == {"text", "latitude"}
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_a_signed_in_browser_must_send_its_csrf_token(places):
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170033333"), name_th="สมศักดิ์")
    User.objects.create_user(username=person.id_number, password=PASSWORD, person=person)
    client = Client(enforce_csrf_checks=True)
    client.login(username=person.id_number, password=PASSWORD)
    answer = client.post("/api/complaints", {"text": TEXT}, content_type="application/json")
    assert answer.status_code == 403 and Complaint.objects.count() == 0


@pytest.mark.django_db
def test_the_public_status_has_no_personal_data(places):
    complaint = filed_and_routed(anonymous=False, contact_name="สมชาย ใจดี", contact_phone="0812345678")
    resolve(complaint, result="ซ่อมแล้ว")
    body = Client().get(f"/api/complaints/{complaint.tracking_code.lower()}").json()
    assert body["tracking_code"] == complaint.tracking_code and body["state"] == "resolved"
    assert body["agency"]["code"] == complaint.case.agency.code and body["awaiting_confirmation"]
    assert [r["kind"] for r in body["results"]] == ["preliminary", "final"]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[0] == "received" and "accept" in kinds and "resolve" in kinds
    text = json.dumps(body, ensure_ascii=False)
    for private in ("สมชาย", "0812345678", TEXT[:20], "officer"):
        assert private not in text
    assert Client().get("/api/complaints/NOSUCHCODE").status_code == 404


# --- Officers key in complaints -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_filing_forms_are_for_officers_who_serve_people(places):
    citizen = User.objects.create_user(username="citizen", password=PASSWORD)
    client = Client()
    client.login(username="citizen", password=PASSWORD)
    assert client.get("/complaints/file/hotline/").status_code == 403
    make_officer("desk", "OPM.OPS/psc-1111", "counter_officer")
    client.login(username="desk", password=PASSWORD)
    for channel in ("hotline", "counter", "mail"):
        assert client.get(f"/complaints/file/{channel}/").status_code == 200
    assert client.get("/complaints/file/fax/").status_code == 404
    assert citizen.pk


@pytest.mark.django_db
def test_a_call_taker_files_a_hotline_complaint(places):
    officer = make_officer("calltaker", "OPM.OPS/psc-1111", "counter_officer")
    client = english(Client())
    client.login(username="calltaker", password=PASSWORD)
    page = client.post(
        "/complaints/file/hotline/",
        {"text": TEXT, "contact_name": "นายสมปอง", "contact_phone": "0812345678", "subdistrict": "103001"},
    )
    complaint = Complaint.objects.get()
    assert page.status_code == 302 and complaint.channel == "hotline" and complaint.filed_by == officer
    assert "Read the code out to the complainant" in client.get(page["Location"]).content.decode()


@pytest.mark.django_db
def test_a_counter_officer_registers_the_walk_in_person_with_the_complaint(places):
    make_officer("desk", "OPM.OPS/psc-1111", "counter_officer")
    client = english(Client())
    client.login(username="desk", password=PASSWORD)
    id_number = make_thai_id("110170044444")
    data = {"text": TEXT, "contact_name": "นางมาลี", "contact_phone": "0891112222", "id_number": id_number}
    unknown = client.post("/complaints/file/counter/", data)
    assert (
        unknown.status_code == 400
        and "No person with this ID number is on record" in unknown.content.decode()
    )
    assert Complaint.objects.count() == 0 and not Person.objects.filter(id_number=id_number).exists()
    client.post("/complaints/file/counter/", {**data, "register": "on"})
    person = Person.objects.get(id_number=id_number)
    assert Complaint.objects.get().complainant == person and person.name_th == "นางมาลี"
    # The next time the person is found, and finding them is recorded as a read of personal data.
    client.post("/complaints/file/counter/", data)
    assert Complaint.objects.filter(complainant=person).count() == 2
    read = AuditRecord.objects.get(action="personal_data.read", object_id=str(person.pk))
    assert "complaint for a person at the service counter" in read.data


@pytest.mark.django_db
def test_a_letter_is_keyed_in_with_its_scan_and_date_of_receipt(places):
    make_officer("mailroom", "OPM.OPS/psc-1111", "counter_officer")
    client = english(Client())
    client.login(username="mailroom", password=PASSWORD)
    missing = client.post("/complaints/file/mail/", {"text": TEXT, "contact_name": "นายเขียน"})
    assert missing.status_code == 400 and 'href="#id_letter"' in missing.content.decode()
    client.post(
        "/complaints/file/mail/",
        {
            "text": TEXT,
            "contact_name": "นายเขียน",
            "received_on": "2026-03-12",
            "letter": SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"\x00" * 100),
        },
    )
    complaint = Complaint.objects.get()
    assert complaint.channel == "mail" and complaint.attachments.get().kind == "letter"
    assert complaint.received_at.isoformat().startswith("2026-03-11T17:00")  # midnight in Bangkok


@pytest.mark.django_db
def test_the_api_is_described_in_openapi_with_both_body_types():
    spec = Client().get("/api/openapi.json").json()
    filing = spec["paths"]["/api/complaints"]["post"]
    assert set(filing["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    photos = filing["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["photos"]
    assert photos["maxItems"] == services.PHOTOS_MAX
    assert "202" in filing["responses"]
    assert "/api/complaints/classify" in spec["paths"] and "/api/complaints/{tracking_code}" in spec["paths"]


@pytest.mark.django_db
def test_the_timeline_names_the_unit_the_1111_centre_handed_the_complaint_to(places):
    complaint = services.file_complaint(channel="web", text=TEXT, anonymous=True)
    services.route_to_triage(complaint, "test")  # no category: people at the 1111 centre decide
    triage = make_officer("triage", "OPM.OPS/psc-1111", "counter_officer")
    case = workflow.cases_for_subject(complaint).get()
    workflow.take_action(case, "forward", actor=triage)
    workflow.transfer(case, contact_point("BMA.1030/works"), actor=triage, reason="ทางเท้าในเขตจตุจักร")
    timeline = services.public_status(complaint.tracking_code)["timeline"]
    labels = [item["label"]["en"] for item in timeline]
    assert labels == [
        "Complaint received",
        "Sent to the 1111 centre to find the agency responsible",
        "Forwarded to Public Works Section, Chatuchak District Office",
    ]
    assert timeline[2]["label"]["th"] == "ส่งต่อไปยังฝ่ายโยธา สำนักงานเขตจตุจักร"


@pytest.mark.django_db
def test_an_officer_on_the_public_form_gives_a_contact_like_anyone_without_a_citizen_account(places):
    make_officer("clerk", "BMA.1030/works")
    client = english(Client())
    client.login(username="clerk", password=PASSWORD)
    assert 'name="contact_phone"' in client.get("/complaints/new/").content.decode()
    page = client.post("/complaints/new/", {"text": TEXT, "contact_phone": "0812345678"})
    assert page.status_code == 302 and Complaint.objects.get().contact_phone == "0812345678"


@pytest.mark.django_db
def test_the_filing_api_is_rate_limited_per_address(places, settings):
    client = Client()
    body = {"text": TEXT, "anonymous": True}
    answers = [
        client.post("/api/complaints", body, content_type="application/json").status_code
        for _ in range(settings.PRACHA_COMPLAINT_RATE_PER_MINUTE + 1)
    ]
    assert answers[:-1] == [202] * settings.PRACHA_COMPLAINT_RATE_PER_MINUTE
    assert answers[-1] == 429
    refused = client.post("/api/complaints", body, content_type="application/json").json()
    assert refused["error"]["code"] == "rate_limited"
    assert Complaint.objects.count() == settings.PRACHA_COMPLAINT_RATE_PER_MINUTE


@pytest.mark.django_db
def test_a_signed_in_citizen_may_file_more_and_is_counted_apart_from_the_address(places, settings):
    settings.PRACHA_COMPLAINT_RATE_PER_MINUTE = 1
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170055555"), name_th="สมใจ")
    User.objects.create_user(username=person.id_number, password=PASSWORD, person=person)
    citizen = Client()
    citizen.login(username=person.id_number, password=PASSWORD)
    answers = [citizen.post("/complaints/new/", {"text": TEXT}).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    # Someone else at the same address (anonymous) still has their own one.
    assert Client().post("/complaints/new/", {"text": TEXT, "anonymous": "on"}).status_code == 302
