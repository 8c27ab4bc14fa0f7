"""Workflow API (/api/workflow): process definitions, the officer's cases, and taking actions.

A case outside the caller's scope answers 404 exactly like a case that does not exist.
"""

from __future__ import annotations

import datetime as dt
import math

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import django_auth
from pydantic import Field

from pracha.audit.chain import record_read
from pracha.core.errors import PrachaError
from pracha.identity import services as identity
from pracha.identity.models import User

from . import services
from .models import Case, ProcessVersion

router = Router()


class Text(Schema):
    th: str
    en: str


class ProcessOut(Schema):
    code: str
    version: str
    name: Text
    initial_state: str
    states: int
    loaded_at: dt.datetime


class ProcessDetailOut(ProcessOut):
    definition: dict


def _process(row: ProcessVersion) -> dict:
    d = row.definition
    return {
        "code": row.code,
        "version": row.version,
        "name": d["name"],
        "initial_state": d["initial_state"],
        "states": len(d["states"]),
        "loaded_at": row.loaded_at,
    }


@router.get("/processes", response=list[ProcessOut], auth=None, summary="Processes cases can be opened under")
def list_processes(request: HttpRequest):
    return [_process(row) for row in services.processes()]


@router.get(
    "/processes/{code}",
    response=ProcessDetailOut,
    auth=None,
    summary="A process definition (current version)",
)
def process_detail(request: HttpRequest, code: str):
    row = services.processes().filter(code=code).first()
    if row is None:
        raise PrachaError("unknown_process", status=404, code=code)
    return {**_process(row), "definition": row.definition}


class Ref(Schema):
    code: str
    name: str


class StateOut(Schema):
    code: str
    name: Text
    final: bool


class TimeLeftOut(Schema):
    due: dt.datetime | None
    working_hours: float
    status: str = Field(description="ok, warn (alert time reached or under one working day), over, none")


class CaseOut(Schema):
    id: int
    reference: str
    title: str
    process: str
    version: str
    state: StateOut
    agency: Ref
    contact_point: Ref | None
    assigned_officer: str | None
    opened_at: dt.datetime
    state_entered_at: dt.datetime
    state_deadline: dt.datetime | None
    case_deadline: dt.datetime | None
    case_clock_paused: bool
    escalation_level: int
    closed_at: dt.datetime | None
    time_left: TimeLeftOut


class EventOut(Schema):
    action: str
    label: str
    from_state: str
    to_state: str
    actor: str
    at: dt.datetime
    reason: str
    data: dict


class ActionOut(Schema):
    code: str
    label: Text
    to: str
    reason_required: bool


class CaseDetailOut(CaseOut):
    applicant: str | None
    subject_type: str
    subject_id: str
    data: dict
    events: list[EventOut]
    available_actions: list[ActionOut]


class CasePage(Schema):
    count: int
    page: int
    pages: int
    items: list[CaseOut]


def _case(case: Case) -> dict:
    state = case.current_state
    left = services.time_left(case)
    return {
        "id": case.pk,
        "reference": case.reference,
        "title": case.title,
        "process": case.process_version.code,
        "version": case.process_version.version,
        "state": {"code": state.code, "name": dict(state.name), "final": state.final},
        "agency": {"code": case.agency.code, "name": case.agency.name},
        "contact_point": (
            {"code": case.contact_point.code, "name": case.contact_point.name} if case.contact_point else None
        ),
        "assigned_officer": case.assigned_officer.username if case.assigned_officer else None,
        "opened_at": case.opened_at,
        "state_entered_at": case.state_entered_at,
        "state_deadline": case.state_deadline,
        "case_deadline": case.case_deadline,
        "case_clock_paused": case.case_clock_paused_at is not None,
        "escalation_level": case.escalation_level,
        "closed_at": case.closed_at,
        "time_left": {"due": left.due, "working_hours": left.working_hours, "status": left.status},
    }


def _applicant_name(case: Case, user: User) -> str | None:
    if case.applicant is None:
        return None
    if case.applicant_id != user.person_id:
        # Officers reading a person's name is a personal-data read: it goes to the audit log.
        record_read(case.applicant, ["name_th"], purpose=f"workflow case {case.reference}")
    return case.applicant.name_th or case.applicant.name_en


def _detail(case: Case, user: User) -> dict:
    return {
        **_case(case),
        "applicant": _applicant_name(case, user),
        "subject_type": case.subject_type,
        "subject_id": case.subject_id,
        "data": case.data,
        "events": [
            {
                "action": e.action,
                "label": str(services.event_label(case, e)),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor_label,
                "at": e.at,
                "reason": e.reason,
                "data": e.data,
            }
            for e in services.events_of(case)
        ],
        "available_actions": [
            {"code": a.code, "label": dict(a.label), "to": a.to, "reason_required": a.reason_required}
            for a in services.available_actions(case, user)
        ],
    }


class CaseFilters(Schema):
    state: str = ""
    process: str = ""
    overdue: bool = False
    status: str = Field(default="open", pattern="^(open|closed|all)$")
    assigned: str = Field(default="", pattern="^(|me|unassigned)$")
    q: str = Field(default="", max_length=100)
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=services.PAGE_SIZE, ge=1, le=100)


@router.get(
    "/cases", response=CasePage, auth=django_auth, summary="Cases of your agencies, nearest deadline first"
)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    qs = services.queue_for(
        request.user,
        state=filters.state,
        process=filters.process,
        overdue=filters.overdue,
        status=filters.status,
        assigned=filters.assigned,
        q=filters.q,
    )
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, math.ceil(count / filters.page_size)),
        "items": [_case(c) for c in qs[start : start + filters.page_size]],
    }


@router.get("/cases/{case_id}", response=CaseDetailOut, auth=django_auth, summary="A case with its events")
def case_detail(request: HttpRequest, case_id: int):
    return _detail(services.visible_case(request.user, case_id), request.user)


class ActionIn(Schema):
    action: str = Field(min_length=1, max_length=60)
    reason: str = Field(default="", max_length=services.MAX_REASON)
    data: dict = Field(default_factory=dict)


@router.post("/cases/{case_id}/actions", response=CaseDetailOut, auth=django_auth, summary="Take an action")
def take_action(request: HttpRequest, case_id: int, payload: ActionIn):
    case = services.visible_case(request.user, case_id)
    services.ensure_handled_here(case)
    services.take_action(case, payload.action, actor=request.user, reason=payload.reason, data=payload.data)
    return _detail(services.visible_case(request.user, case_id), request.user)


class TransferIn(Schema):
    contact_point: str = Field(min_length=1, max_length=60, description="Code of the receiving unit")
    reason: str = Field(max_length=services.MAX_REASON)


class TransferOut(Schema):
    reference: str
    agency: Ref
    contact_point: Ref


@router.post(
    "/cases/{case_id}/transfer", response=TransferOut, auth=django_auth, summary="Send a case to another unit"
)
def transfer(request: HttpRequest, case_id: int, payload: TransferIn):
    case = services.visible_case(request.user, case_id)
    services.ensure_handled_here(case)
    target = services.find_contact_point(payload.contact_point)
    services.transfer(case, target, actor=request.user, reason=payload.reason)
    # The caller may no longer see the case (another agency now holds it): answer with where it went.
    return {
        "reference": case.reference,
        "agency": {"code": target.agency.code, "name": target.agency.name},
        "contact_point": {"code": target.code, "name": target.name},
    }


class AssignIn(Schema):
    username: str | None = Field(default=None, description="The officer to assign; null to unassign")
    reason: str = Field(default="", max_length=services.MAX_REASON)


@router.post("/cases/{case_id}/assign", response=CaseDetailOut, auth=django_auth, summary="Assign a case")
def assign(request: HttpRequest, case_id: int, payload: AssignIn):
    case = services.visible_case(request.user, case_id)
    services.ensure_handled_here(case)
    officer = None
    if payload.username:
        officer = identity.active_user(username=payload.username)
        if officer is None:
            raise PrachaError("assignee_not_officer", fields={"username": "assignee_not_officer"})
    services.assign(case, officer, actor=request.user, reason=payload.reason)
    return _detail(services.visible_case(request.user, case_id), request.user)
