"""The route job: a complaint accepted is routed exactly once, even when workers die; deadlines by
channel; the complainant told through the channel they came from."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.complaints import duplicates, routing, services
from pracha.complaints.models import Complaint, DuplicateCandidate
from pracha.core import queue
from pracha.core.calendar import BANGKOK, default_calendar
from pracha.core.models import Job
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User
from pracha.identity.services import grant_role
from pracha.notify.models import Notification
from pracha.testing import in_threads, needs_postgres
from pracha.workflow.models import Case

TEXT = "ไฟฟ้าดับทั้งซอยตั้งแต่เมื่อคืน ตู้เย็นเสียหาย ขอให้มาซ่อมด่วน"


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, moved by hand (the queue, the workflow and the audit read timezone.now())."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta: float) -> None:
            self.now += dt.timedelta(**delta)

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture
def officer(places) -> User:
    user = User.objects.create_user(username="calltaker", password="correct-horse-battery")
    from pracha.agencies.services import contact_point

    grant_role(user, contact_point("OPM.OPS/psc-1111").pk, "counter_officer")
    return user


def file(**kwargs) -> Complaint:
    return services.file_complaint(**{"channel": "web", "text": TEXT, "anonymous": True, **kwargs})


def route_jobs(me: str = "worker") -> list[Job]:
    return [j for j in queue.claim(me=me) if j.kind == "complaints.route"]


def routed_entries(complaint: Complaint) -> int:
    return AuditRecord.objects.filter(action="complaints.routed", object_id=str(complaint.pk)).count()


def filed_entries(complaint: Complaint) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action="complaints.filed", object_id=str(complaint.pk)))


@pytest.mark.django_db
def test_a_complaint_is_routed_by_the_worker_and_holds_its_case(places):
    complaint = file(subdistrict_code="120101")
    (job,) = route_jobs()
    assert queue.run_job(job)
    complaint.refresh_from_db()
    case = complaint.case
    assert case is not None and case.subject_id == str(complaint.pk)
    assert case.process_version.code == "complaint"
    assert (complaint.agency, complaint.contact_point) == (case.agency, case.contact_point)
    assert complaint.routing in (Complaint.Routing.ROUTED, Complaint.Routing.TRIAGE)
    assert case.state == ("forwarded" if complaint.routing == Complaint.Routing.ROUTED else "triage")
    reason = complaint.routing_reason
    assert reason["agency"]["code"] == case.agency.code and reason["reason"]["th"] and reason["reason"]["en"]
    assert case.data == {"tracking_code": complaint.tracking_code, "channel": "web"}
    assert routed_entries(complaint) == 1
    # The filing's entry came in the job and was chained just before the routing's (decision 0537).
    (filed,) = filed_entries(complaint)
    routed = AuditRecord.objects.get(action="complaints.routed", object_id=str(complaint.pk))
    assert filed.seq < routed.seq and filed.actor == "system"  # no request: the test's default actor
    assert json.loads(filed.data)["tracking_code"] == complaint.tracking_code
    # Its words are kept for duplicate detection, so that later complaints need not segment it again.
    assert complaint.text_words == " ".join(duplicates.words(complaint.text)) != ""


@pytest.mark.django_db
def test_routing_twice_changes_nothing(places):
    complaint = file()
    first = services.route(complaint)
    again = services.route(complaint.pk)
    assert again.case_id == first.case_id
    assert Case.objects.count() == 1 and routed_entries(complaint) == 1


@pytest.mark.django_db
def test_a_burst_is_routed_in_one_batch_like_one_by_one(places, classifier):
    """The worker routes a burst together (one classification, one insert of cases, one audit append):
    each complaint ends as routing it alone would leave it, and an already routed one is skipped."""
    texts = [TEXT, "ไฟฟ้าดับทั้งซอยตั้งแต่เมื่อคืน", "ขยะไม่มีคนมาเก็บหลายวันแล้ว ส่งกลิ่นเหม็น"]
    burst = [file(text=text, subdistrict_code="120101") for text in texts * 2]
    alone = services.route(burst[0])
    ran = 0
    # The worker's steps without its loop (which closes connections between rounds, as a test's
    # transaction on PostgreSQL cannot survive): the route jobs as one batch, then the duplicate checks.
    while jobs := queue.claim_batch():
        ran += len(jobs)
        queue.run_jobs(jobs)
    assert ran == len(burst) + 2  # the route jobs, then one duplicate check per routing
    assert Case.objects.count() == len(burst)
    references = set()
    for complaint in burst:
        complaint.refresh_from_db()
        case = complaint.case
        assert case is not None and case.subject_id == str(complaint.pk)
        assert (complaint.agency, complaint.contact_point) == (case.agency, case.contact_point)
        assert case.state == ("forwarded" if complaint.routing == Complaint.Routing.ROUTED else "triage")
        assert complaint.model_version and complaint.categories
        assert routed_entries(complaint) == 1
        assert len(filed_entries(complaint)) == 1
        references.add(case.reference)
    assert len(references) == len(burst)
    assert burst[0].case_id == alone.case_id
    same = [c.routing_reason["rule"] for c in burst[1:3]], [c.routing_reason["rule"] for c in burst[4:6]]
    assert same[0] == same[1]  # the same text and place are decided alike alone or in a batch
    # One duplicate-check job per routing: burst[0] alone, then the other five together.
    checks = Job.objects.filter(kind="complaints.flag_duplicates").order_by("pk")
    assert [len(j.payload["complaint_ids"]) for j in checks] == [1, len(burst) - 1]
    assert not Job.objects.exclude(status="done").exists()
    # The duplicate checks ran as one batch too: each complaint names its twin, with one audit entry.
    for first, twin in zip(burst[:3], burst[3:], strict=True):
        assert DuplicateCandidate.objects.filter(
            complaint=twin, candidate=first, text_similarity__gt=0.99
        ).exists()
        flagged = AuditRecord.objects.filter(action="complaints.duplicates_flagged", object_id=str(twin.pk))
        assert flagged.count() == 1


@pytest.mark.django_db
def test_a_burst_whose_duplicate_check_fails_is_checked_complaint_by_complaint(places, monkeypatch):
    burst = [file(text=text, subdistrict_code="120101") for text in (TEXT, TEXT + " ด้วยครับ", TEXT)]
    services.route_many([c.pk for c in burst])
    real = duplicates.flag_many

    def fails_for_more_than_one(complaints, limit=5):
        if len(complaints) > 1:
            raise RuntimeError("a complaint the check cannot read")
        return real(complaints, limit)

    monkeypatch.setattr(duplicates, "flag_many", fails_for_more_than_one)
    (burst_job,) = [j for j in queue.claim(limit=20) if j.kind == "complaints.flag_duplicates"]
    assert queue.run_job(burst_job)
    singles = Job.objects.filter(kind="complaints.flag_duplicates", status="queued")
    assert sorted(j.payload["complaint_ids"][0] for j in singles) == [c.pk for c in burst]
    for j in queue.claim(limit=20):
        assert queue.run_job(j), j.last_error
    assert DuplicateCandidate.objects.filter(complaint=burst[2], candidate=burst[0]).exists()


@pytest.mark.django_db
def test_a_dead_worker_loses_no_complaint_and_routes_none_twice(places, clock):
    complaint = file()
    (by_a,) = route_jobs(me="worker-a")  # ... and worker A dies before routing it
    complaint.refresh_from_db()
    assert complaint.case is None and complaint.routing == Complaint.Routing.PENDING
    clock.advance(seconds=queue.LEASE.total_seconds() - 1)
    assert route_jobs(me="worker-b") == []  # A's lease still holds
    clock.advance(seconds=2)
    (by_b,) = route_jobs(me="worker-b")
    assert by_b.pk == by_a.pk and by_b.attempts == 2
    assert queue.run_job(by_b)
    # Worker A was only stuck and now runs its stale claim: the complaint is not routed again.
    queue.run_job(by_a)
    complaint.refresh_from_db()
    assert complaint.case is not None
    assert Case.objects.count() == 1 and routed_entries(complaint) == 1
    assert len(filed_entries(complaint)) == 1
    job = Job.objects.get(pk=by_a.pk)
    assert (job.status, job.locked_by) == ("done", "worker-b")


@pytest.mark.django_db
def test_when_routing_keeps_failing_people_get_the_complaint(places, clock, monkeypatch):
    complaint = file(subdistrict_code="103001")
    Job.objects.filter(kind="complaints.route").update(max_attempts=2)

    def broken(_complaint):
        raise RuntimeError("rules file unreadable")

    monkeypatch.setattr(services, "route", broken)
    for _attempt in range(2):
        (job,) = route_jobs()
        assert queue.run_job(job) is False
        clock.advance(hours=2)
    complaint.refresh_from_db()
    assert Job.objects.get(kind="complaints.route").status == "dead"
    assert complaint.routing == Complaint.Routing.TRIAGE
    assert complaint.contact_point.code == routing.load_rules().triage
    assert complaint.case.state == "triage" and complaint.routing_reason["rule"] == "triage:routing_failed"
    assert len(filed_entries(complaint)) == 1  # the failed attempts rolled theirs back


@pytest.mark.django_db
def test_a_complaint_whose_routing_kills_every_worker_goes_to_people(places, clock):
    complaint = file(subdistrict_code="103001")
    Job.objects.filter(kind="complaints.route").update(max_attempts=2)
    for _attempt in range(2):
        (job,) = route_jobs()  # ... and the worker dies running it
        clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert route_jobs() == []
    assert Job.objects.get(kind="complaints.route").status == "dead"
    complaint.refresh_from_db()
    assert complaint.routing == Complaint.Routing.TRIAGE
    assert complaint.case.state == "triage" and complaint.routing_reason["rule"] == "triage:routing_failed"
    assert len(filed_entries(complaint)) == 1


@pytest.mark.django_db
def test_a_given_up_job_of_a_deleted_complaint_still_records_its_filing(places, clock):
    complaint = file()
    Job.objects.filter(kind="complaints.route").update(max_attempts=1)
    (job,) = route_jobs()  # ... and the worker dies running it
    Complaint.objects.filter(pk=complaint.pk).delete()
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert route_jobs() == []
    assert Job.objects.get(pk=job.pk).status == "dead" and Case.objects.count() == 0
    assert len(filed_entries(complaint)) == 1


@pytest.mark.django_db
def test_the_job_of_a_deleted_complaint_does_nothing(places):
    complaint = file()
    Complaint.objects.filter(pk=complaint.pk).delete()
    (job,) = route_jobs()
    assert queue.run_job(job) and Case.objects.count() == 0
    assert len(filed_entries(complaint)) == 1  # it was filed all the same


def expected_deadline(received: dt.datetime, channel: str) -> dt.datetime:
    return default_calendar().deadline(received, routing.load_rules().forwarding_limit(channel))


@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "hours"), [("hotline", 2), ("web", 72), ("counter", 36), ("line", 72)])
def test_the_forwarding_limit_follows_the_channel(places, officer, clock, channel, hours):
    filed_by = officer if channel in ("hotline", "counter") else None
    complaint = file(channel=channel, filed_by=filed_by)
    clock.advance(minutes=3)  # the worker is a little behind: the clock started at receipt
    services.route(complaint)
    complaint.refresh_from_db()
    case = complaint.case
    assert case.state_deadline == complaint.received_at + dt.timedelta(hours=hours)
    assert case.state_deadline == expected_deadline(complaint.received_at, channel)


@pytest.mark.django_db
def test_a_letter_counts_its_8_5_working_days_from_the_day_it_arrived(places, officer, clock):
    # A Tuesday outside the Thai holidays; the letter arrived the Thursday before.
    clock.now = dt.datetime(2026, 3, 17, 10, 0, tzinfo=BANGKOK)
    arrived = dt.datetime(2026, 3, 12, 0, 0, tzinfo=BANGKOK)
    complaint = file(
        channel="mail",
        anonymous=False,
        contact_name="นางสมศรี",
        filed_by=officer,
        letter=("letter.pdf", b"%PDF-1.4\n" + b"\x00" * 64),
        received_at=arrived,
    )
    services.route(complaint)
    complaint.refresh_from_db()
    due = expected_deadline(arrived, "mail")
    assert due == dt.datetime(2026, 3, 25, 12, 0, tzinfo=BANGKOK)  # 8 working days and a half from Fri 13
    assert complaint.case.state_deadline == due


@pytest.mark.django_db
def test_a_letter_already_late_is_overdue_on_arrival(places, officer, clock):
    clock.now = dt.datetime(2026, 3, 17, 10, 0, tzinfo=BANGKOK)
    complaint = file(
        channel="mail",
        anonymous=True,
        filed_by=officer,
        letter=("letter.pdf", b"%PDF-1.4\n" + b"\x00" * 64),
        received_at=dt.datetime(2026, 2, 2, tzinfo=BANGKOK),
    )
    services.route(complaint)
    complaint.refresh_from_db()
    assert complaint.case.state_deadline <= clock.now + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_the_resolution_limit_follows_the_category(places):
    complaint = file()
    services.route(complaint)
    complaint.refresh_from_db()
    category = complaint.routing_reason["category"]
    limit = routing.load_rules().resolution_limit(category)
    assert complaint.case.time_limits["in_progress"] == limit.as_dict()


@pytest.mark.django_db
def test_an_anonymous_complainant_with_a_phone_is_told_by_sms(places):
    complaint = file(contact_phone="0812345678")
    services.route(complaint)
    note = Notification.objects.get(related_id=str(complaint.pk))
    assert (note.channel, note.recipient, note.language) == ("sms", "0812345678", "th")
    assert complaint.tracking_code in note.body
    assert note.agency_id == Complaint.objects.get(pk=complaint.pk).agency_id


@pytest.mark.django_db
def test_a_line_user_is_answered_on_line_in_their_language(places):
    complaint = file(channel="line", line_user_id="U" + "a" * 32, language="en")
    services.route(complaint)
    note = Notification.objects.get(related_id=str(complaint.pk))
    assert (note.channel, note.recipient, note.language) == ("line", "U" + "a" * 32, "en")
    assert "We received your complaint" in note.body


@pytest.mark.django_db
def test_an_anonymous_complainant_without_contact_is_told_nothing(places):
    complaint = file()
    services.route(complaint)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_citizen_with_an_account_hears_once_through_the_workflow(places):
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170099999"), name_th="สมหญิง")
    User.objects.create_user(
        username="somying",
        password="x-correct-horse",
        person=person,
        phone="0898765432",
        email="s@example.org",
    )
    complaint = services.file_complaint(channel="web", text=TEXT, complainant=person)
    services.route(complaint)
    complaint.refresh_from_db()
    notes = Notification.objects.all()
    # One message per channel of the account, from the case being opened; none doubled by intake.
    assert sorted(n.channel for n in notes) == ["email", "sms"]
    assert {n.related_type for n in notes} == {"workflow.case"}


@pytest.mark.django_db
def test_the_case_title_names_the_category_and_hides_personal_data(places):
    complaint = file(text="ท่อประปาแตกหน้าบ้าน โทร 081-234-5678 ได้ตลอด น้ำไหลนองถนน")
    services.route(complaint)
    complaint.refresh_from_db()
    title = complaint.case.title
    assert "081-234-5678" not in title and "081XXXXX78" in title
    category = complaint.routing_reason["category"]
    if category:
        assert title.startswith(routing.category_label(category, "th") + ": ")


@pytest.mark.django_db
def test_routing_is_audited_with_what_decided_it(places):
    complaint = file()
    services.route(complaint)
    entry = AuditRecord.objects.get(action="complaints.routed")
    data = json.loads(entry.data)
    complaint.refresh_from_db()
    assert data["contact_point"] == complaint.contact_point.code and data["case"] == complaint.case.reference
    assert data["rule"] == complaint.routing_reason["rule"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_routing_the_same_complaint_at_once_open_one_case(places):
    needs_postgres()
    complaint = file(subdistrict_code="103001")
    results = in_threads(4, lambda _i: services.route(complaint.pk).case_id)
    assert len(set(results)) == 1 and results[0] is not None
    assert Case.objects.count() == 1 and routed_entries(complaint) == 1
