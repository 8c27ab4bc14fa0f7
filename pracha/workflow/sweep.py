"""The deadline sweep: warn before time limits run out and act on the ones that have.

Each alert and each breach happens once per state entry (or once per case for the whole-case
limit), also with several workers sweeping at once: due cases are claimed with
SELECT ... FOR UPDATE SKIP LOCKED, and the marker (state_alerted_at, state_breached_at, ...) is set
in the same transaction as the alert, so another worker neither waits for the row nor finds it
due again. On SQLite the IMMEDIATE transactions of the settings serialise the sweepers instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pracha.audit.chain import record
from pracha.core.errors import PrachaError
from pracha.identity import services as identity
from pracha.identity.models import Role, User
from pracha.notify.services import notify_user

from . import messages
from .definitions import APPLICANT, BreachStep
from .models import Case, CaseEvent, ProcessVersion
from .services import _move, _notify_applicant, find_contact_point

log = logging.getLogger("pracha.workflow")
ACTOR = "system:workflow.sweep"
BATCH = 100
FollowUp = tuple[CaseEvent, str]  # an event to write after the breach event, and its audit action


@dataclass(frozen=True)
class Check:
    name: str
    due: Callable[[dt.datetime], Q]
    order: str
    handle: Callable[[Case, dt.datetime], None]


def _unit_officers(case: Case, roles) -> list[User]:
    if case.contact_point_id is None:
        return []
    found: dict[int, User] = {}
    for role in roles:
        for user in identity.officers_with_role(case.contact_point_id, role):
            found.setdefault(user.pk, user)
    return list(found.values())


def _tell(users: list[User], texts: tuple[dict, dict], case: Case, already: set[int]) -> list[int]:
    told = []
    for user in users:
        if user.pk in already:
            continue  # one message per user per alert or breach
        notify_user(user, subject=texts[0], body=texts[1], related=case)
        already.add(user.pk)
        told.append(user.pk)
    return told


def _event(case: Case, action: str, now: dt.datetime, data: dict, reason: str = "") -> CaseEvent:
    return CaseEvent(
        case=case, action=action, from_state=case.state, to_state=case.state, at=now, reason=reason, data=data
    )


def _alert(case: Case, now: dt.datetime, whole_case: bool) -> None:
    """Warn whoever must act: the assigned officer, else the unit's officers who can take an action."""
    due = case.case_deadline if whole_case else case.state_deadline
    if whole_case:
        case.case_alerted_at = now
    else:
        case.state_alerted_at = now
    if case.assigned_officer_id:
        users = [u for u in [identity.active_user(pk=case.assigned_officer_id)] if u]
    else:
        roles = {r for a in case.current_state.actions.values() for r in a.roles if r != APPLICANT}
        users = _unit_officers(case, sorted(roles))
    notified = _tell(users, messages.deadline_near(case, due, whole_case), case, set())
    case.save()
    scope = "case" if whole_case else "state"
    data = {"scope": scope, "due": due.isoformat(), "notified": notified}
    _event(case, "alert", now, data).save()
    record("workflow.alerted", case, {**data, "reference": case.reference}, actor=ACTOR)


def _breach(case: Case, now: dt.datetime, whole_case: bool) -> None:
    """Run the on_breach steps of the state (or of the whole process) once."""
    definition = case.definition
    if whole_case:
        due, steps = case.case_deadline, definition.on_breach
        case.case_breached_at = now
        case.case_alerted_at = case.case_alerted_at or now  # a late alert would say less than this
    else:
        due, steps = case.state_deadline, case.current_state.on_breach
        case.state_breached_at = now
        case.state_alerted_at = case.state_alerted_at or now
    scope = "case" if whole_case else "state"
    told: set[int] = set()
    outcomes: list[dict] = []
    follow_ups: list[FollowUp] = []
    for step in steps:
        outcomes.append(_run_step(case, step, now, due, whole_case, scope, told, follow_ups))
    case.save()
    breach = {"scope": scope, "due": due.isoformat(), "steps": outcomes}
    _event(case, "breach", now, breach).save()
    record("workflow.breached", case, {**breach, "reference": case.reference}, actor=ACTOR)
    for event, audit_action in follow_ups:
        event.save()
        record(audit_action, case, {**event.data, "reference": case.reference}, actor=ACTOR)


def _run_step(
    case: Case,
    step: BreachStep,
    now: dt.datetime,
    due: dt.datetime,
    whole_case: bool,
    scope: str,
    told: set[int],
    follow_ups: list[FollowUp],
) -> dict:
    if step.alert:
        users = _unit_officers(case, step.alert)
        notified = _tell(users, messages.deadline_passed(case, due, whole_case, False), case, told)
        return {"alert": list(step.alert), "notified": notified}
    if step.escalate_supervisor:
        case.escalation_level += 1
        # The unit's supervisors; a unit without one reaches its agency administrators instead.
        users = _unit_officers(case, [Role.SUPERVISOR]) or _unit_officers(case, [Role.AGENCY_ADMIN])
        notified = _tell(users, messages.deadline_passed(case, due, whole_case, True), case, told)
        data = {"scope": scope, "level": case.escalation_level, "notified": notified}
        follow_ups.append((_event(case, "escalate", now, data), "workflow.escalated"))
        return {"escalate": "supervisor", "level": case.escalation_level, "notified": notified}
    try:
        target = find_contact_point(step.move_to)
    except PrachaError:
        target = None
    if target is None or target.pk == case.contact_point_id:
        log.warning("case %s: cannot move to contact point %r on breach", case.reference, step.move_to)
        return {"move": step.move_to, "error": "unknown or same contact point"}
    moved = _move(case, target)
    data = {**moved, "scope": scope, "on_breach": True}
    follow_ups.append((_event(case, "transfer", now, data), "workflow.transferred"))
    _notify_applicant(case, functools.partial(messages.case_transferred, case))
    return {"move": moved}


OPEN = Q(closed_at__isnull=True)
CASE_CLOCK_RUNS = Q(case_clock_paused_at__isnull=True)

CHECKS = (
    # Breaches first: a breach also sets the alert marker, so a late sweep sends no stale warning.
    Check(
        "state_breached",
        lambda now: OPEN & Q(state_breached_at__isnull=True, state_deadline__lte=now),
        "state_deadline",
        lambda case, now: _breach(case, now, whole_case=False),
    ),
    Check(
        "case_breached",
        lambda now: OPEN & CASE_CLOCK_RUNS & Q(case_breached_at__isnull=True, case_deadline__lte=now),
        "case_deadline",
        lambda case, now: _breach(case, now, whole_case=True),
    ),
    Check(
        "state_alerted",
        lambda now: (
            OPEN & Q(state_alerted_at__isnull=True, state_breached_at__isnull=True, state_alert_at__lte=now)
        ),
        "state_alert_at",
        lambda case, now: _alert(case, now, whole_case=False),
    ),
    Check(
        "case_alerted",
        lambda now: (
            OPEN
            & CASE_CLOCK_RUNS
            & Q(case_alerted_at__isnull=True, case_breached_at__isnull=True, case_alert_at__lte=now)
        ),
        "case_alert_at",
        lambda case, now: _alert(case, now, whole_case=True),
    ),
)


def _run_check(check: Check, now: dt.datetime, counts: Counter) -> None:
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.select_for_update(skip_locked=True)
                .filter(check.due(now))
                .exclude(pk__in=failed)
                .order_by(check.order, "id")[:BATCH]
            )
            versions = ProcessVersion.objects.in_bulk({c.process_version_id for c in cases})
            for case in cases:
                case.process_version = versions[case.process_version_id]
                try:
                    with transaction.atomic():
                        check.handle(case, now)
                except Exception:
                    # One broken case must not stop the sweep; it is retried on the next sweep.
                    log.exception("workflow sweep: %s failed for case %s", check.name, case.pk)
                    failed.add(case.pk)
                else:
                    counts[check.name] += 1
        if len(cases) < BATCH:
            return


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every check once; returns how many cases each one acted on."""
    now = now or timezone.now()
    counts: Counter = Counter()
    for check in CHECKS:
        _run_check(check, now, counts)
    return {check.name: counts[check.name] for check in CHECKS}
