"""The deadline sweep: alerts before, on_breach steps after, each exactly once per state entry."""

import threading

import pytest
from django.db import connection, connections

from pracha.audit.chain import verify
from pracha.audit.models import AuditRecord
from pracha.core.models import PeriodicRun
from pracha.core.queue import _periodics, run_due_periodics
from pracha.notify.models import Notification
from pracha.workflow import services
from pracha.workflow.definitions import build
from pracha.workflow.models import Case, CaseEvent
from pracha.workflow.sweep import sweep

from .conftest import bangkok

pytestmark = pytest.mark.django_db


def reviewing(office, at):
    """A petition accepted on Monday 2 November 2026 at 09:00: review is due Monday 9 November 16:30."""
    at(2026, 11, 2, 9, 0)
    case = services.start_case("petition", agency=office.agency, title="ขอให้ตรวจสอบโครงการ")
    services.take_action(case, "accept", actor=office.counter)
    assert case.state_deadline == bangkok(2026, 11, 9, 16, 30)
    assert case.state_alert_at == bangkok(2026, 11, 6, 16, 30)  # one working day before
    return case


def events(case, action):
    return list(CaseEvent.objects.filter(case=case, action=action))


def test_alert_before_the_deadline_is_sent_once(office, at):
    case = reviewing(office, at)
    assert sweep(bangkok(2026, 11, 6, 16, 0))["state_alerted"] == 0  # not yet
    assert sweep(bangkok(2026, 11, 6, 16, 40))["state_alerted"] == 1
    assert sweep(bangkok(2026, 11, 6, 16, 50))["state_alerted"] == 0
    (alert,) = events(case, "alert")
    # Unassigned: the unit's officers who can act in "under review" (case officers, supervisors;
    # counter officers only withdraw on the applicant's behalf, which is also an action there).
    notified = set(alert.data["notified"])
    assert notified == {office.officer.pk, office.supervisor.pk, office.counter.pk}
    assert Notification.objects.filter(user=office.officer, related_id=str(case.pk)).count() == 1
    case.refresh_from_db()
    assert case.state_alerted_at is not None and case.state_breached_at is None


def test_alert_goes_to_the_assigned_officer_only(office, at):
    case = reviewing(office, at)
    services.assign(case, office.officer, actor=office.officer)
    sweep(bangkok(2026, 11, 6, 16, 40))
    (alert,) = events(case, "alert")
    assert alert.data["notified"] == [office.officer.pk]


def test_overdue_case_is_escalated_exactly_once(office, at):
    case = reviewing(office, at)
    late = bangkok(2026, 11, 10, 9, 0)
    first = sweep(late)
    assert first["state_breached"] == 1 and first["state_alerted"] == 0  # no stale warning after a breach
    assert sweep(late) == {"state_breached": 0, "case_breached": 0, "state_alerted": 0, "case_alerted": 0}
    case.refresh_from_db()
    assert case.escalation_level == 1 and case.state_breached_at is not None
    (breach,) = events(case, "breach")
    (escalation,) = events(case, "escalate")
    assert escalation.data["notified"] == [office.supervisor.pk]
    assert breach.data["steps"][0] == {"alert": ["case_officer"], "notified": [office.officer.pk]}
    assert AuditRecord.objects.filter(action="workflow.escalated", object_id=str(case.pk)).count() == 1
    assert verify().ok
    # A new state entry starts a new count: after a send-back and return, it can escalate again.
    at(2026, 11, 10, 9, 30)
    services.take_action(case, "propose_reply", actor=office.officer)
    services.take_action(case, "return_for_revision", actor=office.supervisor, reason="ไม่ครบถ้วน")
    sweep(bangkok(2026, 11, 20, 9, 0))  # past the new review's limit and the 15 days of the case
    case.refresh_from_db()
    assert case.escalation_level == 3
    assert [e.data["scope"] for e in events(case, "escalate")] == ["state", "state", "case"]


def test_whole_case_deadline_is_handled_once(office, at):
    case = reviewing(office, at)
    at(2026, 11, 3, 9, 0)
    services.take_action(case, "propose_reply", actor=office.officer)
    services.take_action(case, "approve", actor=office.supervisor)  # informing: due 4 Nov 16:30
    result = sweep(bangkok(2026, 11, 18, 9, 0))  # past both the step and the 15 days (17 Nov 09:00)
    assert (result["state_breached"], result["case_breached"]) == (1, 1)
    assert sweep(bangkok(2026, 11, 18, 10, 0))["case_breached"] == 0
    scopes = [e.data["scope"] for e in events(case, "breach")]
    assert sorted(scopes) == ["case", "state"]
    case.refresh_from_db()
    assert case.escalation_level == 1  # only the whole-case rule escalates in "informing"


def test_waiting_for_the_applicant_stops_the_whole_case_clock(office, at):
    case = reviewing(office, at)
    at(2026, 11, 3, 9, 0)
    services.take_action(case, "request_info", actor=office.officer, reason="ขอแผนที่")
    assert sweep(bangkok(2026, 11, 17, 10, 0))["case_breached"] == 0  # paused past the 15 days
    assert sweep(bangkok(2026, 11, 18, 10, 0))["state_breached"] == 1  # 15 days to answer are over
    (breach,) = events(case, "breach")
    assert breach.data["steps"] == [{"alert": ["case_officer"], "notified": [office.officer.pk]}]


def test_on_breach_moves_the_case_to_another_unit(office, make_agency, at):
    center = make_agency("DAMRONG")
    services.store_definition(
        build(
            {
                "code": "hotline",
                "name": {"th": "สายด่วน", "en": "Hotline"},
                "initial_state": "forward",
                "states": {
                    "forward": {
                        "name": {"th": "ส่งต่อ", "en": "Forward"},
                        "time_limit": {"amount": 2, "unit": "hours"},
                        "on_breach": [{"escalate": {"contact_point": "DAMRONG/main"}}],
                        "actions": {
                            "done": {
                                "to": "closed",
                                "roles": ["case_officer"],
                                "label": {"th": "จบ", "en": "Done"},
                            }
                        },
                    },
                    "closed": {"name": {"th": "ปิด", "en": "Closed"}, "final": True},
                },
            }
        )
    )
    at(2026, 11, 2, 9, 0)
    case = services.start_case("hotline", agency=office.agency, title="น้ำท่วมขัง", applicant=office.person)
    sweep(bangkok(2026, 11, 2, 11, 5))
    sweep(bangkok(2026, 11, 2, 11, 10))
    case.refresh_from_db()
    assert case.agency == center and case.contact_point.code == "DAMRONG/main"
    (moved,) = events(case, "transfer")
    assert moved.data["on_breach"] and moved.data["from"] == "DLA/main"
    assert AuditRecord.objects.filter(action="workflow.transferred", object_id=str(case.pk)).count() == 1


def test_the_sweep_is_registered_with_the_worker(office, at):
    reviewing(office, at)
    assert "workflow.sweep" in _periodics
    PeriodicRun.objects.filter(name="workflow.sweep").delete()
    at(2026, 11, 10, 9, 0)  # the sweep reads the (frozen) clock; the run row is stamped with the real one
    ran = run_due_periodics(bangkok(2100, 1, 1, 0, 0))
    assert "workflow.sweep" in ran
    assert Case.objects.get().escalation_level == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_escalate_each_case_once(office, at, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL; SQLite serialises writers instead")
    monkeypatch.setattr("pracha.workflow.sweep.BATCH", 4)  # many small transactions that interleave
    at(2026, 11, 2, 9, 0)
    cases = []
    for i in range(30):
        case = services.start_case("petition", agency=office.agency, title=f"เรื่องที่ {i}")
        services.take_action(case, "accept", actor=office.counter)
        cases.append(case)
    late = bangkok(2026, 11, 10, 9, 0)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            results.append(sweep(late))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["state_breached"] for r in results) == 30
    assert CaseEvent.objects.filter(action="escalate").count() == 30
    assert set(Case.objects.values_list("escalation_level", flat=True)) == {1}
    assert verify().ok
