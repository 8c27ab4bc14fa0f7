"""Pages: the applying wizard, the applicant's status page, the officers' inbox and review, and the
public time-limit compliance report. Thin: every change goes through `services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pracha.audit.chain import record_read
from pracha.core.errors import PrachaError, render_message
from pracha.payments import services as payments
from pracha.workflow import services as workflow

from . import forms, services
from .models import Application, Document

STATUSES = ("open", "closed", "all")


def _or_404(func, *args):
    try:
        return func(*args)
    except PrachaError as exc:
        raise Http404 from exc


def _error(exc: PrachaError) -> dict:
    return {
        "message": render_message(exc.code, **exc.params),
        "fields": {k: render_message(v) for k, v in exc.fields.items()},
    }


# --- Applying -----------------------------------------------------------------------------------------


def _service_facts(definition) -> dict:
    return {
        "definition": definition,
        "agency": services.agencies.get_agency(definition.agency),
        "fees_submit": services.fees_due(definition, "on_submit"),
        "fees_approval": services.fees_due(definition, "on_approval"),
        "fee_notes": [f for f in definition.fees if f.amount_field],
        "time_limit": services.describe_limit(definition.time_limit),
        "steps": [(s, services.describe_limit(s.time_limit)) for s in definition.steps],
        "free": definition.is_free,
    }


def start(request: HttpRequest, service_code: str) -> HttpResponse:
    """The guide: what you need, how long it takes, what it costs; then start (or resume) a draft."""
    definition = _or_404(services.get_definition, service_code)
    user = request.user
    draft = None
    if user.is_authenticated and user.person_id:
        draft = Application.objects.filter(
            applicant_id=user.person_id, service_code=definition.code, status=Application.Status.DRAFT
        ).first()
    error = None
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        try:
            app = services.start_draft(user, definition.code)
        except PrachaError as exc:
            error = _error(exc)
        else:
            return redirect("applications:wizard", pk=app.pk, step=app.step or "page-1")
    return render(
        request,
        "applications/start.html",
        {**_service_facts(definition), "draft": draft, "error": error},
        status=403 if error else 200,
    )


def _own(request: HttpRequest, pk: int) -> Application:
    return _or_404(services.own_application, request.user, pk)


def _step_urls(app: Application, steps: list[str]) -> list[dict]:
    labels = {"documents": _("Documents"), "payment": _("Fee"), "review": _("Review and submit")}
    out = []
    for i, step in enumerate(steps):
        label = labels.get(step) or _("Form, part %(n)s") % {"n": step.split("-", 1)[1]}
        out.append(
            {
                "code": step,
                "label": label,
                "n": i + 1,
                "url": reverse("applications:wizard", args=[app.pk, step]),
            }
        )
    return out


@login_required
def wizard(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    app = _own(request, pk)
    definition = services.definition_of(app)
    steps = services.wizard_steps(definition)
    if not app.is_draft:
        # A file sent back for correction is edited with the same pages, minus paying again.
        if not services.is_editable(app):
            return redirect("applications:status", reference=app.reference)
        steps = [s for s in steps if s != "payment"]
    if step not in steps:
        raise Http404
    index = steps.index(step)
    nxt = steps[index + 1] if index + 1 < len(steps) else ""
    prev = steps[index - 1] if index > 0 else ""
    context = {
        "app": app,
        "definition": definition,
        "step": step,
        "steps": _step_urls(app, steps),
        "current": index + 1,
        "next": nxt,
        "prev": prev,
        "correction": not app.is_draft,
        "error": None,
    }
    if step.startswith("page-"):
        return _form_page(request, app, definition, int(step.split("-", 1)[1]), context)
    if step == "documents":
        return _documents_page(request, app, definition, context)
    if step == "payment":
        return _payment_page(request, app, definition, context)
    return _review_page(request, app, definition, context)


def _go(app: Application, step: str) -> HttpResponse:
    return redirect("applications:wizard", pk=app.pk, step=step)


def _form_page(request: HttpRequest, app: Application, definition, index: int, context: dict) -> HttpResponse:
    page = next(p for p in forms.pages(definition) if p.index == index)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = forms.values_from_post(definition, page.fields, request.POST)
        try:
            errors = services.save_page(app, index, values)
        except PrachaError as exc:
            context["error"] = _error(exc)
            status = exc.status
        else:
            back = request.POST.get("nav") == "back"
            if back and context["prev"]:
                return _go(app, context["prev"])
            if not errors:
                return _go(app, context["next"])
            context["error"] = {"message": render_message("form_incomplete"), "fields": {}}
            status = 400
    fields = forms.fields_of(definition, page.fields, app.data, errors, app.prefilled)
    return render(
        request,
        "applications/wizard_page.html",
        {**context, "page": page, "fields": fields, "known": [f for f in fields if f.known]},
        status=status,
    )


def _documents_context(app: Application, definition) -> list[dict]:
    have = services.current_documents(app)
    rows = []
    for spec in definition.documents:
        fetch = spec.fetch
        rows.append(
            {
                "spec": spec,
                "name": forms.local(spec.name),
                "help": forms.local(spec.help) if spec.help else "",
                "doc": have.get(spec.code),
                "fetched": services.fetched_rows(have[spec.code])
                if spec.code in have and have[spec.code].source == "fetched"
                else [],
                "accept": ", ".join(a.upper() for a in spec.accept),
                "accept_attr": ",".join(f".{a}" for a in spec.accept),
                "fetch": fetch,
                "consent_given": bool(
                    fetch and fetch.consent and services.consent_given(app.applicant, spec)
                ),
                "provider": services.provider_name(fetch.service) if fetch else "",
            }
        )
    return rows


def _documents_page(request: HttpRequest, app: Application, definition, context: dict) -> HttpResponse:
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        try:
            if action == "upload":
                services.add_upload(app, code, request.FILES.get("file"), actor=request.user)
                messages.success(request, _("Document attached."))
            elif action == "fetch":
                doc = services.fetch_document(
                    app, code, request.user, consent=request.POST.get("consent") == "yes"
                )
                messages.success(
                    request,
                    _("Fetched from %(agency)s.")
                    % {"agency": doc.provider.name if doc.provider else doc.exchange_service},
                )
            elif action == "remove":
                services.remove_document(app, code, actor=request.user)
            elif action == "next":
                missing = services.missing_documents(app, definition)
                if missing:
                    raise PrachaError(
                        "document_required",
                        fields={d.code: "document_required" for d in missing},
                        name=forms.local(missing[0].name),
                    )
                return _go(app, context["next"])
            elif action == "back":
                return _go(app, context["prev"])
            return _go(app, "documents")
        except PrachaError as exc:
            context["error"] = {**_error(exc), "code": code, "raw": exc.fields}
            status = exc.status
    return render(
        request,
        "applications/wizard_documents.html",
        {**context, "documents": _documents_context(app, definition)},
        status=status,
    )


def _payment_page(request: HttpRequest, app: Application, definition, context: dict) -> HttpResponse:
    invoice = services.submit_invoice(app)
    if invoice is None:
        return _go(app, context["next"])
    if request.method == "POST":
        if request.POST.get("nav") == "back":
            return _go(app, context["prev"])
        invoice.refresh_from_db()
        if invoice.status == "paid":
            return _go(app, context["next"])
        context["error"] = {
            "message": render_message("fee_not_paid", amount=invoice.total, invoice=invoice.number)
        }
    qr = ""
    if invoice.status == "open":
        try:
            qr = payments.qr_svg(invoice)
        except PrachaError:
            qr = ""
    return render(
        request,
        "applications/wizard_payment.html",
        {**context, "invoice": invoice, "items": invoice.items.all(), "qr": qr},
        status=402 if context["error"] else 200,
    )


def _review_page(request: HttpRequest, app: Application, definition, context: dict) -> HttpResponse:
    status = 200
    if request.method == "POST":
        if request.POST.get("nav") == "back":
            return _go(app, context["prev"])
        try:
            if app.is_draft:
                services.submit(app, request.user)
                messages.success(
                    request,
                    _("Your application was submitted. Its number is %(ref)s.") % {"ref": app.reference},
                )
            else:
                services.resubmit(app, request.user)
                messages.success(request, _("Your corrected application was sent to the agency."))
            return redirect("applications:status", reference=app.reference)
        except PrachaError as exc:
            context["error"] = _error(exc)
            status = exc.status
    errors = services.form_errors(app, definition)
    pages = [
        {
            "page": p,
            "fields": forms.fields_of(definition, p.fields, app.data, errors, app.prefilled),
            "url": reverse("applications:wizard", args=[app.pk, f"page-{p.index}"]),
        }
        for p in forms.pages(definition)
    ]
    return render(
        request,
        "applications/wizard_review.html",
        {
            **context,
            "pages": pages,
            "documents": _documents_context(app, definition),
            "missing": services.missing_documents(app, definition),
            "incomplete": bool(errors),
            "invoices": services.invoices_of(app),
            "fees_approval": services.fees_due(definition, "on_approval", app.data),
        },
        status=status,
    )


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    if not app.is_draft:
        raise Http404
    services.withdraw(app, request.user)
    messages.success(request, _("The draft was deleted."))
    return redirect("applications:mine")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if not request.user.person_id:
        return redirect("portal:my")
    rows = []
    paginator = Paginator(services.applications_of(request.user.person), services.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for app in page.object_list:
        try:
            name = forms.local(services.get_definition(app.service_code).name)
        except PrachaError:
            name = app.service_code
        rows.append({"app": app, "name": name})
    return render(request, "applications/mine.html", {"rows": rows, "page": page})


# --- The application's status -----------------------------------------------------------------------


@login_required
def status(request: HttpRequest, reference: str) -> HttpResponse:
    app = _or_404(services.visible_application, request.user, reference)
    return _status_page(request, app)


def _status_page(request: HttpRequest, app: Application, error: dict | None = None, status: int = 200):
    definition = services.definition_of(app)
    case = app.case
    is_applicant = app.applicant_id == request.user.person_id
    return render(
        request,
        "applications/status.html",
        {
            "app": app,
            "case": case,
            "definition": definition,
            "is_applicant": is_applicant,
            "timings": services.step_timings(app),
            "history": services.history(app),
            "expected_end": services.expected_end(app),
            "documents": _named_documents(app, definition),
            "thread": services.messages_of(app),
            "invoices": services.invoices_of(app),
            "credential": services.credential_of(app),
            "editable": is_applicant and services.is_editable(app),
            "can_withdraw": is_applicant and case is not None and "withdraw" in case.current_state.actions,
            "send_back_note": _last_send_back(app),
            "error": error,
        },
        status=status,
    )


def _named_documents(app: Application, definition) -> list[dict]:
    names = {d.code: forms.local(d.name) for d in definition.documents}
    return [
        {
            "doc": d,
            "name": names.get(d.code, d.code),
            "fetched": services.fetched_rows(d) if d.source == "fetched" else [],
        }
        for d in services.current_documents(app).values()
    ]


def _last_send_back(app: Application) -> str:
    if app.case is None or app.case.state != "correction":
        return ""
    event = app.case.events.filter(action="send_back").order_by("-at", "-id").first()
    return event.reason if event else ""


@login_required
@require_POST
def message(request: HttpRequest, reference: str) -> HttpResponse:
    app = _or_404(services.visible_application, request.user, reference)
    try:
        services.post_message(app, request.user, request.POST.get("text", ""))
    except PrachaError as exc:
        if app.applicant_id == request.user.person_id:
            return _status_page(request, app, _error(exc), exc.status)
        return _review(request, app, {**_error(exc), "form": "message"}, exc.status)
    messages.success(request, _("Message sent."))
    if app.applicant_id == request.user.person_id:
        return redirect(reverse("applications:status", args=[app.reference]) + "#messages")
    return redirect(reverse("applications:officer_application", args=[app.pk]) + "#messages")


@login_required
@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    app = _or_404(services.visible_application, request.user, reference)
    if app.applicant_id != request.user.person_id:
        raise Http404
    try:
        services.withdraw(app, request.user, request.POST.get("reason", ""))
    except PrachaError as exc:
        return _status_page(request, app, _error(exc), exc.status)
    messages.success(request, _("Your application was withdrawn."))
    return redirect("applications:status", reference=app.reference)


def _document_response(doc: Document) -> HttpResponse:
    if not doc.file:
        raise Http404
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="{doc.code}{doc.file.name[doc.file.name.rfind(".") :]}"'
    )
    # The file is the applicant's upload: never let a browser run it as a page of ours.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = Document.objects.select_related("application__case").filter(pk=pk).first()
    if doc is None:
        raise Http404
    app = doc.application
    if app.applicant_id != request.user.person_id:
        _or_404(services.officer_application, request.user, app.pk)
        record_read(app.applicant, [f"document:{doc.code}"], purpose=f"e-service application {app.reference}")
    return _document_response(doc)


@login_required
def licence(request: HttpRequest, reference: str) -> HttpResponse:
    app = _or_404(services.visible_application, request.user, reference)
    credential = services.credential_of(app)
    if credential is None:
        raise Http404
    response = HttpResponse(bytes(credential.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{app.reference}.pdf"'
    return response


# --- Officers -------------------------------------------------------------------------------------


@login_required
def officer_inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.is_officer:
        return redirect("portal:my")
    filters = {
        "state": request.GET.get("state", "")[:60],
        "status": request.GET.get("status", "open") if request.GET.get("status") in STATUSES else "open",
        "overdue": request.GET.get("overdue") == "1",
        "assigned": request.GET.get("assigned", "")
        if request.GET.get("assigned") in ("me", "unassigned")
        else "",
        "q": request.GET.get("q", "").strip()[:100],
    }
    paginator = Paginator(services.inbox(request.user, **filters), services.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = []
    for app in page.object_list:
        try:
            name = forms.local(services.get_definition(app.service_code).name)
        except PrachaError:
            name = app.service_code
        rows.append({"app": app, "name": name, "left": workflow.time_left(app.case)})
    counts = services.inbox_counts(request.user)
    states = workflow.current_version(services.PROCESS).parsed().states
    tabs = [
        {"code": code, "name": s.name, "n": counts.get(code, 0)} for code, s in states.items() if not s.final
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "applications/officer/inbox.html",
        {"page": page, "rows": rows, "filters": filters, "tabs": tabs, "query": query.urlencode()},
    )


def _review(request: HttpRequest, app: Application, error: dict | None = None, status: int = 200):
    definition = services.definition_of(app)
    record_read(app.applicant, ["name_th", "id_number"], purpose=f"e-service application {app.reference}")
    errors = services.form_errors(app, definition)
    pages = [
        {"page": p, "fields": forms.fields_of(definition, p.fields, app.data, errors, app.prefilled)}
        for p in forms.pages(definition)
    ]
    return render(
        request,
        "applications/officer/review.html",
        {
            "app": app,
            "case": app.case,
            "definition": definition,
            "pages": pages,
            "documents": _named_documents(app, definition),
            "actions": services.officer_actions(app, request.user),
            "timings": services.step_timings(app),
            "history": services.history(app),
            "thread": services.messages_of(app),
            "invoices": services.invoices_of(app),
            "credential": services.credential_of(app),
            "left": workflow.time_left(app.case),
            "expected_end": services.expected_end(app),
            "error": error,
        },
        status=status,
    )


@login_required
def officer_application(request: HttpRequest, pk: int) -> HttpResponse:
    app = _or_404(services.officer_application, request.user, pk)
    return _review(request, app)


@login_required
@require_POST
def officer_act(request: HttpRequest, pk: int) -> HttpResponse:
    app = _or_404(services.officer_application, request.user, pk)
    action = request.POST.get("action", "")
    try:
        services.act(app, action, request.user, request.POST.get("reason", ""))
    except PrachaError as exc:
        app.case.refresh_from_db()
        return _review(
            request,
            app,
            {**_error(exc), "form": action, "reason": request.POST.get("reason", "")},
            exc.status,
        )
    app.case.refresh_from_db()
    messages.success(request, _("Done: the application is now “%(state)s”.") % {"state": app.case.state_name})
    return redirect("applications:officer_application", pk=app.pk)


# --- Public report -----------------------------------------------------------------------------------


def compliance(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/compliance.html", {"rows": services.compliance_report()})
