"""Officers' complaint API (/api/complaints/officer): the queue, a complaint, its actions, bulk actions,
the units' backlog, urgent issues and dashboard figures. Signed-in officers only (session); a
complaint out of the caller's scope answers 404 exactly like one that does not exist. Errors use the
platform's one format: {"error": {"code", "message", "messages", "fields"}}."""

from __future__ import annotations

import datetime as dt
import math

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.security import django_auth
from pydantic import Field

from pracha.core.errors import PrachaError
from pracha.identity import services as identity

from . import dashboards, duplicates, urgent
from . import officer_services as officer
from .models import Complaint

router = Router(auth=django_auth)


class Text(Schema):
    th: str
    en: str


class Ref(Schema):
    code: str
    name: str


class TimeLeftOut(Schema):
    due: dt.datetime | None
    working_hours: float
    status: str = Field(description="ok, warn, over or none")


class CategoryOut(Schema):
    code: str
    label: str
    confidence: float


class QueueItem(Schema):
    id: int
    tracking_code: str
    reference: str
    text: str
    channel: str
    received_at: dt.datetime
    state: str
    state_name: Text
    category: CategoryOut | None
    urgency: str
    agency: Ref
    contact_point: Ref | None
    assigned_officer: str | None
    subdistrict: str | None
    time_left: TimeLeftOut


class QueuePage(Schema):
    count: int
    page: int
    pages: int
    items: list[QueueItem]


class QueueFiltersIn(Schema):
    state: str = Field(default="", max_length=60)
    category: str = Field(default="", max_length=60)
    channel: str = Field(default="", max_length=10)
    urgency: str = Field(default="", max_length=10)
    overdue: bool = False
    place: str = Field(default="", max_length=100, description="province/district/subdistrict code or words")
    q: str = Field(default="", max_length=100, description="tracking code, case reference or words")
    status: str = Field(default="open", pattern="^(open|closed|all)$")
    assigned: str = Field(default="", pattern="^(|me|unassigned)$")
    unit: str = Field(default="", max_length=60, description="contact point code")
    duplicates: bool = Field(default=False, description="only complaints flagged as possible duplicates")
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=officer.PAGE_SIZE, ge=1, le=100)


def _ref(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _item(complaint: Complaint) -> dict:
    case = complaint.case
    left = officer.workflow.time_left(case)
    top = (complaint.categories or [None])[0]
    return {
        "id": complaint.pk,
        "tracking_code": complaint.tracking_code,
        "reference": case.reference,
        "text": complaint.text,
        "channel": complaint.channel,
        "received_at": complaint.received_at,
        "state": case.state,
        "state_name": dict(case.state_name),
        "category": (
            {"code": top[0], "label": officer.category_label(top[0]), "confidence": float(top[1])}
            if top
            else None
        ),
        "urgency": complaint.urgency,
        "agency": _ref(case.agency),
        "contact_point": _ref(case.contact_point),
        "assigned_officer": case.assigned_officer.username if case.assigned_officer else None,
        "subdistrict": complaint.subdistrict_id,
        "time_left": {"due": left.due, "working_hours": left.working_hours, "status": left.status},
    }


@router.get("/queue", response=QueuePage, summary="The agency's complaints, nearest deadline first")
def queue(request: HttpRequest, filters: Query[QueueFiltersIn]):
    wanted = officer.QueueFilters(**filters.dict(exclude={"page", "page_size"}))
    qs = officer.queue(request.user, wanted)
    count = officer.queue_count(request.user, wanted)
    start = (filters.page - 1) * filters.page_size
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, math.ceil(count / filters.page_size)),
        "items": [_item(c) for c in qs[start : start + filters.page_size]],
    }


class EventOut(Schema):
    kind: str
    at: dt.datetime
    label: str
    to: str
    actor: str
    text: str
    detail: str


class DuplicateOut(Schema):
    id: int
    tracking_code: str
    score: float
    distance_m: float | None
    text_similarity: float | None
    reasons: list[str]


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    url: str


class ComplaintOut(QueueItem):
    categories: list[CategoryOut]
    intent: str
    intent_confidence: float | None
    urgency_confidence: float | None
    model_version: str
    routing: str
    routing_reason: dict
    place_text: str
    latitude: float | None
    longitude: float | None
    duplicate_of: str | None
    followers: int
    rating: int | None
    attachments: list[AttachmentOut]
    duplicates: list[DuplicateOut]
    timeline: list[EventOut]
    available_actions: list[str]


def _detail(complaint: Complaint, user) -> dict:
    from django.urls import reverse

    visible = officer.visible_cases(user, status="all")
    can_work = officer.can_work(complaint, user)
    actions = [a.code for a in officer.workflow.available_actions(complaint.case, user)] if can_work else []
    return {
        **_item(complaint),
        "categories": [
            {"code": c, "label": officer.category_label(c), "confidence": float(p)}
            for c, p in complaint.categories or []
        ],
        "intent": complaint.intent,
        "intent_confidence": complaint.intent_confidence,
        "urgency_confidence": complaint.urgency_confidence,
        "model_version": complaint.model_version,
        "routing": complaint.routing,
        "routing_reason": complaint.routing_reason or {},
        "place_text": complaint.place_text,
        "latitude": float(complaint.latitude) if complaint.latitude is not None else None,
        "longitude": float(complaint.longitude) if complaint.longitude is not None else None,
        "duplicate_of": complaint.duplicate_of.tracking_code if complaint.duplicate_of_id else None,
        "followers": officer.followers_of(complaint).count(),
        "rating": complaint.rating,
        "attachments": [
            {
                "id": a.pk,
                "kind": a.kind,
                "content_type": a.content_type,
                "size": a.size,
                "url": reverse("complaints:officer_attachment", args=[complaint.pk, a.pk]),
            }
            for a in officer.attachments_of(complaint)
        ],
        "duplicates": [
            {
                "id": f.candidate_id,
                "tracking_code": f.candidate.tracking_code,
                "score": f.score,
                "distance_m": f.distance_m,
                "text_similarity": f.text_similarity,
                "reasons": f.reasons,
            }
            for f in duplicates.flags_of(complaint, visible)
        ],
        "timeline": [
            {
                "kind": i["kind"],
                "at": i["at"],
                "label": str(i["label"]),
                "to": str(i["to"]),
                "actor": i["actor"],
                "text": i["text"],
                "detail": str(i["detail"]),
            }
            for i in officer.timeline(complaint)
        ],
        "available_actions": (
            [*actions, "transfer", "reply", "categories", "place", "assign"] if can_work else []
        ),
    }


@router.get("/complaints/{complaint_id}", response=ComplaintOut, summary="A complaint with its timeline")
def detail(request: HttpRequest, complaint_id: int):
    return _detail(officer.complaint_for(request.user, complaint_id), request.user)


def _after(request: HttpRequest, complaint_id: int) -> dict:
    return _detail(officer.complaint_for(request.user, complaint_id), request.user)


class ContactIn(Schema):
    purpose: str = Field(max_length=500, description="Why the officer needs them (recorded)")


class ContactOut(Schema):
    name: str
    phone: str
    email: str
    line: str
    anonymous: bool


@router.post(
    "/complaints/{complaint_id}/contact",
    response=ContactOut,
    summary="The complainant's contact (audited read)",
)
def contact(request: HttpRequest, complaint_id: int, payload: ContactIn):
    complaint = officer.complaint_for(request.user, complaint_id)
    return officer.contact_details(complaint, request.user, payload.purpose)


class NoteIn(Schema):
    note: str = Field(default="", max_length=officer.MAX_TEXT)


@router.post("/complaints/{complaint_id}/accept", response=ComplaintOut, summary="Accept the complaint")
def accept(request: HttpRequest, complaint_id: int, payload: NoteIn):
    officer.accept(officer.complaint_for(request.user, complaint_id), actor=request.user, note=payload.note)
    return _after(request, complaint_id)


class TransferIn(Schema):
    contact_point: str = Field(min_length=1, max_length=60, description="Code of the receiving unit")
    reason: str = Field(max_length=officer.MAX_TEXT)
    categories: list[str] | None = Field(default=None, max_length=10, description="Corrected categories")


class TransferOut(Schema):
    tracking_code: str
    agency: Ref
    contact_point: Ref


@router.post(
    "/complaints/{complaint_id}/transfer", response=TransferOut, summary="Send to another agency or unit"
)
def transfer(request: HttpRequest, complaint_id: int, payload: TransferIn):
    complaint = officer.complaint_for(request.user, complaint_id)
    officer.transfer(
        complaint,
        payload.contact_point,
        actor=request.user,
        reason=payload.reason,
        categories=payload.categories,
    )
    # The caller may no longer see the complaint: answer with where it went.
    return {
        "tracking_code": complaint.tracking_code,
        "agency": _ref(complaint.agency),
        "contact_point": _ref(complaint.contact_point),
    }


class CategoriesIn(Schema):
    categories: list[str] = Field(max_length=10)
    intent: str = Field(default="", max_length=12)
    reason: str = Field(default="", max_length=officer.MAX_TEXT)


@router.post("/complaints/{complaint_id}/categories", response=ComplaintOut, summary="Correct the categories")
def categories(request: HttpRequest, complaint_id: int, payload: CategoriesIn):
    officer.correct_categories(
        officer.complaint_for(request.user, complaint_id),
        payload.categories,
        actor=request.user,
        reason=payload.reason,
        intent=payload.intent,
    )
    return _after(request, complaint_id)


class PlaceIn(Schema):
    subdistrict: str = Field(max_length=20, description="The 6-digit DOPA code of the right subdistrict")
    reason: str = Field(max_length=officer.MAX_TEXT)


@router.post(
    "/complaints/{complaint_id}/place",
    response=ComplaintOut,
    summary="Correct the place (subdistrict); does not re-route",
)
def place(request: HttpRequest, complaint_id: int, payload: PlaceIn):
    officer.correct_place(
        officer.complaint_for(request.user, complaint_id),
        payload.subdistrict,
        payload.reason,
        actor=request.user,
    )
    return _after(request, complaint_id)


class ReplyIn(Schema):
    kind: str = Field(description="reply, preliminary or final")
    text: str = Field(max_length=officer.MAX_TEXT)


@router.post(
    "/complaints/{complaint_id}/reply",
    response=ComplaintOut,
    summary="Reply or report a preliminary/final result",
)
def reply(request: HttpRequest, complaint_id: int, payload: ReplyIn):
    officer.post_update(
        officer.complaint_for(request.user, complaint_id), payload.kind, payload.text, actor=request.user
    )
    return _after(request, complaint_id)


class QuestionIn(Schema):
    question: str = Field(max_length=officer.MAX_TEXT)


@router.post("/complaints/{complaint_id}/ask", response=ComplaintOut, summary="Ask the complainant")
def ask(request: HttpRequest, complaint_id: int, payload: QuestionIn):
    officer.ask_complainant(
        officer.complaint_for(request.user, complaint_id), payload.question, actor=request.user
    )
    return _after(request, complaint_id)


@router.post(
    "/complaints/{complaint_id}/resolve",
    response=ComplaintOut,
    summary="Resolve with evidence (multipart: reason, evidence files)",
)
def resolve(
    request: HttpRequest,
    complaint_id: int,
    reason: Form[str],
    evidence: File[list[UploadedFile]] = None,
):
    officer.resolve(
        officer.complaint_for(request.user, complaint_id), reason, actor=request.user, evidence=evidence or []
    )
    return _after(request, complaint_id)


class ReasonIn(Schema):
    reason: str = Field(max_length=officer.MAX_TEXT)


@router.post("/complaints/{complaint_id}/reject", response=ComplaintOut, summary="Do not take the complaint")
def reject(request: HttpRequest, complaint_id: int, payload: ReasonIn):
    officer.reject(officer.complaint_for(request.user, complaint_id), payload.reason, actor=request.user)
    return _after(request, complaint_id)


class MergeIn(Schema):
    into: str = Field(min_length=1, max_length=12, description="Tracking code of the complaint to keep")
    reason: str = Field(max_length=officer.MAX_TEXT)


@router.post(
    "/complaints/{complaint_id}/merge",
    response=ComplaintOut,
    summary="Merge this duplicate into another complaint",
)
def merge(request: HttpRequest, complaint_id: int, payload: MergeIn):
    duplicate = officer.complaint_for(request.user, complaint_id)
    try:
        survivor = officer.complaint_by_code(request.user, payload.into)
    except PrachaError as exc:
        raise PrachaError("validation_error", fields={"into": "unknown_complaint"}) from exc
    officer.merge(duplicate, survivor, actor=request.user, reason=payload.reason)
    return _after(request, complaint_id)


class AssignIn(Schema):
    username: str | None = Field(default=None, description="The officer to assign; null to unassign")


def _officer_named(username: str | None):
    if not username:
        return None
    found = identity.active_user(username=username)
    if found is None:
        raise PrachaError("assignee_not_officer", fields={"username": "assignee_not_officer"})
    return found


@router.post("/complaints/{complaint_id}/assign", response=ComplaintOut, summary="Assign the complaint")
def assign(request: HttpRequest, complaint_id: int, payload: AssignIn):
    complaint = officer.complaint_for(request.user, complaint_id)
    officer.assign(complaint, _officer_named(payload.username), actor=request.user)
    return _after(request, complaint_id)


class BulkIn(Schema):
    action: str = Field(pattern="^(accept|assign|transfer)$")
    ids: list[int] = Field(min_length=1, max_length=officer.BULK_LIMIT)
    username: str | None = Field(default=None, description="assign: the officer (null: yourself)")
    contact_point: str = Field(default="", max_length=60, description="transfer: the receiving unit")
    reason: str = Field(default="", max_length=officer.MAX_TEXT)


class BulkFailure(Schema):
    complaint: str
    message: str


class BulkOut(Schema):
    done: list[str]
    failed: list[BulkFailure]


@router.post("/bulk", response=BulkOut, summary="Accept, assign or transfer several complaints")
def bulk(request: HttpRequest, payload: BulkIn):
    officer.require_officer(request.user)
    assignee = (_officer_named(payload.username) or request.user) if payload.action == "assign" else None
    result = officer.bulk(
        request.user,
        payload.action,
        payload.ids,
        officer=assignee,
        contact_point=payload.contact_point,
        reason=payload.reason,
    )
    return {"done": result.done, "failed": [{"complaint": c, "message": m} for c, m in result.failed]}


class UnitBacklog(Schema):
    code: str
    name: str
    agency: str
    states: dict[str, int]
    open: int
    overdue: int


@router.get("/backlog", response=list[UnitBacklog], summary="Open and overdue complaints per unit")
def backlog(request: HttpRequest):
    return officer.unit_backlog(request.user)


class IssueOut(Schema):
    category: str
    category_name: str
    level: str
    place_code: str
    place_name: str
    this_week: int
    last_week: int
    high: int
    critical: int
    severity: float
    growth: float
    score: float
    sent_to: str | None
    sent_at: dt.datetime | None
    note: str | None


def _issue(i: urgent.Issue) -> dict:
    return {
        **{k: getattr(i, k) for k in ("category", "category_name", "level", "place_code", "place_name")},
        **i.figures(),
        "sent_to": i.referral.committee if i.referral else None,
        "sent_at": i.referral.sent_at if i.referral else None,
        "note": i.referral.note if i.referral else None,
    }


@router.get(
    "/urgent", response=list[IssueOut], summary="Urgent issues: clusters ranked by volume, growth, severity"
)
def urgent_issues(request: HttpRequest, level: str = "subdistrict"):
    return [_issue(i) for i in urgent.issues(request.user, level=level)]


class SendIssueIn(Schema):
    category: str = Field(max_length=60)
    level: str = Field(pattern="^(subdistrict|district)$")
    place_code: str = Field(max_length=6)
    committee: str = Field(max_length=200)
    note: str = Field(max_length=4000)


class ReferralOut(Schema):
    id: int
    committee: str
    note: str
    sent_at: dt.datetime
    figures: dict


@router.post("/urgent/send", response=ReferralOut, summary="Send an urgent issue to a committee")
def send_issue(request: HttpRequest, payload: SendIssueIn):
    referral = urgent.send_to_committee(
        request.user,
        category=payload.category,
        level=payload.level,
        place_code=payload.place_code,
        committee=payload.committee,
        note=payload.note,
    )
    return {
        "id": referral.pk,
        "committee": referral.committee,
        "note": referral.note,
        "sent_at": referral.sent_at,
        "figures": referral.figures,
    }


class DashboardOut(Schema):
    agency: Ref | None
    figures: dict


@router.get("/dashboard", response=DashboardOut, summary="Figures of an agency (or of all in scope)")
def dashboard(request: HttpRequest, agency: str = "", days: int = 30):
    found_agency, found = dashboards.agency_figures(request.user, agency_code=agency, days=days)
    return {"agency": _ref(found_agency), "figures": found.as_dict()}
