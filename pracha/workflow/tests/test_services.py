"""Starting and moving cases: deadlines, roles, reasons, versions, audit and notifications."""

import datetime as dt

import pytest

from pracha.audit.chain import verify
from pracha.audit.models import AuditRecord
from pracha.core.errors import PrachaError
from pracha.notify.models import Notification
from pracha.workflow import services
from pracha.workflow.definitions import build
from pracha.workflow.models import Case, CaseEvent

from .conftest import bangkok

pytestmark = pytest.mark.django_db


def two_day_process(code: str = "twoday", extra_state: str = "") -> dict:
    return {
        "code": code,
        "name": {"th": "สองวัน", "en": "Two days"},
        "initial_state": "review",
        "states": {
            "review": {
                "name": {"th": "พิจารณา", "en": "Review"},
                "time_limit": {"amount": 2, "unit": "working_days"},
                "actions": {
                    "finish": {
                        "to": "done",
                        "roles": ["case_officer"],
                        "label": {"th": "เสร็จ", "en": "Finish"},
                    }
                },
            },
            "done": {"name": {"th": "เสร็จ", "en": "Done"}, "final": True},
        },
    }


def test_two_working_days_from_friday_afternoon_skip_the_in_lieu_holiday(office, at):
    # Monday 7 December 2026 is the substitution holiday for Saturday 5 December (Father's Day).
    services.store_definition(build(two_day_process()))
    at(2026, 12, 4, 15, 0)  # Friday, 15:00 Bangkok
    case = services.start_case("twoday", agency=office.agency, title="ขอสำเนาเอกสาร")
    assert case.state_deadline == bangkok(2026, 12, 9, 16, 30)  # close of office, Wednesday
    assert case.due_at == case.state_deadline
    at(2026, 12, 9, 13, 0)
    left = services.time_left(case)
    assert left.working_hours == 3.5 and left.status == "warn"
    at(2026, 12, 8, 8, 30)
    assert services.time_left(case).working_hours == 14 and services.time_left(case).status == "ok"
    at(2026, 12, 11, 9, 30)  # Thursday 10 December is Constitution Day: one working hour overdue
    assert services.time_left(case).status == "over" and services.time_left(case).working_hours == -1


def test_start_case_numbers_records_and_tells_the_applicant(office, at):
    at(2026, 12, 4, 10, 0)
    first = services.start_case(
        "petition",
        agency=office.agency,
        title="ขอให้ซ่อมไฟถนน",
        actor=office.counter,
        applicant=office.person,
        subject=("complaints.complaint", "77"),
        data={"channel": "counter"},
    )
    second = services.start_case("petition", agency=office.agency, title="ขอข้อมูลงบประมาณ")
    assert (first.reference, second.reference) == ("PET-2569-000001", "PET-2569-000002")
    assert first.state == "received" and first.contact_point.code == "DLA/main"
    # 15 calendar days for the whole case (Royal Decree on Good Governance, s. 38).
    assert first.case_deadline == bangkok(2026, 12, 19, 10, 0)
    assert first.state_deadline == bangkok(2026, 12, 8, 16, 30)  # 1 working day, after the holiday
    assert first.state_alert_at == bangkok(2026, 12, 8, 14, 30)
    (event,) = first.events.all()
    assert (event.action, event.to_state, event.actor, event.data["process"]) == (
        "start",
        "received",
        office.counter,
        "petition",
    )
    audit = AuditRecord.objects.get(action="workflow.case_started", object_id=str(first.pk))
    assert audit.actor == f"user:{office.counter.pk}"
    (note,) = Notification.objects.filter(user=office.citizen)
    assert note.channel == "sms" and "PET-2569-000001" in note.subject
    assert (note.related_type, note.related_id) == ("workflow.case", str(first.pk))
    assert list(services.cases_for_subject(("complaints.complaint", "77"))) == [first]


def test_unknown_process_and_empty_title(office):
    with pytest.raises(PrachaError) as caught:
        services.start_case("no_such_process", agency=office.agency, title="x")
    assert (caught.value.code, caught.value.status) == ("unknown_process", 404)
    with pytest.raises(PrachaError) as caught:
        services.start_case("petition", agency=office.agency, title="   ")
    assert caught.value.fields == {"title": "required"}


def test_roles_reasons_and_states_are_checked(office):
    case = services.start_case(
        "petition", agency=office.agency, title="ขอสำเนาประกาศ", applicant=office.person
    )
    assert [a.code for a in services.available_actions(case, office.counter)] == [
        "accept",
        "decline",
        "withdraw",
    ]
    assert [a.code for a in services.available_actions(case, office.citizen)] == ["withdraw"]

    with pytest.raises(PrachaError) as caught:
        services.take_action(case, "approve", actor=office.supervisor)
    assert (caught.value.code, caught.value.status) == ("action_not_allowed", 409)
    assert caught.value.payload()["error"]["messages"]["en"] == (
        "The action “approve” cannot be taken on a case in state “Received”."
    )
    with pytest.raises(PrachaError) as caught:
        services.take_action(case, "decline", actor=office.counter)
    assert (caught.value.code, caught.value.fields) == ("reason_required", {"reason": "reason_required"})

    services.take_action(case, "accept", actor=office.counter)
    assert case.state == "under_review"
    with pytest.raises(PrachaError) as caught:
        services.take_action(case, "propose_reply", actor=office.counter)
    assert (caught.value.code, caught.value.status) == ("role_required", 403)
    messages = caught.value.payload()["error"]["messages"]
    assert (
        messages["en"] == "The action “Submit findings for approval” needs one of these roles: Case officer."
    )
    assert "เสนอผลการพิจารณา" in messages["th"]
    assert Case.objects.get(pk=case.pk).state == "under_review"  # nothing changed


def test_officer_of_another_agency_cannot_act(office, make_agency, make_officer):
    other = make_officer("stranger", make_agency("OTHER"), role="supervisor")
    case = services.start_case("petition", agency=office.agency, title="ขอข้อมูล")
    assert services.available_actions(case, other) == []
    with pytest.raises(PrachaError) as caught:
        services.take_action(case, "accept", actor=other)
    assert caught.value.code == "role_required"
    with pytest.raises(PrachaError):
        services.visible_case(other, case.pk)
    assert services.visible_case(office.officer, case.pk) == case


def test_full_petition_with_send_back_pauses_the_case_clock(office, at):
    at(2026, 11, 2, 9, 0)  # Monday
    case = services.start_case(
        "petition", agency=office.agency, title="ขอทราบผลการสอบ", applicant=office.person
    )
    deadline_before = case.case_deadline
    services.take_action(case, "accept", actor=office.counter)
    at(2026, 11, 3, 9, 0)
    services.take_action(case, "request_info", actor=office.officer, reason="โปรดส่งสำเนาใบเสร็จ")
    assert case.case_clock_paused_at is not None and case.due_at == case.state_deadline
    at(2026, 11, 6, 9, 0)  # three days later the applicant answers through the portal
    services.take_action(case, "info_received", actor=office.citizen)
    assert case.case_clock_paused_at is None
    assert case.case_deadline == deadline_before + dt.timedelta(days=3)
    services.take_action(case, "propose_reply", actor=office.officer)
    services.take_action(case, "return_for_revision", actor=office.supervisor, reason="เพิ่มเหตุผลทางกฎหมาย")
    services.take_action(case, "propose_reply", actor=office.officer)
    services.take_action(case, "approve", actor=office.supervisor)
    services.take_action(case, "send_reply", actor=office.counter)
    assert case.state == "completed" and case.closed_at is not None and case.due_at is None
    assert services.available_actions(case, office.supervisor) == []

    steps = list(case.events.values_list("action", "from_state", "to_state"))
    assert steps[0] == ("start", "", "received")
    assert steps[-1] == ("send_reply", "informing", "completed")
    assert len(steps) == 9
    reason = CaseEvent.objects.get(case=case, action="request_info").reason
    assert reason == "โปรดส่งสำเนาใบเสร็จ"
    # Every transition has its audit record, and the chain still verifies.
    assert AuditRecord.objects.filter(action="workflow.action", object_id=str(case.pk)).count() == 8
    assert verify().ok
    # The applicant heard of each step (start + 8 moves) by SMS, the reason of the send-back included.
    notes = Notification.objects.filter(user=office.citizen).order_by("id")
    assert notes.count() == 9
    assert "โปรดส่งสำเนาใบเสร็จ" in notes[2].body


def test_a_changed_definition_does_not_break_running_cases(office):
    services.store_definition(build(two_day_process("evolving")))
    old_case = services.start_case("evolving", agency=office.agency, title="เรื่องเดิม")
    changed = two_day_process("evolving")
    changed["states"]["review"]["actions"] = {
        "hand_over": {"to": "done", "roles": ["supervisor"], "label": {"th": "ส่ง", "en": "Hand over"}}
    }
    result = services.store_definition(build(changed))
    assert result.created and result.activated
    again = services.store_definition(build(changed))
    assert not again.created and not again.activated
    new_case = services.start_case("evolving", agency=office.agency, title="เรื่องใหม่")
    assert new_case.process_version_id != old_case.process_version_id
    assert [a.code for a in services.available_actions(old_case, office.officer)] == ["finish"]
    services.take_action(old_case, "finish", actor=office.officer)
    assert old_case.closed_at is not None
    services.take_action(new_case, "hand_over", actor=office.supervisor)
    assert new_case.closed_at is not None


def test_transfer_moves_the_case_to_another_agency(office, make_agency, make_officer):
    district = make_agency("BMA.1001", kind="bma_district")
    district_officer = make_officer("district", district)
    case = services.start_case("petition", agency=office.agency, title="ถนนชำรุด", applicant=office.person)
    services.assign(case, office.officer, actor=office.officer)
    target = services.find_contact_point("BMA.1001/main")
    with pytest.raises(PrachaError) as caught:
        services.transfer(case, target, actor=office.officer, reason="")
    assert caught.value.code == "reason_required"
    services.transfer(case, target, actor=office.officer, reason="อยู่ในอำนาจของสำนักงานเขต")
    assert (case.agency, case.contact_point, case.assigned_officer) == (district, target, None)
    assert services.visible_case(district_officer, case.pk) == case
    with pytest.raises(PrachaError):
        services.visible_case(office.officer, case.pk)
    with pytest.raises(PrachaError) as caught:
        services.find_contact_point("NOWHERE/x")
    assert caught.value.code == "unknown_contact_point"
    forwarded = Notification.objects.filter(user=office.citizen).latest("id")
    assert "ส่งต่อ" in forwarded.subject
    assert "งานหลัก" in forwarded.body  # the receiving unit, by name
    assert verify().ok


def test_assign_rules(office, make_agency, make_officer):
    case = services.start_case("petition", agency=office.agency, title="ขอข้อมูล")
    outsider = make_officer("outsider", make_agency("ELSE"))
    with pytest.raises(PrachaError) as caught:
        services.assign(case, office.counter, actor=office.officer)  # only supervisors assign others
    assert caught.value.code == "permission_denied"
    with pytest.raises(PrachaError) as caught:
        services.assign(case, outsider, actor=office.supervisor)
    assert caught.value.code == "assignee_not_officer"
    services.assign(case, office.officer, actor=office.supervisor)
    assert case.assigned_officer == office.officer
    assert Notification.objects.filter(user=office.officer, subject__contains=case.reference).exists()
    assert [c.pk for c in services.queue_for(office.officer, assigned="me")] == [case.pk]


def test_queue_sorts_by_deadline_filters_and_counts(office, make_agency, make_officer, at):
    at(2026, 11, 2, 9, 0)
    slow = services.start_case("petition", agency=office.agency, title="เรื่องช้า")
    services.take_action(slow, "accept", actor=office.counter)  # 5 working days
    services.start_case("petition", agency=office.agency, title="เรื่องเร็ว")  # 1 working day
    closed = services.start_case("petition", agency=office.agency, title="เรื่องจบ")
    services.take_action(closed, "decline", actor=office.counter, reason="ซ้ำกับเรื่องเดิม")
    make_officer("elsewhere", make_agency("ELSE"))
    services.start_case("petition", agency=make_agency("ELSE2"), title="ของหน่วยอื่น")

    assert [c.title for c in services.queue_for(office.officer)] == ["เรื่องเร็ว", "เรื่องช้า"]
    assert [c.title for c in services.queue_for(office.officer, status="closed")] == ["เรื่องจบ"]
    assert [c.title for c in services.queue_for(office.officer, state="under_review")] == ["เรื่องช้า"]
    assert [c.title for c in services.queue_for(office.officer, q="ช้า")] == ["เรื่องช้า"]
    assert services.queue_summary(office.officer) == {"open": 2, "due_soon": 0, "overdue": 0}
    at(2026, 11, 3, 15, 0)  # "fast" is due at 16:30 today
    assert services.queue_summary(office.officer) == {"open": 2, "due_soon": 1, "overdue": 0}
    at(2026, 11, 4, 9, 0)
    assert [c.title for c in services.queue_for(office.officer, overdue=True)] == ["เรื่องเร็ว"]
    assert services.queue_summary(office.officer) == {"open": 2, "due_soon": 0, "overdue": 1}
    assert list(services.cases_of_person(office.person)) == []


def test_a_case_may_carry_its_own_time_limits(make_agency):
    """A domain app (complaints) sets a state's limit per case, e.g. by channel, and the case's own."""
    from unittest import mock

    from django.utils import timezone

    from pracha.core.calendar import BANGKOK

    services.load_processes()
    agency = make_agency("LIMITS")
    friday = dt.datetime(2026, 12, 4, 15, 0, tzinfo=BANGKOK)
    with mock.patch.object(timezone, "now", return_value=friday):
        case = services.start_case(
            "petition",
            agency=agency,
            title="hotline",
            time_limits={"received": {"amount": 2, "unit": "hours"}, "case": {"amount": 3, "unit": "days"}},
        )
    assert case.state_deadline == friday + dt.timedelta(hours=2)
    assert case.case_deadline == friday + dt.timedelta(days=3)
    with pytest.raises(ValueError):
        services.start_case(
            "petition", agency=agency, title="x", time_limits={"nowhere": {"amount": 1, "unit": "hours"}}
        )
    with pytest.raises(ValueError):
        services.start_case(
            "petition", agency=agency, title="x", time_limits={"received": {"amount": -1, "unit": "hours"}}
        )


def test_a_case_may_start_in_an_entry_state_only(make_agency):
    services.load_processes()
    agency = make_agency("ENTRY")
    case = services.start_case("complaint", agency=agency, title="ไม่ทราบหน่วยงาน", initial_state="triage")
    assert case.state == "triage"
    with pytest.raises(ValueError):
        services.start_case("complaint", agency=agency, title="x", initial_state="in_progress")
