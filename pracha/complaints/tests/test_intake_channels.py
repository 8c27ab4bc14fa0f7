"""End to end with the real classifier: a complaint filed on each channel reaches the right unit's
queue, with the channel's forwarding limit; what the machine cannot place goes to human triage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pracha.agencies.models import Subdistrict
from pracha.agencies.services import contact_point, local_body_for
from pracha.complaints import services
from pracha.complaints.models import Complaint
from pracha.core import queue
from pracha.core.calendar import default_calendar
from pracha.identity.models import User
from pracha.identity.services import grant_role
from pracha.workflow import services as workflow

PASSWORD = "correct-horse-battery"
FOOTPATH = "ทางเท้าหน้าตลาดนัดจตุจักรชำรุด กระเบื้องแตกหลายแผ่น คนเดินสะดุดล้ม"
WIRES = "สายไฟขาดห้อยลงมาจากเสาไฟฟ้า"
LABOUR_ABROAD = "ถูกหลอกไปทำงานที่ต่างประเทศ นายหน้าจัดหางานเก็บเงินแล้วหนี"
RUBBISH = "ขยะไม่มีคนมาเก็บหน้าตลาดสดเทศบาล ส่งกลิ่นเหม็นมาก"
GIBBERISH = "asdkjh qwpoeiru zmxncbv lkjhasd poiuqwer"


@pytest.fixture
def desk(places) -> User:
    """An officer of the 1111 centre who keys in calls, walk-ins and letters."""
    officer = User.objects.create_user(username="desk", password=PASSWORD)
    grant_role(officer, contact_point("OPM.OPS/psc-1111").pk, "counter_officer")
    return officer


def officer_of(unit: str) -> User:
    officer = User.objects.create_user(username=f"officer-{unit}", password=PASSWORD)
    grant_role(officer, contact_point(unit).pk, "case_officer")
    return officer


def run_worker() -> None:
    for job in queue.claim():
        assert queue.run_job(job), job.last_error


def in_queue_of(complaint: Complaint, unit: str) -> bool:
    """The complaint's case is in the queue of an officer of `unit` (and so of no one else's by default)."""
    queue_cases = workflow.queue_for(officer_of(unit), process="complaint")
    return queue_cases.filter(pk=complaint.case_id).exists()


def limit_hours(complaint: Complaint) -> float:
    """The forwarding limit the case got, counted from receipt, to the second (routing takes a moment)."""
    return round((complaint.case.state_deadline - complaint.received_at).total_seconds()) / 3600


@pytest.mark.django_db
def test_a_broken_footpath_in_chatuchak_filed_on_the_web_reaches_the_district_works_section(
    places, classifier
):
    answer = Client().post(
        "/api/complaints",
        {"text": FOOTPATH, "subdistrict": "103001", "anonymous": True},
        content_type="application/json",
    )
    assert answer.status_code == 202
    run_worker()
    complaint = Complaint.objects.get(tracking_code=answer.json()["tracking_code"])
    assert complaint.routing == "routed" and complaint.contact_point.code == "BMA.1030/works"
    assert complaint.case.state == "forwarded" and limit_hours(complaint) == 72
    assert complaint.categories[0][0] == "footpath" and complaint.model_version
    assert in_queue_of(complaint, "BMA.1030/works")
    assert not in_queue_of(complaint, "BMA.1001/works")


@pytest.mark.django_db
def test_sagging_wires_called_in_from_nonthaburi_go_to_mea_within_two_hours(desk, classifier):
    complaint = services.file_complaint(
        channel="hotline",
        text=WIRES,
        filed_by=desk,
        contact_name="นายสมปอง",
        contact_phone="0812345678",
        subdistrict_code="120101",
    )
    run_worker()
    complaint.refresh_from_db()
    assert (
        complaint.contact_point.code == "MEA/service" and complaint.routing_reason["rule"] == "power-utility"
    )
    assert limit_hours(complaint) == 2
    assert in_queue_of(complaint, "MEA/service")


@pytest.mark.django_db
def test_sagging_wires_reported_at_a_counter_in_chiang_mai_go_to_pea_within_36_hours(desk, classifier):
    complaint = services.file_complaint(
        channel="counter", text=WIRES, filed_by=desk, anonymous=True, subdistrict_code="500101"
    )
    run_worker()
    complaint.refresh_from_db()
    assert complaint.contact_point.code == "PEA/service" and limit_hours(complaint) == 36
    assert in_queue_of(complaint, "PEA/service")


@pytest.mark.django_db
def test_a_letter_about_work_abroad_goes_to_the_department_of_employment(desk, classifier):
    arrived = timezone.now() - dt.timedelta(days=1)
    complaint = services.file_complaint(
        channel="mail",
        text=LABOUR_ABROAD,
        filed_by=desk,
        contact_name="นางสาวมาลัย",
        letter=("letter.pdf", b"%PDF-1.4\n" + b"\x00" * 64),
        received_at=arrived,
    )
    run_worker()
    complaint.refresh_from_db()
    assert complaint.contact_point.code == "MOL.DOE/overseas"
    limit = default_calendar().deadline(arrived, services.routing.load_rules().forwarding_limit("mail"))
    assert complaint.case.state_deadline == limit
    assert in_queue_of(complaint, "MOL.DOE/overseas")


@pytest.mark.django_db
def test_a_local_matter_in_a_province_goes_to_its_local_body(places, classifier):
    rural = Subdistrict.objects.filter(district__province_id="50").exclude(code__startswith="5001").first()
    complaint = services.file_complaint(
        channel="web", text=RUBBISH, anonymous=True, subdistrict_code=rural.code
    )
    run_worker()
    complaint.refresh_from_db()
    assert (
        complaint.agency == local_body_for(rural.code) and complaint.routing_reason["rule"] == "local-matter"
    )


@pytest.mark.django_db
def test_gibberish_goes_to_human_triage(places, classifier):
    complaint = services.file_complaint(channel="line", text=GIBBERISH, line_user_id="U" + "b" * 32)
    run_worker()
    complaint.refresh_from_db()
    assert complaint.routing == "triage" and complaint.contact_point.code == "OPM.OPS/psc-1111"
    assert complaint.case.state == "triage" and complaint.routing_reason["rule"] == "triage:low_confidence"
    assert limit_hours(complaint) == 72  # LINE has the website's limit
    assert in_queue_of(complaint, "OPM.OPS/psc-1111")


@pytest.mark.django_db
def test_classify_gives_the_decision_with_the_real_model(places, classifier):
    body = (
        Client()
        .post(
            "/api/complaints/classify",
            {"text": FOOTPATH, "subdistrict": "103001"},
            content_type="application/json",
        )
        .json()
    )
    assert body["status"] == "routed" and body["contact_point"]["code"] == "BMA.1030/works"
    assert body["agency"]["name_en"] == "Chatuchak District Office" and body["rule"] == "bangkok-works"
    assert body["categories"][0]["code"] == "footpath" and body["categories"][0]["label_th"] == "ทางเท้า"
    assert body["categories"][0]["confidence"] >= body["threshold"]
    assert body["intent"]["code"] == "complaint" and body["model_version"]
    assert "สำนักงานเขตจตุจักร" in body["reason"]["th"]
    assert Complaint.objects.count() == 0
