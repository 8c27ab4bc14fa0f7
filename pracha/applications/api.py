"""Applications API (/api/applications): apply for an e-service and work applications as an officer.
Signed-in sessions (with CSRF). Every 4xx has the one error format; an application the caller may not
see answers 404 exactly like one that does not exist.

Applicant:
    POST /api/applications                          {service} -> the draft (201; the open draft if any)
    GET  /api/applications                          the caller's applications
    GET  /api/applications/{id}                     one application (applicant, or officer in scope)
    PUT  /api/applications/{id}/pages/{n}           {data}: saved; 400 with the page's field errors
    POST /api/applications/{id}/documents           multipart: code, file
    POST /api/applications/{id}/documents/{code}/fetch  {consent}: through the data exchange
    POST /api/applications/{id}/invoice             the invoice of the fees due on submit (or 204)
    POST /api/applications/{id}/submit | /resubmit | /withdraw
    POST /api/applications/{id}/messages            {text}
Officer:
    GET  /api/applications/officer/inbox            ?state=&overdue=&status=&q=&page=
    POST /api/applications/{id}/actions             {action, reason}
Public:
    GET  /api/applications/compliance               time-limit compliance per service and agency
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth
from pydantic import Field

from pracha.core.errors import PrachaError

from . import services
from .models import Application

router = Router(auth=django_auth)


class NewIn(Schema):
    service: str = Field(max_length=60)


class PageIn(Schema):
    data: dict[str, Any]


class FetchIn(Schema):
    consent: bool = False


class ReasonIn(Schema):
    reason: str = Field(default="", max_length=4000)


class ActionIn(Schema):
    action: str = Field(max_length=60)
    reason: str = Field(default="", max_length=4000)


class MessageIn(Schema):
    text: str = Field(max_length=10000)


class DocumentOut(Schema):
    id: int
    code: str
    source: str
    filename: str
    content_type: str
    size: int
    provider: str | None
    exchange_service: str
    transaction_id: str
    added_at: dt.datetime


class StepOut(Schema):
    state: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    deadline: dt.datetime | None
    limit: dict | None
    within_limit: bool | None


class ApplicationOut(Schema):
    id: int
    service: str
    service_version: int
    status: str
    reference: str | None
    state: str | None
    agency: str
    data: dict
    prefilled: list[str]
    step: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    state_deadline: dt.datetime | None
    expected_end: dt.datetime | None
    documents: list[DocumentOut]
    steps: list[StepOut]
    invoices: list[str]
    credential: str | None


class InboxRow(Schema):
    id: int
    reference: str
    service: str
    state: str
    due_at: dt.datetime | None
    submitted_at: dt.datetime | None


class InboxOut(Schema):
    count: int
    page: int
    pages: int
    results: list[InboxRow]


class InvoiceOut(Schema):
    number: str
    total: str
    status: str


class ComplianceOut(Schema):
    service: str
    agency: str
    steps: int
    steps_within: int
    finished: int
    finished_within: int
    median_days: float | None


def _out(app: Application) -> dict:
    case = app.case
    return {
        "id": app.pk,
        "service": app.service_code,
        "service_version": app.service_version,
        "status": app.status,
        "reference": app.reference,
        "state": case.state if case else None,
        "agency": app.agency.code,
        "data": app.data,
        "prefilled": app.prefilled,
        "step": app.step,
        "created_at": app.created_at,
        "submitted_at": app.submitted_at,
        "state_deadline": case.state_deadline if case else None,
        "expected_end": services.expected_end(app),
        "documents": [
            {
                "id": d.pk,
                "code": d.code,
                "source": d.source,
                "filename": d.filename,
                "content_type": d.content_type,
                "size": d.size,
                "provider": d.provider.code if d.provider else None,
                "exchange_service": d.exchange_service,
                "transaction_id": d.transaction_id,
                "added_at": d.added_at,
            }
            for d in services.current_documents(app).values()
        ],
        "steps": [
            {
                "state": t.state,
                "entered_at": t.entered_at,
                "left_at": t.left_at,
                "deadline": t.deadline,
                "limit": t.limit.as_dict() if t.limit else None,
                "within_limit": t.within,
            }
            for t in services.step_timings(app)
        ],
        "invoices": [i.number for i in services.invoices_of(app)],
        "credential": app.credential_id or None,
    }


def _mine(request: HttpRequest, pk: int) -> Application:
    return services.own_application(request.user, pk)


def _any(request: HttpRequest, pk: int) -> Application:
    """The caller's own application, or a submitted one of an agency in the officer's scope."""
    try:
        return services.own_application(request.user, pk)
    except PrachaError:
        return services.officer_application(request.user, pk)


@router.post("", response={201: ApplicationOut}, summary="Start (or resume) a draft application")
def new(request: HttpRequest, payload: NewIn):
    return Status(201, _out(services.start_draft(request.user, payload.service)))


@router.get("", response=list[ApplicationOut], summary="The caller's applications, newest first")
def mine(request: HttpRequest):
    if not request.user.person_id:
        return []
    return [_out(a) for a in services.applications_of(request.user.person)[:100]]


@router.get("/compliance", response=list[ComplianceOut], auth=None, summary="Time-limit compliance report")
def compliance(request: HttpRequest):
    return [
        {
            "service": r.service_code,
            "agency": r.agency.code if r.agency else "",
            "steps": r.steps,
            "steps_within": r.steps_within,
            "finished": r.finished,
            "finished_within": r.finished_within,
            "median_days": r.median_days,
        }
        for r in services.compliance_report()
    ]


@router.get("/officer/inbox", response=InboxOut, summary="Applications an officer may work on, by deadline")
def inbox(
    request: HttpRequest,
    state: str = Query("", max_length=60),
    overdue: bool = False,
    status: str = Query("open", pattern="^(open|closed|all)$"),
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
):
    paginator = Paginator(
        services.inbox(request.user, state=state, overdue=overdue, status=status, q=q), services.PAGE_SIZE
    )
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [
            {
                "id": a.pk,
                "reference": a.reference,
                "service": a.service_code,
                "state": a.case.state,
                "due_at": a.case.due_at,
                "submitted_at": a.submitted_at,
            }
            for a in current.object_list
        ],
    }


@router.get("/{int:pk}", response=ApplicationOut, summary="One application")
def detail(request: HttpRequest, pk: int):
    return _out(_any(request, pk))


@router.put("/{int:pk}/pages/{int:n}", response=ApplicationOut, summary="Save one page of the form")
def save_page(request: HttpRequest, pk: int, n: int, payload: PageIn):
    app = _mine(request, pk)
    errors = services.save_page(app, n, payload.data)
    if errors:
        raise PrachaError("form_incomplete", fields=errors)
    return _out(app)


@router.post("/{int:pk}/documents", response={201: DocumentOut}, summary="Upload a document")
def add_document(request: HttpRequest, pk: int, code: Form[str], file: File[UploadedFile]):
    doc = services.add_upload(_mine(request, pk), code, file, actor=request.user)
    return Status(201, _doc(doc))


def _doc(d) -> dict:
    return {
        "id": d.pk,
        "code": d.code,
        "source": d.source,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "provider": d.provider.code if d.provider else None,
        "exchange_service": d.exchange_service,
        "transaction_id": d.transaction_id,
        "added_at": d.added_at,
    }


@router.post(
    "/{int:pk}/documents/{code}/fetch",
    response={201: DocumentOut},
    summary="Fetch a declared document through the data exchange",
)
def fetch_document(request: HttpRequest, pk: int, code: str, payload: FetchIn):
    doc = services.fetch_document(_mine(request, pk), code, request.user, consent=payload.consent)
    return Status(201, _doc(doc))


@router.post(
    "/{int:pk}/invoice", response={200: InvoiceOut, 204: None}, summary="Invoice of the fees due now"
)
def invoice(request: HttpRequest, pk: int):
    inv = services.submit_invoice(_mine(request, pk))
    if inv is None:
        return Status(204, None)
    return {"number": inv.number, "total": f"{inv.total:.2f}", "status": inv.status}


@router.post("/{int:pk}/submit", response=ApplicationOut, summary="Submit a complete draft")
def submit(request: HttpRequest, pk: int):
    return _out(services.submit(_mine(request, pk), request.user))


@router.post("/{int:pk}/resubmit", response=ApplicationOut, summary="Send a corrected application again")
def resubmit(request: HttpRequest, pk: int):
    return _out(services.resubmit(_mine(request, pk), request.user))


@router.post(
    "/{int:pk}/withdraw", response={200: ApplicationOut, 204: None}, summary="Withdraw (or delete a draft)"
)
def withdraw(request: HttpRequest, pk: int, payload: ReasonIn):
    app = _mine(request, pk)
    was_draft = app.is_draft
    services.withdraw(app, request.user, payload.reason)
    return Status(204, None) if was_draft else _out(app)


@router.post("/{int:pk}/messages", response={201: dict}, summary="Write in the application's thread")
def message(request: HttpRequest, pk: int, payload: MessageIn):
    msg = services.post_message(_any(request, pk), request.user, payload.text)
    return Status(201, {"id": msg.pk, "at": msg.at.isoformat(), "from_officer": msg.from_officer})


@router.post("/{int:pk}/actions", response=ApplicationOut, summary="An officer's step on the application")
def act(request: HttpRequest, pk: int, payload: ActionIn):
    app = services.officer_application(request.user, pk)
    services.act(app, payload.action, request.user, payload.reason)
    return _out(app)
