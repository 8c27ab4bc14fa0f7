"""The hub's pages: directory, members, access requests and grants, transactions, quality, extracts.
Thin: every rule lives in services.py / batch.py, which re-check permissions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError, render_message
from pracha.core.queue import enqueue
from pracha.identity.services import is_platform_admin, visible_agency_ids

from . import batch, quality_runs, services
from .forms import AccessRequestForm, DecisionForm, ExtractForm, MemberForm, RevokeForm
from .hub_views import download
from .models import AccessRequest, Classification, Grant, Member, Transaction

PAGE_SIZE = 25


def _form_error(form, exc: PrachaError) -> None:
    form.add_error(None, render_message(exc.code, **exc.params))
    for name, code in exc.fields.items():
        if name in form.fields:
            form.add_error(
                name,
                render_message(code) if code.startswith(("exchange_", "reason_")) else _("Check this field."),
            )


def _admin_agencies(user) -> list[Agency]:
    """The agencies whose exchange business this user may run (agency admin, or all for the hub admin)."""
    ids = visible_agency_ids(user)
    found = Agency.objects.filter(active=True).order_by("code")
    if ids is not None:
        found = found.filter(pk__in=[a for a in ids if services.is_agency_admin(user, a)])
    return list(found)


# --- Directory ---------------------------------------------------------------------------------------


def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    page_obj = Paginator(services.search_services(q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/directory.html", {"q": q, "page_obj": page_obj})


def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        service = services.get_service(code)
    except PrachaError as exc:
        raise Http404 from exc
    labels = dict(Classification.choices)
    fields = [
        {**f, "label": service.field_label(f["name"]), "class_label": labels[f["classification"]]}
        for f in service.fields
    ]
    may_request = request.user.is_authenticated and any(
        m.may_consume for m in Member.objects.filter(agency__in=_admin_agencies(request.user))
    )
    context = {
        "service": service,
        "fields": fields,
        "openapi": json.dumps(service.openapi, ensure_ascii=False, indent=2) if service.openapi else "",
        "may_request": may_request,
    }
    return render(request, "exchange/service.html", context)


def service_openapi(request: HttpRequest, code: str) -> JsonResponse:
    try:
        service = services.get_service(code)
    except PrachaError as exc:
        raise Http404 from exc
    return JsonResponse(service.openapi, json_dumps_params={"ensure_ascii": False, "indent": 2})


# --- Members ------------------------------------------------------------------------------------------


@login_required
def members(request: HttpRequest) -> HttpResponse:
    found = services.members_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in Member.Status.values:
        found = found.filter(status=status)
    page_obj = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "status": status,
        "statuses": Member.Status.choices,
        "may_register": bool(_admin_agencies(request.user)),
        "hub_admin": is_platform_admin(request.user),
    }
    return render(request, "exchange/members.html", context)


@login_required
def member_new(request: HttpRequest) -> HttpResponse:
    agencies = _admin_agencies(request.user)
    if not agencies:
        raise PermissionDenied
    form = MemberForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if str(a.pk) == form.cleaned_data["agency"])
        try:
            member = services.register_member(
                agency=agency,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                contact_email=form.cleaned_data["contact_email"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except PrachaError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The system is registered. The hub administrator will review it."))
            return redirect("exchange:member", pk=member.pk)
    return render(request, "exchange/member_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(services.members_visible_to(request.user), pk=pk)
    hub_admin = is_platform_admin(request.user)
    agency_admin = services.is_agency_admin(request.user, member.agency)
    form = DecisionForm(request.POST if request.POST.get("action") == "decide" else None)
    secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide" and form.is_valid():
                services.decide_member(
                    member,
                    approve=form.cleaned_data["decision"] == "approve",
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("The decision is recorded."))
                return redirect("exchange:member", pk=member.pk)
            if action == "credentials":
                _client_id, secret = services.issue_credentials(member, actor=request.user)
                member.refresh_from_db()
            if action in ("suspend", "restore"):
                services.set_member_suspended(
                    member,
                    suspended=action == "suspend",
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("The decision is recorded."))
                return redirect("exchange:member", pk=member.pk)
        except PrachaError as exc:
            _form_error(form, exc)
    context = {
        "member": member,
        "form": form,
        "hub_admin": hub_admin,
        "agency_admin": agency_admin,
        "secret": secret,
        "services_published": member.services.filter(active=True).order_by("code"),
        "grants": member.grants.select_related("service").order_by("-created_at")[:50],
    }
    return render(request, "exchange/member.html", context, status=400 if form.errors else 200)


# --- Access requests and grants -----------------------------------------------------------------------


@login_required
def request_new(request: HttpRequest, code: str) -> HttpResponse:
    try:
        service = services.get_service(code)
    except PrachaError as exc:
        raise Http404 from exc
    consumers = [
        m
        for m in Member.objects.select_related("agency").filter(agency__in=_admin_agencies(request.user))
        if m.may_consume
    ]
    if not consumers:
        raise PermissionDenied
    form = AccessRequestForm(request.POST or None, consumers=consumers, service=service)
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        try:
            req = services.request_access(
                service=service,
                consumer=next(m for m in consumers if str(m.pk) == form.cleaned_data["consumer"]),
                purpose=form.cleaned_data["purpose"],
                purpose_text=form.cleaned_data["purpose_text"],
                fields=form.cleaned_data["fields"],
                valid_from=start,
                valid_until=end,
                actor=request.user,
                lawful_basis=form.cleaned_data["lawful_basis"],
                consent_agreement=form.cleaned_data["consent_agreement"],
            )
        except PrachaError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your request was sent to the data owner."))
            return redirect("exchange:request", pk=req.pk)
    context = {"service": service, "form": form}
    return render(request, "exchange/request_new.html", context, status=400 if form.errors else 200)


@login_required
def requests_list(request: HttpRequest) -> HttpResponse:
    found = services.requests_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in AccessRequest.Status.values:
        found = found.filter(status=status)
    page_obj = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "status": status, "statuses": AccessRequest.Status.choices}
    return render(request, "exchange/requests.html", context)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(services.requests_visible_to(request.user), pk=pk)
    owner_admin = services.is_agency_admin(request.user, req.service.provider.agency)
    action = request.POST.get("action")
    form = DecisionForm(request.POST if action == "decide" else None)
    revoke_form = RevokeForm(request.POST if action == "revoke" else None)
    grant = Grant.objects.filter(request=req).first()
    if request.method == "POST":
        try:
            if action == "decide" and form.is_valid():
                services.decide_request(
                    req,
                    approve=form.cleaned_data["decision"] == "approve",
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("The decision is recorded."))
                return redirect("exchange:request", pk=req.pk)
            if action == "revoke" and grant and revoke_form.is_valid():
                services.revoke_grant(grant, actor=request.user, reason=revoke_form.cleaned_data["reason"])
                messages.success(request, _("The grant is revoked."))
                return redirect("exchange:request", pk=req.pk)
        except PrachaError as exc:
            _form_error(form if action == "decide" else revoke_form, exc)
    context = {
        "req": req,
        "grant": grant,
        "owner_admin": owner_admin,
        "form": form,
        "revoke_form": revoke_form,
        "field_labels": [req.service.field_label(f) for f in req.fields],
    }
    return render(
        request, "exchange/request.html", context, status=400 if form.errors or revoke_form.errors else 200
    )


# --- Transactions and quality -------------------------------------------------------------------------


@login_required
def transactions(request: HttpRequest) -> HttpResponse:
    found = services.transactions_visible_to(request.user)
    if not is_platform_admin(request.user) and not _admin_agencies(request.user):
        raise PermissionDenied
    outcome = request.GET.get("outcome", "")
    if outcome in Transaction.Outcome.values:
        found = found.filter(outcome=outcome)
    service = request.GET.get("service", "").strip()[:80]
    if service:
        found = found.filter(service_code=service)
    page_obj = Paginator(found.order_by("-at"), 50).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "outcome": outcome,
        "service": service,
        "outcomes": Transaction.Outcome.choices,
    }
    return render(request, "exchange/transactions.html", context)


def quality(request: HttpRequest) -> HttpResponse:
    """Each provider's latest data-quality score and its weakest fields (counts only, public)."""
    found = quality_runs.latest_runs()
    if request.method == "POST":
        if not request.user.is_authenticated:
            raise PermissionDenied
        service = next((s for s in found if s.code == request.POST.get("service")), None)
        if service is None or not services.is_agency_admin(request.user, service.provider.agency):
            raise PermissionDenied
        enqueue("exchange.quality_check", {"service": service.pk})
        messages.success(request, _("The quality check is queued; the score updates when it has run."))
        return redirect("exchange:quality")
    rows = []
    for s in found:
        run = s.latest_quality
        worst = []
        if run is not None:
            worst = sorted(run.report.get("fields", []), key=lambda f: (f["score"], f["field"]))[:5]
            worst = [f for f in worst if f["score"] < 100]
        may_check = request.user.is_authenticated and services.is_agency_admin(
            request.user, s.provider.agency
        )
        rows.append({"service": s, "run": run, "worst": worst, "may_check": may_check})
    return render(request, "exchange/quality.html", {"rows": rows})


# --- Batch extracts -----------------------------------------------------------------------------------


@login_required
def extracts(request: HttpRequest) -> HttpResponse:
    agencies = _admin_agencies(request.user)
    grants = [
        g
        for g in Grant.objects.select_related("service", "consumer").filter(
            consumer__agency__in=agencies, revoked_at__isnull=True
        )
        if g.is_current()
    ]
    form = ExtractForm(request.POST or None, grants=grants)
    if request.method == "POST" and form.is_valid():
        grant = next(g for g in grants if str(g.pk) == form.cleaned_data["grant"])
        since = form.cleaned_data.get("changed_since")
        try:
            extract = batch.request_extract(
                member=grant.consumer,
                service_code=grant.service.code,
                purpose=grant.purpose,
                fields=grant.fields,
                ids=form.cleaned_data.get("id_list") or None,
                changed_since=None if form.cleaned_data["mode"] == "ids" or not since else since,
                file_format=form.cleaned_data["file_format"],
                actor=f"user:{request.user.pk}",
            )
        except PrachaError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The extract is queued. This page shows its progress."))
            return redirect("exchange:extract", pk=extract.pk)
    page_obj = Paginator(services.extracts_visible_to(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page_obj": page_obj, "form": form, "grants": grants}
    return render(request, "exchange/extracts.html", context, status=400 if form.errors else 200)


@login_required
def extract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    extract = get_object_or_404(services.extracts_visible_to(request.user), pk=pk)
    return render(request, "exchange/extract.html", {"extract": extract})


@login_required
def extract_download(request: HttpRequest, pk: int):
    extract = get_object_or_404(services.extracts_visible_to(request.user), pk=pk)
    if not services.is_agency_admin(request.user, extract.consumer.agency):
        raise PermissionDenied
    if extract.status != extract.Status.DONE:
        messages.error(request, render_message("exchange_batch_not_ready", done=extract.records_done))
        return redirect("exchange:extract", pk=extract.pk)
    return download(extract)
