"""The officers' complaint workbench: the queue, a complaint and its actions, bulk actions, the units'
backlog, the urgent issues board and the agency dashboard. Service functions do the work
(officer_services, duplicates, urgent, dashboards); a complaint out of the officer's scope is a 404."""

from __future__ import annotations

import re

import plotly
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pracha.agencies import services as agencies
from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity

from . import dashboards, duplicates, urgent
from . import officer_services as officer
from .models import Attachment, Channel, Complaint, Update


def _officer_only(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_officer:
        return redirect("portal:my")
    return None


def _complaint(request: HttpRequest, pk: int) -> Complaint:
    try:
        return officer.complaint_for(request.user, pk)
    except PrachaError as exc:
        raise Http404 from exc


def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


UNIT_LIST_ID = "unit-choices"
UNIT_LIST_SECONDS = 600
_UNIT_CODE = re.compile(r"\(([^()]+)\)\s*$")


def unit_datalist() -> SafeString:
    """Every active unit as a `<datalist>` for the transfer fields. Each suggestion reads "unit ·
    agency (code)" in the page language, so an officer types part of a name ("โยธา จตุจักร",
    "การไฟฟ้า") in any browser, picks, and sees the name in the field; `unit_code` takes the code back
    out. ~700 units: rendered once per language and kept for a few minutes, so the queue page pays one
    cache read, not two queries and a template loop per request."""
    key = f"complaints:unit-datalist:{get_language() or 'th'}"
    html = cache.get(key)
    if html is None:
        rows = [
            (f"{cp.name} · {agency.name} ({cp.code})",)
            for agency in agencies.search_agencies().prefetch_related("contact_points")
            for cp in agency.contact_points.all()
            if cp.active
        ]
        html = format_html(
            '<datalist id="{}">{}</datalist>',
            UNIT_LIST_ID,
            format_html_join("", '<option value="{}"></option>', rows),
        )
        cache.set(key, str(html), UNIT_LIST_SECONDS)
    return SafeString(html)


def unit_code(text: str) -> str:
    """The unit code in what a transfer field sent: a suggestion ("ฝ่ายโยธา · สำนักงานเขตจตุจักร
    (BMA.1030/works)") or a code typed as it is."""
    text = (text or "").strip()
    found = _UNIT_CODE.search(text)
    return found.group(1).strip() if found else text


# --- Queue -------------------------------------------------------------------------------------


def filters_from(params) -> officer.QueueFilters:
    """The queue's filters from a query string (anything unknown is ignored)."""
    return officer.QueueFilters(
        state=params.get("state", "")[:60],
        category=params.get("category", "")[:60],
        channel=_choice(params.get("channel", ""), Channel.values),
        urgency=params.get("urgency", "")[:10],
        overdue=params.get("overdue") == "1",
        place=params.get("place", "").strip()[:100],
        q=params.get("q", "").strip()[:100],
        status=params.get("status", "open") if params.get("status") in ("open", "closed", "all") else "open",
        assigned=_choice(params.get("assigned", ""), ("me", "unassigned")),
        unit=params.get("unit", "").strip()[:60],
        duplicates=params.get("duplicates") == "1",
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    filters = filters_from(request.GET)
    now = timezone.now()
    paginator = officer.CountedPaginator(
        officer.queue(request.user, filters, now),
        officer.PAGE_SIZE,
        officer.queue_count(request.user, filters, now),
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/officer/queue.html",
        {
            "page": page,
            "rows": [officer.row(c, now) for c in page.object_list],
            "filters": filters,
            "query": query.urlencode(),
            "states": officer.open_states(),
            "categories": officer.category_choices(),
            "channels": Channel.choices,
            "urgencies": list(officer.URGENCY_LABELS.items()),
            "can_oversee": officer.can_oversee(request.user),
            "bulk_result": request.session.pop("complaints_bulk_result", None),
            "unit_datalist": unit_datalist() if page.object_list else "",
        },
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
    action = request.POST.get("action", "")
    officer_user = None
    if action == "assign":
        chosen = request.POST.get("officer", "me")
        officer_user = request.user if chosen == "me" else identity.active_user(username=chosen.strip())
    back = reverse("complaints:officer_queue") + (
        f"?{request.POST['query']}" if request.POST.get("query") else ""
    )
    try:
        if action == "assign" and officer_user is None:
            raise PrachaError("assignee_not_officer", fields={"officer": "assignee_not_officer"})
        result = officer.bulk(
            request.user,
            action,
            ids,
            officer=officer_user,
            contact_point=unit_code(request.POST.get("contact_point", "")),
            reason=request.POST.get("reason", ""),
        )
    except PrachaError as exc:
        problem = next(iter(exc.fields.values()), "") if exc.fields else ""
        if problem == "required" and "ids" in exc.fields:
            messages.error(request, _("Select at least one complaint first."))
        else:
            messages.error(request, officer.field_message(problem) if problem else render_message(exc.code))
        return redirect(back)
    request.session["complaints_bulk_result"] = {"done": result.done, "failed": result.failed}
    if result.done:
        messages.success(
            request,
            _("Done for %(n)s complaints: %(codes)s")
            % {"n": len(result.done), "codes": ", ".join(result.done)},
        )
    return redirect(back)


# --- One complaint -----------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    complaint: Complaint,
    *,
    errors: dict | None = None,
    contact: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    case = complaint.case
    visible = officer.visible_cases(user, status="all")
    flags = list(duplicates.flags_of(complaint, visible))
    can_work = officer.can_work(complaint, user)
    actions = {a.code: a for a in officer.workflow.available_actions(case, user)} if can_work else {}
    survivor = complaint.duplicate_of
    sent = [a for a in officer.attachments_of(complaint) if a.kind != Attachment.Kind.EVIDENCE]
    if survivor is not None and not visible.filter(pk=survivor.case_id).exists():
        survivor = None  # merged into a complaint another agency holds: its code is enough
    return render(
        request,
        "complaints/officer/complaint.html",
        {
            "complaint": complaint,
            "case": case,
            "left": officer.workflow.time_left(case),
            "categories": [
                {"code": code, "label": officer.category_label(code), "confidence": conf}
                for code, conf in (complaint.categories or [])
            ],
            "intent": officer.intent_label(complaint.intent) if complaint.intent else "",
            "urgency": officer.urgency_label(complaint.urgency) if complaint.urgency else "",
            "reason": _routing_reason(complaint.routing_reason or {}),
            "timeline": officer.timeline(complaint),
            # What the complainant sent; evidence of the result is in the timeline.
            "photos": [a for a in sent if a.content_type.startswith("image/")],
            "documents": [a for a in sent if not a.content_type.startswith("image/")],
            "flags": flags,
            "followers": officer.followers_of(complaint).count(),
            "survivor": survivor,
            "can_work": can_work,
            "actions": actions,
            "can_transfer": can_work,
            "unit_datalist": unit_datalist() if can_work else "",
            "officers": officer.assignable_officers(complaint)
            if can_work and officer.workflow.can_assign(case, user, None)
            else [],
            "can_take": can_work and case.assigned_officer_id != user.pk,
            "all_categories": officer.category_choices(),
            "intents": list(officer.INTENT_LABELS.items()),
            "update_kinds": [(k, Update.Kind(k).label) for k in officer.UPDATE_KINDS],
            "errors": errors or {},
            "contact": contact,
        },
        status=status,
    )


def _routing_reason(reason: dict) -> dict:
    """The routing decision as the page shows it: why, by which rule, at what confidence threshold."""
    why = reason.get("reason")
    if isinstance(why, dict):
        why = why.get(get_language() or "th") or why.get("th") or ""
    return {
        "why": why or "",
        "rule": reason.get("rule", ""),
        "status": reason.get("status", ""),
        "threshold": reason.get("threshold"),
        "notes": [n for n in reason.get("notes", []) if isinstance(n, str)],
    }


@login_required
def complaint_page(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    return _page(request, _complaint(request, pk))


@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    try:
        found = officer.attachment_for(request.user, pk, attachment_pk)
    except PrachaError as exc:
        raise Http404 from exc
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _failed(request: HttpRequest, complaint: Complaint, form: str, exc: PrachaError) -> HttpResponse:
    """The complaint page again, with what went wrong beside the form that was sent."""
    complaint = officer.complaint_for(request.user, complaint.pk)
    fields = {name: officer.field_message(code) for name, code in exc.fields.items()}
    message = next(iter(fields.values())) if fields else render_message(exc.code, **exc.params)
    errors = {"form": form, "message": message, "fields": fields, "values": request.POST}
    return _page(request, complaint, errors=errors, status=exc.status)


def _do(request: HttpRequest, complaint: Complaint, action: str) -> str:
    """Run one action from its form; returns the message for the officer."""
    post, user = request.POST, request.user
    if action == "accept":
        officer.accept(complaint, actor=user, note=post.get("reason", ""))
        return _("You accepted the complaint. It is now being dealt with.")
    if action == "transfer":
        categories = post.getlist("categories") if post.get("correct") == "1" else None
        officer.transfer(
            complaint,
            unit_code(post.get("contact_point", "")),
            actor=user,
            reason=post.get("reason", ""),
            categories=categories,
        )
        return _("The complaint was sent to %(unit)s, %(agency)s.") % {
            "unit": complaint.contact_point.name,
            "agency": complaint.agency.name,
        }
    if action == "categories":
        officer.correct_categories(
            complaint,
            post.getlist("categories"),
            actor=user,
            reason=post.get("reason", ""),
            intent=post.get("intent", ""),
        )
        return _("The categories were corrected. The correction will help the classifier learn.")
    if action == "place":
        officer.correct_place(complaint, post.get("subdistrict", ""), post.get("reason", ""), actor=user)
        return _(
            "The place was corrected to %(place)s. If another unit should handle the complaint there, "
            "send it to that unit."
        ) % {"place": f"{complaint.subdistrict.name}, {complaint.subdistrict.district.name}"}
    if action == "update":
        officer.post_update(complaint, post.get("kind", ""), post.get("text", ""), actor=user)
        return _("Your message was sent to the complainant.")
    if action == "ask":
        officer.ask_complainant(complaint, post.get("reason", ""), actor=user)
        return _("Your question was sent. The time limit stops until the complainant answers.")
    if action == "resolve":
        officer.resolve(
            complaint, post.get("reason", ""), actor=user, evidence=request.FILES.getlist("evidence")
        )
        return _("The result was sent to the complainant, who is asked to confirm it.")
    if action == "reject":
        officer.reject(complaint, post.get("reason", ""), actor=user)
        return _("The complaint was not taken. The complainant was told why.")
    if action == "merge":
        try:
            survivor = officer.complaint_by_code(user, post.get("into", ""))
        except PrachaError as exc:
            raise PrachaError("validation_error", fields={"into": "unknown_complaint"}) from exc
        officer.merge(complaint, survivor, actor=user, reason=post.get("reason", ""))
        return _("The complaint was merged into %(code)s.") % {"code": survivor.tracking_code}
    if action == "dismiss":
        candidate = post.get("candidate", "")
        if not candidate.isdigit():
            raise PrachaError("not_found", status=404)
        officer.dismiss_duplicate(complaint, int(candidate), actor=user)
        return _("The complaint is no longer shown as a possible duplicate of that one.")
    if action == "assign":
        chosen = post.get("officer", "")
        person = (
            user if chosen == "me" else (identity.active_user(pk=int(chosen)) if chosen.isdigit() else None)
        )
        if chosen and person is None:
            raise PrachaError("assignee_not_officer", fields={"officer": "assignee_not_officer"})
        officer.assign(complaint, person, actor=user)
        return (
            _("The complaint is assigned.") if person else _("The complaint is no longer assigned to anyone.")
        )
    raise Http404


ACTIONS = (
    "accept",
    "transfer",
    "categories",
    "place",
    "update",
    "ask",
    "resolve",
    "reject",
    "merge",
    "dismiss",
    "assign",
)


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    complaint = _complaint(request, pk)
    try:
        done = _do(request, complaint, action)
    except PrachaError as exc:
        return _failed(request, complaint, action, exc)
    messages.success(request, done)
    try:
        officer.complaint_for(request.user, complaint.pk)
    except PrachaError:
        return redirect("complaints:officer_queue")  # another agency holds it now
    return redirect("complaints:officer_complaint", pk=complaint.pk)


@login_required
@require_POST
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the complainant's contact details once, after the officer states why (audited)."""
    complaint = _complaint(request, pk)
    try:
        details = officer.contact_details(complaint, request.user, request.POST.get("purpose", ""))
    except PrachaError as exc:
        return _failed(request, complaint, "contact", exc)
    response = _page(request, complaint, contact=details)
    response["Cache-Control"] = "no-store"
    return response


# --- Supervisors and executives ------------------------------------------------------------------


@login_required
def backlog(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    try:
        units = officer.unit_backlog(request.user)
    except PrachaError as exc:
        raise Http404 from exc
    states = [
        (code, name) for code, name in officer.open_states() if code not in ("closed", "rejected", "merged")
    ]
    for unit in units:
        unit["cells"] = [(name, unit["states"].get(code, 0)) for code, name in states]
    return render(
        request,
        "complaints/officer/backlog.html",
        {
            "units": units,
            "states": states,
            "totals": {
                "open": sum(u["open"] for u in units),
                "overdue": sum(u["overdue"] for u in units),
            },
        },
    )


@login_required
def urgent_board(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    level = request.GET.get("level", "subdistrict")
    level = level if level in urgent.LEVELS else "subdistrict"
    try:
        found = urgent.issues(request.user, level=level)
    except PrachaError as exc:
        raise Http404 from exc
    return render(
        request,
        "complaints/officer/urgent.html",
        {"issues": found, "level": level, "can_send": _may_send(request.user), "errors": {}},
    )


def _may_send(user) -> bool:
    return (
        identity.is_platform_admin(user)
        or user.roles.filter(active=True, role__in=urgent.SENDING_ROLES).exists()
    )


@login_required
@require_POST
def send_issue(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    post = request.POST
    level = post.get("level", "subdistrict")
    try:
        referral = urgent.send_to_committee(
            request.user,
            category=post.get("category", ""),
            level=level,
            place_code=post.get("place", ""),
            committee=post.get("committee", ""),
            note=post.get("note", ""),
        )
    except PrachaError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if exc.status == 403:
            messages.error(request, render_message(exc.code))
            return redirect(reverse("complaints:officer_urgent") + f"?level={level}")
        found = urgent.issues(request.user, level=level if level in urgent.LEVELS else "subdistrict")
        errors = {
            "key": f"{post.get('category', '')}|{level}|{post.get('place', '')}",
            "fields": {name: officer.field_message(code) for name, code in exc.fields.items()},
            "values": post,
        }
        context = {"issues": found, "level": level, "can_send": True, "errors": errors}
        return render(request, "complaints/officer/urgent.html", context, status=exc.status)
    messages.success(
        request,
        _("The issue was sent to %(committee)s. The agency administrators were told.")
        % {"committee": referral.committee},
    )
    return redirect(reverse("complaints:officer_urgent") + f"?level={level}")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if (refused := _officer_only(request)) is not None:
        return refused
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() else 30
    code = request.GET.get("agency", "").strip()[:40]
    try:
        agency, found = dashboards.agency_figures(request.user, agency_code=code, days=days)
    except PrachaError as exc:
        raise Http404 from exc
    return render(
        request,
        "complaints/officer/dashboard.html",
        {
            "agency": agency,
            "figures": found,
            "charts": dashboards.charts(found),
            "agencies": dashboards.agencies_in_scope(request.user),
            "periods": dashboards.PERIODS,
            "plotly_version": plotly.__version__,
        },
    )
