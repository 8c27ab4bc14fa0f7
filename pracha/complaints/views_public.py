"""Public complaint pages (file, confirmation, follow by tracking code, confirm or reopen) and the
officers' filing forms for the hotline, the walk-in counter and mail. Thin: services do the work."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pracha.core.calendar import BANGKOK
from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity
from pracha.identity.models import Person

from . import services
from .api_public import FilingThrottle
from .forms import ComplaintForm, OfficerComplaintForm
from .models import Channel

OFFICER_CHANNELS = {c.value: c for c in (Channel.HOTLINE, Channel.COUNTER, Channel.MAIL)}
LOOKUP_PURPOSE = {
    Channel.HOTLINE: "Filing a complaint for a caller of the 1111 hotline",
    Channel.COUNTER: "Filing a complaint for a person at the service counter",
    Channel.MAIL: "Filing a complaint from a letter to PO Box 1111",
}


_filing_throttle = FilingThrottle()


def _too_fast(request: HttpRequest) -> bool:
    """The filing API's per-address limit, counted together with it (a form is as easy to flood)."""
    return not _filing_throttle.allow_request(request)


def _form_page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    form = context["form"]
    return render(request, template, context, status=400 if form.errors and status == 200 else status)


def new_complaint(request: HttpRequest) -> HttpResponse:
    """The web form: signed in or anonymous; photos; place by selects or a map pin; contact for updates."""
    signed_in = request.user.is_authenticated
    # A citizen's account is the way back to them; an account without a person (an officer's) is not.
    by_account = signed_in and request.user.person_id is not None
    template = "complaints/public/new.html"
    context = {"by_account": by_account}
    if request.method != "POST":
        return render(request, template, {**context, "form": ComplaintForm(signed_in=by_account)})
    form = ComplaintForm(request.POST, request.FILES, signed_in=by_account)
    context["form"] = form
    if "refresh_place" in request.POST:
        # Without scripts, choosing a province or district reloads the lists below it.
        form.is_valid()
        form.errors.clear()
        return render(request, template, {**context, "refreshed": True})
    if not form.is_valid():
        return _form_page(request, template, context)
    if _too_fast(request):
        form.add_error(None, render_message("rate_limited"))
        return _form_page(request, template, context, status=429)
    try:
        complaint = services.file_complaint(
            channel=Channel.WEB,
            user=request.user if signed_in else None,
            language=translation.get_language() or "th",
            **form.intake_arguments(),
        )
    except PrachaError as exc:
        form.add_service_errors(exc)
        return _form_page(request, template, context, status=exc.status)
    return redirect("complaints:filed", code=complaint.tracking_code)


def filed(request: HttpRequest, code: str) -> HttpResponse:
    try:
        complaint = services.find_by_tracking_code(code)
    except PrachaError as exc:
        raise Http404 from exc
    return render(
        request,
        "complaints/public/filed.html",
        {
            "complaint": complaint,
            "message": services.received_message(complaint)[translation.get_language() or "th"],
            "officer_channel": OFFICER_CHANNELS.get(complaint.channel),
        },
    )


def track(request: HttpRequest) -> HttpResponse:
    """Enter a tracking code; a wrong one is said plainly on the same page."""
    code = request.GET.get("code", "").strip()[:20]
    error = ""
    if code:
        try:
            complaint = services.find_by_tracking_code(code)
        except PrachaError:
            error = _("There is no complaint with this tracking code. Check the 10 letters and digits.")
        else:
            return redirect("complaints:status", code=complaint.tracking_code)
    return render(
        request, "complaints/public/track.html", {"code": code, "error": error}, status=404 if error else 200
    )


def _status_page(
    request: HttpRequest, code: str, errors: dict | None = None, status: int = 200
) -> HttpResponse:
    try:
        complaint = services.find_by_tracking_code(code)
    except PrachaError as exc:
        raise Http404 from exc
    if complaint.tracking_code != code:
        return redirect("complaints:status", code=complaint.tracking_code)
    info = services.public_status(code)
    lang = "en" if translation.get_language() == "en" else "th"
    return render(
        request,
        "complaints/public/status.html",
        {
            "info": info,
            "lang": lang,
            "timeline": [{**item, "label": item["label"][lang]} for item in info["timeline"]],
            "may_follow_up": services.may_follow_up(complaint, request.user),
            "stars": range(1, 6),
            "errors": errors or {},
            "post": request.POST if errors else {},
            "overdue": bool(info["deadline"] and info["deadline"] < dt.datetime.now(tz=BANGKOK)),
        },
        status=status,
    )


def status(request: HttpRequest, code: str) -> HttpResponse:
    return _status_page(request, code)


def _follow_up(request: HttpRequest, code: str, form: str, act) -> HttpResponse:
    try:
        complaint = services.find_by_tracking_code(code)
    except PrachaError as exc:
        raise Http404 from exc
    try:
        act(complaint)
    except PrachaError as exc:
        params = {**services.limits(), **exc.params}
        errors = {
            "form": form,
            "message": render_message(exc.code, **params),
            "fields": {k: render_message(v, **params) for k, v in exc.fields.items()},
        }
        return _status_page(request, complaint.tracking_code, errors, status=exc.status)
    return redirect("complaints:status", code=complaint.tracking_code)


@require_POST
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    def act(complaint):
        services.confirm_resolution(
            complaint,
            rating=request.POST.get("rating", ""),
            comment=request.POST.get("comment", ""),
            user=request.user,
        )
        messages.success(request, _("Thank you. The complaint is closed with your rating."))

    return _follow_up(request, code, "confirm", act)


@require_POST
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    def act(complaint):
        services.reopen(complaint, reason=request.POST.get("reason", ""), user=request.user)
        messages.success(request, _("The complaint is back with the agency, with your reason."))

    return _follow_up(request, code, "reopen", act)


# --- Officers key in complaints from the hotline, the counter and mail ------------------------------------


def _complainant(officer, form: OfficerComplaintForm, channel: str) -> Person | None:
    """The person a complaint is filed for: looked up by ID (audited), or registered on request."""
    data = form.cleaned_data
    id_number = (data.get("id_number") or "").strip()
    if not id_number or data.get("anonymous"):
        return None
    try:
        return identity.look_up_person(officer, id_number=id_number, purpose=LOOKUP_PURPOSE[channel])
    except PrachaError as exc:
        if exc.code != "not_found":
            raise
    if not data.get("register"):
        raise PrachaError("person_not_registered", fields={"id_number": "person_not_registered"})
    return identity.register_person(
        officer,
        kind=Person.Kind.CITIZEN,
        id_number=id_number,
        name_th=data.get("contact_name", ""),
        phone=data.get("contact_phone", ""),
        email=data.get("contact_email", ""),
    )


def _received_at(form: OfficerComplaintForm) -> dt.datetime | None:
    day = form.cleaned_data.get("received_on")
    # A letter's time limit counts from the day it arrived (office time only, so midnight is fine).
    return dt.datetime.combine(day, dt.time(0, 0), BANGKOK) if day else None


@login_required
def officer_file(request: HttpRequest, channel: str) -> HttpResponse:
    if channel not in OFFICER_CHANNELS:
        raise Http404
    if not services.may_file_for_others(request.user):
        return render(request, "portal/error.html", {"status": 403}, status=403)
    template = "complaints/public/officer_file.html"
    context = {"channel": OFFICER_CHANNELS[channel], "channels": OFFICER_CHANNELS.values()}
    if request.method != "POST":
        return render(request, template, {**context, "form": OfficerComplaintForm(channel=channel)})
    form = OfficerComplaintForm(request.POST, request.FILES, channel=channel)
    if "refresh_place" in request.POST:
        form.is_valid()
        form.errors.clear()
        return render(request, template, {**context, "form": form, "refreshed": True})
    if not form.is_valid():
        return _form_page(request, template, {**context, "form": form})
    arguments = form.intake_arguments()
    try:
        # Registering the person and filing the complaint stand or fall together.
        with transaction.atomic():
            complaint = services.file_complaint(
                channel=channel,
                filed_by=request.user,
                complainant=_complainant(request.user, form, channel),
                letter=form.cleaned_data.get("letter"),
                received_at=_received_at(form),
                language=translation.get_language() or "th",
                **arguments,
            )
    except PrachaError as exc:
        form.add_service_errors(exc)
        return _form_page(request, template, {**context, "form": form}, status=exc.status)
    return redirect(reverse("complaints:filed", kwargs={"code": complaint.tracking_code}))
