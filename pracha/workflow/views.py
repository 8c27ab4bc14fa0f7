"""Officer pages: the queue (nearest deadline first) and a case with its timeline and actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pracha.audit.chain import record_read
from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity

from . import services
from .models import Case, CaseEvent

STATUSES = ("open", "closed", "all")
ASSIGNED = ("", "me", "unassigned")


def _get_case(request: HttpRequest, pk: int) -> Case:
    try:
        return services.visible_case(request.user, pk)
    except PrachaError as exc:
        raise Http404 from exc


def _choice(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else allowed[0]


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not request.user.is_officer:
        return redirect("portal:my")
    filters = {
        "process": request.GET.get("process", "")[:60],
        "state": request.GET.get("state", "")[:60],
        "status": _choice(request.GET.get("status", "open"), STATUSES),
        "assigned": _choice(request.GET.get("assigned", ""), ASSIGNED),
        "overdue": request.GET.get("overdue") == "1",
        "q": request.GET.get("q", "").strip()[:100],
    }
    paginator = Paginator(services.queue_for(request.user, **filters), services.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "case": c,
            "left": services.time_left(c),
            "url": services.owner_page(c) or reverse("workflow:case", args=[c.pk]),
        }
        for c in page.object_list
    ]
    processes = list(services.processes())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workflow/queue.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "filtered": any(v for k, v in filters.items() if k != "status") or filters["status"] != "open",
            "processes": [(p.code, p.name, p.parsed().states.values()) for p in processes],
            "query": query.urlencode(),
        },
    )


def _event_detail(event: CaseEvent) -> str:
    """A short note on an engine event (where a case went, which deadline), for the timeline."""
    data = event.data or {}
    if event.action == "transfer":
        if data.get("on_breach"):
            return _("to unit %(unit)s, automatically: the time limit passed") % {"unit": data.get("to", "")}
        return _("to unit %(unit)s") % {"unit": data.get("to", "")}
    if event.action == "escalate":
        return _("escalation level %(n)s") % {"n": data.get("level", "")}
    if event.action in ("alert", "breach"):
        return (
            _("time limit of the whole case") if data.get("scope") == "case" else _("time limit of this step")
        )
    if event.action == "assign":
        return data.get("officer") or _("nobody")
    return ""


def _event_row(case: Case, event: CaseEvent) -> dict:
    moved = event.to_state and event.to_state != event.from_state
    to_state = case.definition.states.get(event.to_state) if moved else None
    return {
        "event": event,
        "label": services.event_label(case, event),
        "to_name": to_state.name if to_state else "",
        "detail": _event_detail(event),
    }


def _case_page(
    request: HttpRequest, case: Case, errors: dict | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    applicant_name = ""
    if case.applicant_id:
        applicant_name = case.applicant.name_th or case.applicant.name_en
        if case.applicant_id != user.person_id:
            # An officer reading a person's name is a personal-data read: it goes to the audit log.
            record_read(case.applicant, ["name_th"], purpose=f"workflow case {case.reference}")
    can_assign_others = services.can_assign(case, user, None)
    return render(
        request,
        "workflow/case.html",
        {
            "case": case,
            "left": services.time_left(case),
            "applicant_name": applicant_name,
            "events": [_event_row(case, e) for e in services.events_of(case)],
            "actions": services.available_actions(case, user),
            "can_transfer": services.can_transfer(case, user),
            "can_take": services.can_assign(case, user, user) and case.assigned_officer_id != user.pk,
            "officers": services.assignable_officers(case) if can_assign_others else [],
            "errors": errors or {},
        },
        status=status,
    )


def _owned_case(request: HttpRequest, pk: int) -> Case | HttpResponse:
    """The case, or a redirect to its own app's page when its process says another app handles it
    (the generic page would bypass that app's steps)."""
    case = _get_case(request, pk)
    url = services.owner_page(case)
    if not url:
        return case
    if request.method == "POST":
        messages.info(request, _("This case is handled on its own page; nothing was changed. Act here."))
    return redirect(url)


@login_required
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = _owned_case(request, pk)
    return case if isinstance(case, HttpResponse) else _case_page(request, case)


def _failed(request: HttpRequest, case: Case, form: str, exc: PrachaError) -> HttpResponse:
    """Show the case again with what went wrong next to the form that was sent."""
    case.refresh_from_db()
    errors = {
        "form": form,
        "message": render_message(exc.code, **exc.params),
        "fields": exc.fields,
        "reason": request.POST.get("reason", ""),
        "contact_point": request.POST.get("contact_point", ""),
    }
    return _case_page(request, case, errors, status=exc.status)


@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    case = _owned_case(request, pk)
    if isinstance(case, HttpResponse):
        return case
    action = request.POST.get("action", "")
    try:
        services.take_action(case, action, actor=request.user, reason=request.POST.get("reason", ""))
    except PrachaError as exc:
        return _failed(request, case, f"action-{action}", exc)
    messages.success(request, _("Done: the case is now “%(state)s”.") % {"state": case.state_name})
    return redirect("workflow:case", pk=case.pk)


@login_required
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    case = _owned_case(request, pk)
    if isinstance(case, HttpResponse):
        return case
    try:
        target = services.find_contact_point(request.POST.get("contact_point", ""))
        services.transfer(case, target, actor=request.user, reason=request.POST.get("reason", ""))
    except PrachaError as exc:
        return _failed(request, case, "transfer", exc)
    messages.success(
        request,
        _("Case %(ref)s was sent to %(unit)s, %(agency)s.")
        % {"ref": case.reference, "unit": target.name, "agency": target.agency.name},
    )
    if services.can_transfer(case, request.user):
        return redirect("workflow:case", pk=case.pk)
    return redirect("workflow:queue")  # another agency holds it now


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _owned_case(request, pk)
    if isinstance(case, HttpResponse):
        return case
    officer_id = request.POST.get("officer", "")
    officer = None
    if officer_id == "me":
        officer = request.user
    elif officer_id.isdigit():
        officer = identity.active_user(pk=int(officer_id))
    try:
        if officer is None and officer_id:
            raise PrachaError("assignee_not_officer", fields={"officer": "assignee_not_officer"})
        services.assign(case, officer, actor=request.user)
    except PrachaError as exc:
        return _failed(request, case, "assign", exc)
    if officer is None:
        messages.success(request, _("The case is no longer assigned to anyone."))
    else:
        messages.success(
            request,
            _("The case is assigned to %(name)s.") % {"name": officer.get_full_name() or officer.username},
        )
    return redirect("workflow:case", pk=case.pk)
