"""An applicant's message reaches someone who can answer it: the assigned officer, or with nobody
assigned, the holding unit's case officers (its supervisors when it has none); an officer's reply
reaches the applicant."""

from __future__ import annotations

from pracha.agencies.models import Agency
from pracha.applications import services
from pracha.identity.models import User
from pracha.identity.services import grant_role
from pracha.notify.models import Notification
from pracha.workflow import services as workflow


def officer(username: str, unit_id: int, role: str) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@dit.go.th")
    grant_role(user, unit_id, role)
    return user


def told(app) -> set[str]:
    """Usernames that were sent a notice about the application's case."""
    notes = Notification.objects.filter(related_type="workflow.case", related_id=str(app.case_id))
    return set(notes.values_list("user__username", flat=True))


def test_an_unassigned_applications_message_reaches_the_units_case_officers(citizen, submitted):
    unit = submitted.case.contact_point
    assert submitted.case.assigned_officer_id is None and unit is not None
    officer("case.one", unit.pk, "case_officer")
    officer("case.two", unit.pk, "case_officer")
    officer("counter.one", unit.pk, "counter_officer")
    officer("super.one", unit.pk, "supervisor")
    other_unit = Agency.objects.get(code="MOL.DOE").contact_points.first()
    officer("case.elsewhere", other_unit.pk, "case_officer")
    before = told(submitted)

    services.post_message(submitted, citizen, "ขอทราบความคืบหน้า")

    assert told(submitted) - before == {"case.one", "case.two"}
    note = Notification.objects.filter(user__username="case.one").get()
    assert note.channel == "email" and "ขอทราบความคืบหน้า" in note.body


def test_with_no_case_officer_the_units_supervisors_hear_of_it(citizen, submitted):
    unit = submitted.case.contact_point
    officer("super.one", unit.pk, "supervisor")
    services.post_message(submitted, citizen, "เอกสารครบแล้วหรือยัง")
    assert "super.one" in told(submitted)


def test_an_assigned_application_tells_only_its_officer_and_a_reply_tells_the_applicant(citizen, submitted):
    unit = submitted.case.contact_point
    officer("case.one", unit.pk, "case_officer")
    assigned = officer("case.two", unit.pk, "case_officer")
    supervisor = officer("super.one", unit.pk, "supervisor")
    workflow.assign(submitted.case, assigned, actor=supervisor)
    submitted.refresh_from_db()
    before = set(Notification.objects.values_list("pk", flat=True))

    services.post_message(submitted, citizen, "ขอทราบความคืบหน้า")
    services.post_message(submitted, assigned, "อยู่ระหว่างตรวจสอบเอกสาร")

    new = Notification.objects.exclude(pk__in=before)
    assert {n.user.username for n in new} == {"case.two", citizen.username}
