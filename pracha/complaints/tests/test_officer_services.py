"""The officer workbench's service layer: the scoped queue and its filters, every action through the
workflow engine, milestones, corrections, merging, bulk actions, the backlog and audited reads."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pracha.audit.models import AuditRecord
from pracha.complaints import corrections
from pracha.complaints import officer_services as officer
from pracha.complaints.models import Attachment, Complaint, Correction, DuplicateCandidate, Update
from pracha.core.errors import PrachaError
from pracha.identity.models import User
from pracha.notify.models import Notification

from . import officer_world
from .officer_world import make_complaint

world = officer_world.world  # the fixture

pytestmark = pytest.mark.django_db
Q = officer.QueueFilters


def png(size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("after.png", buffer.getvalue(), content_type="image/png")


def codes(qs) -> list[str]:
    return [c.tracking_code for c in qs]


def later(monkeypatch, **delta) -> dt.datetime:
    moment = timezone.now() + dt.timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def test_queue_is_the_agencys_nearest_deadline_first(world):
    web = make_complaint("ทางเท้าชำรุดหน้าตลาด", world.works, forwarding_hours=72)
    hotline = make_complaint("ท่อแตกน้ำท่วมถนน", world.works, channel="hotline", forwarding_hours=2)
    mid = make_complaint("ไฟทางดับทั้งซอย", world.cleanliness, forwarding_hours=36)
    elsewhere = make_complaint("ขยะไม่มีคนเก็บ", world.other.contact_points.get(code="BMA.1001/works"))

    assert codes(officer.queue(world.officer)) == [
        hotline.tracking_code,
        mid.tracking_code,
        web.tracking_code,
    ]
    assert codes(officer.queue(world.outsider)) == [elsewhere.tracking_code]
    # An executive of the BMA sees its district offices (cascading scope); the 1111 centre sees none.
    assert set(codes(officer.queue(world.executive))) == {
        c.tracking_code for c in (web, hotline, mid, elsewhere)
    }
    assert codes(officer.queue(world.triage_officer)) == []


def test_queue_refuses_people_who_are_not_officers(world):
    citizen = User.objects.create_user(username="1101700123451", password="x-long-password-1")
    with pytest.raises(PrachaError) as exc:
        officer.queue(citizen)
    assert exc.value.status == 403


def listed(world, filters: officer.QueueFilters) -> list[str]:
    """The queue's tracking codes, checking that the page count agrees with the rows."""
    found = codes(officer.queue(world.officer, filters))
    assert officer.queue_count(world.officer, filters) == len(found), filters
    return found


def test_queue_filters(world, monkeypatch):
    footpath = make_complaint(
        "ทางเท้าแตกเป็นหลุม", world.works, subdistrict=world.sub_a, urgency="high", channel="line"
    )
    light = make_complaint(
        "ไฟฟ้าส่องสว่างดับ", world.works, categories=[["light", 0.8]], subdistrict=world.sub_b, forwarding_hours=1
    )
    assert len(listed(world, Q())) == 2 and len(listed(world, Q(status="all"))) == 2
    assert listed(world, Q(status="closed")) == []
    assert listed(world, Q(category="light")) == [light.tracking_code]
    assert listed(world, Q(channel="line")) == [footpath.tracking_code]
    assert listed(world, Q(urgency="high")) == [footpath.tracking_code]
    assert listed(world, Q(place="103002")) == [light.tracking_code]
    assert len(listed(world, Q(place="1030"))) == 2
    assert len(listed(world, Q(place="10"))) == 2
    assert listed(world, Q(place="99")) == []
    assert listed(world, Q(q=light.tracking_code.lower())) == [light.tracking_code]
    assert listed(world, Q(q="เป็นหลุม")) == [footpath.tracking_code]
    assert listed(world, Q(q=footpath.case.reference)) == [footpath.tracking_code]
    assert listed(world, Q(unit="BMA.1030/cleanliness")) == []
    assert listed(world, Q(state="in_progress")) == []
    DuplicateCandidate.objects.create(complaint=light, candidate=footpath, score=0.7, reasons=["near"])
    assert listed(world, Q(duplicates=True)) == [light.tracking_code]
    officer.accept(footpath, actor=world.officer)
    assert listed(world, Q(state="in_progress")) == [footpath.tracking_code]
    later(monkeypatch, hours=2)
    assert listed(world, Q(overdue=True)) == [light.tracking_code]


def test_another_agencys_complaint_does_not_exist_for_an_officer(world):
    complaint = make_complaint("ทางเท้าชำรุด", world.works)
    assert officer.complaint_for(world.officer, complaint.pk).pk == complaint.pk
    for user in (world.outsider, world.triage_officer):
        with pytest.raises(PrachaError) as exc:
            officer.complaint_for(user, complaint.pk)
        assert exc.value.status == 404
    with pytest.raises(PrachaError):
        officer.complaint_by_code(world.outsider, complaint.tracking_code)


def test_accept_through_the_workflow_keeps_the_forwarding_milestone(world, monkeypatch):
    on_time = make_complaint("ทางเท้าชำรุด", world.works)
    officer.accept(on_time, actor=world.officer, note="รับเรื่องแล้ว")
    on_time.refresh_from_db()
    assert on_time.case.state == "in_progress"
    assert on_time.accepted_at is not None and on_time.accepted_late is False
    assert on_time.case.events.filter(action="accept", actor=world.officer).exists()
    assert AuditRecord.objects.filter(action="complaints.accepted", object_id=str(on_time.pk)).exists()
    # The complainant gave a phone: told by SMS through intake's notify_complainant.
    assert Notification.objects.filter(related_id=str(on_time.pk), channel="sms").exists()

    late = make_complaint("ไฟดับ", world.works, forwarding_hours=2)
    later(monkeypatch, days=3)
    officer.accept(late, actor=world.officer)
    late.refresh_from_db()
    assert late.accepted_late is True


def test_executives_read_but_do_not_act(world):
    complaint = make_complaint("ทางเท้าชำรุด", world.works)
    seen = officer.complaint_for(world.executive, complaint.pk)
    assert not officer.can_work(seen, world.executive)
    with pytest.raises(PrachaError) as exc:
        officer.post_update(seen, "reply", "สวัสดี", actor=world.executive)
    assert exc.value.status == 403
    with pytest.raises(PrachaError):
        officer.accept(seen, actor=world.executive)
    seen.case.refresh_from_db()
    assert seen.case.state == "forwarded"


def test_transfer_records_the_wrong_routing_for_retraining(world):
    complaint = make_complaint("ไฟฟ้าดับทั้งซอยตั้งแต่เมื่อคืน", world.works)
    with pytest.raises(PrachaError) as exc:
        officer.transfer(complaint, "MEA/main", actor=world.officer, reason="")
    assert exc.value.fields == {"reason": "required"}
    with pytest.raises(PrachaError) as exc:
        officer.transfer(complaint, "NOPE/main", actor=world.officer, reason="ไม่ใช่งานเขต")
    assert exc.value.code == "unknown_contact_point"
    assert not Correction.objects.exists()

    officer.transfer(complaint, "MEA/main", actor=world.officer, reason="ไฟฟ้าดับเป็นงานของการไฟฟ้านครหลวง")
    complaint.refresh_from_db()
    assert complaint.case.agency_id == world.mea.pk and complaint.agency_id == world.mea.pk
    assert complaint.routing == Complaint.Routing.MANUAL
    correction = Correction.objects.get(complaint=complaint)
    assert (correction.from_agency_id, correction.to_agency_id) == (world.district.pk, world.mea.pk)
    assert correction.predicted_categories == [["footpath", 0.91], ["road", 0.4]]
    assert correction.categories == []  # not corrected: not a training example
    assert list(corrections.training_examples()) == []
    # The sending officer no longer sees it.
    with pytest.raises(PrachaError):
        officer.complaint_for(world.officer, complaint.pk)


def test_transfer_from_triage_forwards_it(world):
    complaint = make_complaint(
        "เรื่องอะไรไม่ทราบ", world.psc.contact_points.get(code="OPM.OPS/psc-1111"), triage=True
    )
    assert complaint.case.state == "triage"
    officer.transfer(complaint, world.works, actor=world.triage_officer, reason="ทางเท้าในเขตจตุจักร")
    complaint.case.refresh_from_db()
    assert complaint.case.state == "forwarded"
    assert complaint.case.contact_point_id == world.works.pk
    assert list(complaint.case.events.values_list("action", flat=True)) == ["start", "forward", "transfer"]


def test_categories_corrected_become_training_examples(world):
    pytest.importorskip("pracha.complaints.classifier", reason="the classifier's categories are needed")
    known = list(officer.categories_known())
    assert len(known) >= 2
    complaint = make_complaint("น้ำท่วมขังหน้าบ้าน", world.works)
    with pytest.raises(PrachaError) as exc:
        officer.correct_categories(complaint, ["no-such-category"], actor=world.officer)
    assert exc.value.fields == {"categories": "unknown_category"}
    officer.correct_categories(complaint, [known[0]], actor=world.officer, intent="complaint")
    officer.correct_categories(complaint, [known[1], known[0]], actor=world.officer)
    complaint.refresh_from_db()
    assert complaint.categories == [[known[1], 1.0], [known[0], 1.0]]
    # The latest correction of a complaint is the one believed.
    assert list(corrections.training_examples()) == [("น้ำท่วมขังหน้าบ้าน", [known[1], known[0]], "complaint")]

    moved = make_complaint("ไฟดับ", world.works)
    officer.transfer(moved, "MEA/main", actor=world.officer, reason="งานการไฟฟ้า", categories=[known[1]])
    assert ("ไฟดับ", [known[1]], "complaint") in list(corrections.training_examples())


def test_updates_ask_and_reject(world):
    complaint = make_complaint("ทางเท้าชำรุด", world.works)
    officer.accept(complaint, actor=world.officer)
    with pytest.raises(PrachaError):
        officer.post_update(complaint, "gossip", "x", actor=world.officer)
    officer.post_update(complaint, "preliminary", "ส่งช่างไปตรวจแล้ว", actor=world.officer)
    update = Update.objects.get(complaint=complaint)
    assert (update.kind, update.author_id, update.public) == ("preliminary", world.officer.pk, True)
    assert Notification.objects.filter(related_id=str(complaint.pk), body__contains="ส่งช่างไปตรวจแล้ว").exists()

    officer.ask_complainant(complaint, "ขอทราบบ้านเลขที่", actor=world.officer)
    complaint.case.refresh_from_db()
    assert complaint.case.state == "awaiting_complainant"

    other = make_complaint("ขอให้ปลูกต้นไม้", world.works)
    with pytest.raises(PrachaError) as exc:
        officer.reject(other, "  ", actor=world.officer)
    assert exc.value.fields == {"reason": "required"}
    officer.reject(other, "เป็นข้อเสนอแนะ ไม่ใช่เรื่องร้องเรียน", actor=world.officer)
    other.case.refresh_from_db()
    assert other.case.state == "rejected"


def test_resolve_with_evidence(world, monkeypatch):
    complaint = make_complaint("ทางเท้าชำรุด", world.works)
    officer.accept(complaint, actor=world.officer)

    with pytest.raises(PrachaError) as exc:
        officer.resolve(
            complaint,
            "ซ่อมแล้ว",
            actor=world.officer,
            evidence=[SimpleUploadedFile("x.png", b"not really a picture", content_type="image/png")],
        )
    assert exc.value.fields == {"evidence": "file_type"}
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-1.4\n" + b"0" * officer.EVIDENCE_MAX_BYTES, content_type="application/pdf"
    )
    with pytest.raises(PrachaError) as exc:
        officer.resolve(complaint, "ซ่อมแล้ว", actor=world.officer, evidence=[big])
    assert exc.value.fields == {"evidence": "file_too_large"}
    complaint.case.refresh_from_db()
    assert complaint.case.state == "in_progress" and not Attachment.objects.exists()

    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    officer.resolve(complaint, "ซ่อมทางเท้าเรียบร้อยแล้ว", actor=world.officer, evidence=[png(), pdf])
    complaint.refresh_from_db()
    assert complaint.case.state == "resolved"
    assert complaint.resolved_at is not None and complaint.resolved_late is False
    stored = list(Attachment.objects.filter(complaint=complaint).order_by("id"))
    assert [a.content_type for a in stored] == ["image/png", "application/pdf"]
    assert all(a.kind == "evidence" and a.uploaded_by_id == world.officer.pk for a in stored)
    assert Update.objects.get(complaint=complaint, kind="final").text == "ซ่อมทางเท้าเรียบร้อยแล้ว"
    assert AuditRecord.objects.filter(action="complaints.resolved", object_id=str(complaint.pk)).exists()


def test_merge_a_duplicate_into_the_survivor(world):
    survivor = make_complaint("ทางเท้าหน้าตลาดพังมาก", world.works)
    duplicate = make_complaint("ทางเท้าหน้าตลาดพัง เดินไม่ได้", world.works, phone="0898765432")
    earlier = make_complaint("ทางเท้าพังหน้าตลาดนัด", world.works, phone="0861112222")
    officer.merge(earlier, duplicate, actor=world.officer, reason="เรื่องเดียวกัน")

    with pytest.raises(PrachaError) as exc:
        officer.merge(duplicate, duplicate, actor=world.officer, reason="ซ้ำ")
    assert exc.value.fields == {"into": "same_complaint"}
    with pytest.raises(PrachaError) as exc:
        officer.merge(duplicate, earlier, actor=world.officer, reason="ซ้ำ")
    assert exc.value.fields == {"into": "not_open"}

    officer.merge(duplicate, survivor, actor=world.officer, reason="ร้องเรียนจุดเดียวกัน")
    duplicate.refresh_from_db()
    earlier.refresh_from_db()
    assert duplicate.case.state == "merged" and duplicate.case.closed_at is not None
    assert duplicate.duplicate_of_id == survivor.pk
    assert earlier.duplicate_of_id == survivor.pk  # what followed the duplicate follows the survivor
    assert set(officer.followers_of(survivor)) == {duplicate, earlier}
    assert duplicate.case.events.get(action="merge").data["into"] == survivor.tracking_code
    told = Notification.objects.filter(recipient="0898765432")
    assert told.filter(body__contains=survivor.tracking_code).exists()

    # Followers hear of the survivor's progress.
    officer.accept(survivor, actor=world.officer)
    officer.post_update(survivor, "preliminary", "กำลังซ่อม", actor=world.officer)
    assert Notification.objects.filter(recipient="0898765432", body__contains="กำลังซ่อม").exists()
    assert Notification.objects.filter(recipient="0861112222", body__contains="กำลังซ่อม").exists()


def test_bulk_actions_each_succeed_or_fail_alone(world):
    mine = [make_complaint(f"ทางเท้าชำรุดจุดที่ {n}", world.works) for n in range(3)]
    theirs = make_complaint("ขยะ", world.other.contact_points.get(code="BMA.1001/works"))
    officer.accept(mine[2], actor=world.officer)
    result = officer.bulk(world.officer, "accept", [m.pk for m in mine] + [theirs.pk])
    assert result.done == [mine[0].tracking_code, mine[1].tracking_code]
    failed = dict(result.failed)
    assert set(failed) == {mine[2].tracking_code, str(theirs.pk)}  # another agency's: only its id
    theirs.case.refresh_from_db()
    assert theirs.case.state == "forwarded"

    result = officer.bulk(world.supervisor, "assign", [mine[0].pk, mine[1].pk], officer=world.officer)
    assert len(result.done) == 2
    mine[0].case.refresh_from_db()
    assert mine[0].case.assigned_officer_id == world.officer.pk

    with pytest.raises(PrachaError):
        officer.bulk(world.officer, "transfer", [mine[0].pk], contact_point="MEA/main", reason="")
    result = officer.bulk(
        world.officer, "transfer", [mine[0].pk, mine[1].pk], contact_point="MEA/main", reason="งานไฟฟ้า"
    )
    assert len(result.done) == 2 and Correction.objects.count() == 2
    with pytest.raises(PrachaError):
        officer.bulk(world.officer, "delete", [mine[0].pk])
    with pytest.raises(PrachaError):
        officer.bulk(world.officer, "accept", list(range(1, officer.BULK_LIMIT + 2)))


def test_supervisors_see_their_units_backlog(world, monkeypatch):
    make_complaint("ทางเท้า 1", world.works, forwarding_hours=1)
    accepted = make_complaint("ทางเท้า 2", world.works)
    officer.accept(accepted, actor=world.officer)
    make_complaint("ขยะ", world.cleanliness)
    make_complaint("อื่น", world.other.contact_points.get(code="BMA.1001/works"))
    later(monkeypatch, hours=3)
    units = {u["code"]: u for u in officer.unit_backlog(world.supervisor)}
    assert set(units) == {"BMA.1030/works", "BMA.1030/cleanliness"}
    assert units["BMA.1030/works"]["states"] == {"forwarded": 1, "in_progress": 1}
    assert (units["BMA.1030/works"]["open"], units["BMA.1030/works"]["overdue"]) == (2, 1)
    assert officer.unit_backlog(world.supervisor)[0]["code"] == "BMA.1030/works"  # most overdue first
    with pytest.raises(PrachaError):
        officer.unit_backlog(world.officer)


def test_reading_contact_details_is_recorded(world):
    complaint = make_complaint("ทางเท้าชำรุด", world.works)
    with pytest.raises(PrachaError) as exc:
        officer.contact_details(complaint, world.officer, "ดู")
    assert exc.value.code == "purpose_required"
    details = officer.contact_details(complaint, world.officer, "โทรนัดตรวจพื้นที่")
    assert details["phone"] == "0812345678" and details["name"] == "สมศรี ใจดี"
    read = AuditRecord.objects.get(action="personal_data.read", object_id=str(complaint.pk))
    data = json.loads(read.data)
    assert data["purpose"] == "โทรนัดตรวจพื้นที่" and "contact_phone" in data["fields"]
    assert read.actor == f"user:{world.officer.pk}"
    with pytest.raises(PrachaError):
        officer.contact_details(
            officer.complaint_for(world.executive, complaint.pk), world.executive, "อยากรู้ครับ"
        )
