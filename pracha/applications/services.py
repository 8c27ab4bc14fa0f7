"""Applying for e-services and processing the applications: the only way views, the API and other
apps change an application.

    app = start_draft(user, "rice-trading-licence")          # or the person's open draft of it
    errors = save_page(app, 1, {"shop_name": "..."})          # the draft is saved even with errors
    add_upload(app, "house_registration", uploaded_file)      # checked by content and size
    fetch_document(app, "id_card_copy", user, consent=True)   # once-only: from the data exchange
    invoice = submit_invoice(app)                             # fees due on submit, or None
    submit(app, user)                                         # opens the workflow case
    act(app, "send_back", officer, reason="...")              # officer steps, each timed
    resubmit(app, user)                                       # after correcting

A fee due on approval is invoiced when the approving officer approves; when the payments app says it
is settled (`on_settled`), the licence is issued by the job `applications.issue` (pracha.credentials)
and the application is completed. Each change is one transaction with its workflow event, its step
record and its audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import filetype
from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pracha.agencies import services as agencies
from pracha.agencies.models import Agency
from pracha.audit.chain import record
from pracha.consent import services as consent_services
from pracha.core.calendar import BANGKOK, TimeLimit, default_calendar
from pracha.core.errors import PrachaError, render_message
from pracha.core.queue import enqueue, job
from pracha.credentials import services as credentials
from pracha.exchange import services as exchange
from pracha.identity import services as identity
from pracha.identity.models import Person, Role, User
from pracha.notify.services import notify_user
from pracha.payments import services as payments
from pracha.services import catalogue
from pracha.services import services as catalogue_versions
from pracha.workflow import messages as wf_messages
from pracha.workflow import services as workflow
from pracha.workflow.models import Case

from . import forms
from .models import Application, Document, Message, StepRecord

log = logging.getLogger("pracha.applications")

PROCESS = "eservice"
MB = 1024 * 1024
MESSAGE_MAX = 4000
PAGE_SIZE = 25
# File types a definition may accept (its `accept` list), by what the file's first bytes say it is.
ACCEPT_TYPES = {
    "pdf": ("application/pdf",),
    "jpeg": ("image/jpeg",),
    "jpg": ("image/jpeg",),
    "png": ("image/png",),
    "webp": ("image/webp",),
    "heic": ("image/heic",),
    "tiff": ("image/tiff",),
}
# What officers do on the applications pages; `paid`, `no_fee_due`, `issued` and `finished` are the
# platform's own (SYSTEM_USERNAME) and the applicant's actions have their own functions.
OFFICER_ACTIONS = ("accept", "recommend", "approve", "send_back", "return_for_review", "reject", "lapse")
APPLICANT_STATES = frozenset({"correction", "awaiting_payment"})  # the applicant's time, not the agency's
EDITABLE_STATES = frozenset({"correction"})
SYSTEM_USERNAME = "system.applications"


# --- The service definition ------------------------------------------------------------------------


def get_definition(code: str) -> Any:
    """The catalogue's current definition of a service (PrachaError unknown_service, 404)."""
    return catalogue.get_definition(code)


def definition_of(app: Application) -> Any:
    """The definition the application was started under (pinned: decision 0852)."""
    return catalogue_versions.definition_of_version(app.service_version_pk)


def person_name(person: Person) -> str:
    return person.name_th or person.name_en or ""


def wizard_steps(definition: Any) -> list[str]:
    """The wizard's steps after the guide: the form's pages, documents, payment, review."""
    steps = [f"page-{p.index}" for p in forms.pages(definition)]
    if definition.documents:
        steps.append("documents")
    if any(f.due == "on_submit" and (f.amount or f.amount_field) for f in definition.fees):
        steps.append("payment")
    steps.append("review")
    return steps


def fee_total(definition: Any, due: str, data: dict | None = None) -> Decimal:
    return Decimal(str(definition.fee_total(due, data)))


def fees_due(definition: Any, due: str, data: dict | None = None) -> list[tuple[Any, Decimal]]:
    """(fee, amount) of the fees due at `due` that cost something (an amount may come from the form)."""
    found = [(f, f.amount_for(data)) for f in definition.fees if f.due == due]
    return [(f, amount) for f, amount in found if amount > 0]


def step_limits(definition: Any) -> dict[str, dict]:
    """The service's own time limits as workflow `time_limits` (per state, and "case")."""
    limits: dict[str, dict] = {}
    for step in definition.steps:
        if getattr(step, "time_limit", None):
            limits[step.state] = _limit_dict(step.time_limit)
    if getattr(definition, "time_limit", None):
        limits["case"] = _limit_dict(definition.time_limit)
    return limits


def _limit_dict(limit: Any) -> dict:
    if isinstance(limit, TimeLimit):
        return limit.as_dict()
    if isinstance(limit, dict):
        return {"amount": float(limit["amount"]), "unit": limit["unit"]}
    return {"amount": float(limit.amount), "unit": limit.unit}


# --- Finding applications ----------------------------------------------------------------------------


def _with_related(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.select_related("case", "case__process_version", "case__contact_point", "agency", "applicant")


def applications_of(person: Person) -> QuerySet[Application]:
    return _with_related(Application.objects.filter(applicant=person)).order_by("-updated_at", "-id")


def own_application(user: User, pk: int) -> Application:
    """The signed-in person's own application (a draft or submitted); else not_found (404)."""
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    app = _with_related(Application.objects.filter(pk=pk, applicant_id=user.person_id or 0)).first()
    if app is None:
        raise PrachaError("not_found", status=404)
    return app


def _officer_may_see(user: User, app: Application) -> bool:
    return app.case_id is not None and identity.can_see_agency(user, app.case.agency_id)


def visible_application(user: User, reference: str) -> Application:
    """A submitted application by reference, for its applicant or an officer of the agency that holds
    it; not_found (404) for anyone else, so another agency's files are not even known to exist."""
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    app = _with_related(Application.objects.filter(reference=reference)).first()
    if app is None or not (app.applicant_id == user.person_id or _officer_may_see(user, app)):
        raise PrachaError("not_found", status=404)
    return app


def officer_application(user: User, pk: int) -> Application:
    """A submitted application of an agency in the officer's scope; else not_found (404)."""
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    app = _with_related(Application.objects.filter(pk=pk, status=Application.Status.SUBMITTED)).first()
    if app is None or not _officer_may_see(user, app):
        raise PrachaError("not_found", status=404)
    return app


def inbox(
    user: User,
    *,
    state: str = "",
    overdue: bool = False,
    status: str = "open",
    assigned: str = "",
    q: str = "",
) -> QuerySet[Application]:
    """The submitted applications an officer may work on, nearest deadline first."""
    conditions = workflow.queue_conditions(
        user, via="case__", state=state, overdue=overdue, status=status, assigned=assigned, q=q
    )
    qs = _with_related(Application.objects.filter(conditions, status=Application.Status.SUBMITTED))
    return qs.order_by(F("case__due_at").asc(nulls_last=True), "case__opened_at", "id")


def inbox_counts(user: User) -> dict[str, int]:
    """Open applications per step in the officer's scope."""
    conditions = workflow.queue_conditions(user, via="case__", status="open")
    rows = (
        Application.objects.filter(conditions, status=Application.Status.SUBMITTED)
        .values("case__state")
        .annotate(n=Count("id"))
    )
    return {r["case__state"]: r["n"] for r in rows}


# --- Drafts ------------------------------------------------------------------------------------------


def _person(user: User) -> Person:
    if not user.is_authenticated or user.person_id is None:
        raise PrachaError("person_required", status=403)
    return user.person


def start_draft(user: User, service_code: str) -> Application:
    """The person's open draft of this service, or a new one prefilled from what we know of them."""
    person = _person(user)
    definition = get_definition(service_code)
    if person.kind not in (definition.applicant_types or ()):
        raise PrachaError("applicant_type_not_allowed", status=403, kind=person.get_kind_display())
    existing = Application.objects.filter(
        applicant=person, service_code=service_code, status=Application.Status.DRAFT
    ).first()
    if existing is not None:
        return existing
    known = {k: v for k, v in (catalogue.prefill(definition, person) or {}).items() if v not in (None, "")}
    agency = agencies.get_agency(definition.agency)
    with transaction.atomic():
        pinned = catalogue_versions.current_version(definition.code)
        app = Application.objects.create(
            service_code=definition.code,
            service_version_pk=pinned.pk,
            service_version=int(definition.version),
            applicant=person,
            agency=agency,
            data=known,
            prefilled=sorted(known),
            step=wizard_steps(definition)[0],
        )
        record(
            "applications.draft_started",
            app,
            {"service": service_code, "version": app.service_version, "prefilled": app.prefilled},
            actor=f"user:{user.pk}",
        )
    return app


def is_editable(app: Application) -> bool:
    """Drafts, and submitted applications the agency sent back for correction."""
    return app.is_draft or (app.case is not None and app.case.state in EDITABLE_STATES)


def _require_editable(app: Application) -> None:
    if is_editable(app):
        return
    if app.is_draft:
        raise PrachaError("application_not_draft", status=409)
    raise PrachaError("application_not_in_correction", status=409)


def _touch(app: Application, step: str = "") -> None:
    app.updated_at = timezone.now()
    fields = ["updated_at"]
    if step:
        app.step = step
        fields.append("step")
    app.save(update_fields=fields)


def page_fields(definition: Any, index: int) -> list[str]:
    for page in forms.pages(definition):
        if page.index == index:
            return page.fields
    raise PrachaError("unknown_page", status=404, page=index)


def save_page(app: Application, index: int, values: dict[str, Any]) -> dict[str, str]:
    """Save one page's answers into the draft (always: nothing typed is lost) and return the page's
    field errors ({} when the page is complete). Known fields from the person's record stay as they are."""
    _require_editable(app)
    definition = definition_of(app)
    names = [n for n in page_fields(definition, index) if n not in _locked_fields(app)]
    data = dict(app.data)
    for name in names:
        value = values.get(name)
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    with transaction.atomic():
        app.data = data
        app.save(update_fields=["data"])
        _touch(app, f"page-{index}")
    return page_errors(app, index, definition)


def _locked_fields(app: Application) -> set[str]:
    """Prefilled fields that came from the person's record are shown as known, not asked again."""
    return {n for n in app.prefilled if app.data.get(n) not in (None, "")}


def page_errors(app: Application, index: int, definition: Any | None = None) -> dict[str, str]:
    """The field errors of one wizard page (its required fields must be given to leave it)."""
    definition = definition or definition_of(app)
    names = page_fields(definition, index)
    return dict(catalogue.validate_application_data(definition, app.data, partial=True, fields=names))


def form_errors(app: Application, definition: Any | None = None) -> dict[str, str]:
    """Every field error of the whole form ({field: code}); {} when it is complete and valid."""
    definition = definition or definition_of(app)
    return dict(catalogue.validate_application_data(definition, app.data, partial=False) or {})


def first_incomplete_page(app: Application, definition: Any) -> int | None:
    errors = form_errors(app, definition)
    for page in forms.pages(definition):
        if any(f in errors for f in page.fields):
            return page.index
    return None


# --- Documents ---------------------------------------------------------------------------------------


def document_spec(definition: Any, code: str) -> Any:
    for doc in definition.documents:
        if doc.code == code:
            return doc
    raise PrachaError("unknown_document", status=404, code=code)


def current_documents(app: Application) -> dict[str, Document]:
    found: dict[str, Document] = {}
    for doc in app.documents.filter(replaced_at__isnull=True).select_related("provider").order_by("added_at"):
        found[doc.code] = doc
    return found


def _accepted(spec: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in spec.accept or ("pdf",):
        for mime in ACCEPT_TYPES.get(str(name).lower(), ()):
            out[mime] = str(name).lower()
    return out


def _replace(app: Application, code: str, now: dt.datetime) -> None:
    app.documents.filter(code=code, replaced_at__isnull=True).update(replaced_at=now)


def add_upload(app: Application, code: str, upload: File | None, *, actor: User | None = None) -> Document:
    """Attach a document: its type is read from its first bytes (never its name), its size checked
    against the definition. Replaces an earlier version of the same document (kept on file)."""
    _require_editable(app)
    definition = definition_of(app)
    spec = document_spec(definition, code)
    if upload is None or not getattr(upload, "size", 0):
        raise PrachaError("document_empty", fields={code: "document_empty"})
    name = (getattr(upload, "name", "") or code).rsplit("/", 1)[-1][:200]
    max_mb = getattr(spec, "max_mb", None) or 5
    if upload.size > max_mb * MB:
        raise PrachaError("document_too_large", fields={code: "document_too_large"}, file=name, max_mb=max_mb)
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    allowed = _accepted(spec)
    if kind is None or kind.mime not in allowed:
        raise PrachaError(
            "document_type_not_allowed",
            fields={code: "document_type_not_allowed"},
            file=name,
            accept=", ".join(x.upper() for x in spec.accept or ("pdf",)),
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    now = timezone.now()
    with transaction.atomic():
        _replace(app, code, now)
        doc = Document(
            application=app,
            code=code,
            source=Document.Source.UPLOAD,
            filename=name,
            content_type=kind.mime,
            size=upload.size,
            sha256=digest.hexdigest(),
            added_at=now,
        )
        doc.file.save(f"{app.pk}-{code}.{allowed[kind.mime]}", upload, save=False)
        doc.save()
        _touch(app, "documents" if app.is_draft else "")
        record(
            "applications.document_added",
            app,
            {"code": code, "source": "upload", "sha256": doc.sha256, "size": doc.size},
            actor=f"user:{actor.pk}" if actor else None,
        )
    return doc


def agreement_code(spec: Any) -> str:
    """The consent agreement a fetch relies on (contract E: eservice.<exchange service code>)."""
    return f"eservice.{spec.fetch.service}"


def fetch_purpose(app: Application) -> str:
    """The purpose of a fetch, as the hub's grant names it and the person's "my data" page shows it:
    the e-service's code (each service asks for its own grant: purpose limitation, decision 0853)."""
    return app.service_code


def fetch_document(app: Application, code: str, user: User, *, consent: bool) -> Document:
    """Fetch a declared document through the data exchange instead of an upload (once-only). When the
    definition asks for the applicant's consent, it is given here (only with `consent` ticked) and
    recorded by the consent app; the hub then checks it like any other call."""
    _require_editable(app)
    definition = definition_of(app)
    spec = document_spec(definition, code)
    fetch = getattr(spec, "fetch", None)
    name = forms.local(spec.name)
    if fetch is None:
        raise PrachaError("document_not_fetchable", fields={code: "document_not_fetchable"}, name=name)
    person = app.applicant
    # A definition may fetch someone else's record named in the form (e.g. the worker to trace).
    own = not fetch.id_field
    id_number = person.id_number if own else str(app.data.get(fetch.id_field) or "")
    if not id_number:
        if own:
            raise PrachaError("no_id_number_for_fetch", fields={code: "no_id_number_for_fetch"})
        raise PrachaError("form_incomplete", fields={fetch.id_field: "service_form_required"})
    # Asked once: consent already in force for this record (another document, an earlier
    # application) is not asked for again.
    if fetch.consent and own and not consent_given(person, spec):
        if not consent:
            provider = provider_name(fetch.service)
            raise PrachaError(
                "consent_needed_for_fetch",
                fields={code: "consent_needed_for_fetch"},
                name=name,
                agency=provider,
            )
        consent_services.give(person, agreement_code(spec), channel="web", actor=user)
    try:
        result = exchange.fetch(
            consumer_agency=app.agency,
            service_code=fetch.service,
            id_number=id_number,
            purpose=fetch_purpose(app),
            fields=list(fetch.fields) or None,
            person=person if own else None,
            actor=user,
        )
    except PrachaError as exc:
        detail = render_message(exc.code, **exc.params)
        raise PrachaError(
            "fetch_refused", status=exc.status, fields={code: exc.code}, name=name, detail=detail
        ) from exc
    now = timezone.now()
    with transaction.atomic():
        _replace(app, code, now)
        doc = Document.objects.create(
            application=app,
            code=code,
            source=Document.Source.FETCHED,
            fetched_data=result.data,
            provider=result.provider_agency,
            exchange_service=result.service_code,
            transaction_id=str(result.transaction_id),
            added_at=result.fetched_at or now,
        )
        _touch(app, "documents" if app.is_draft else "")
        record(
            "applications.document_fetched",
            app,
            {"code": code, "service": result.service_code, "transaction": doc.transaction_id},
            actor=f"user:{user.pk}",
        )
    return doc


def consent_given(person: Person, spec: Any) -> bool:
    return bool(consent_services.has_consent(person, agreement_code(spec)))


def provider_name(service_code: str) -> str:
    """The agency that keeps the record an exchange service gives (for the consent question)."""
    try:
        return str(exchange.get_service(service_code).provider.agency.name)
    except PrachaError:
        return service_code


def fetched_rows(doc: Document) -> list[tuple[str, str]]:
    """What a fetched document holds, as (label, value) in the active language: the provider's own
    field names from the exchange directory; an address is one line."""
    try:
        service = exchange.get_service(doc.exchange_service)
    except PrachaError:
        service = None
    rows = []
    for name, value in doc.fetched_data.items():
        if isinstance(value, dict):
            value = _address_text(value)
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        label = service.field_label(name) if service is not None else name
        rows.append((label or name, "" if value is None else str(value)))
    return rows


def _address_text(address: dict) -> str:
    """A registry address (codes for the place) as one line with the place's names."""
    parts = [str(address[k]) for k in ("house_no", "moo", "road") if address.get(k)]
    code = address.get("subdistrict_code")
    try:
        place = agencies.locate(str(code)) if code else None
    except PrachaError:
        place = None
    if place is None:
        parts += [str(v) for k, v in address.items() if k.endswith("_code") and v]
    else:
        parts += [str(place["subdistrict"]), str(place["district"]), str(place["province"])]
        parts += place["postal_codes"][:1]
    return " ".join(parts)


def remove_document(app: Application, code: str, *, actor: User) -> None:
    _require_editable(app)
    with transaction.atomic():
        _replace(app, code, timezone.now())
        _touch(app)
        record("applications.document_removed", app, {"code": code}, actor=f"user:{actor.pk}")


def missing_documents(app: Application, definition: Any) -> list[Any]:
    have = current_documents(app)
    return [d for d in definition.documents if d.required and d.code not in have]


# --- Fees --------------------------------------------------------------------------------------------


def _invoice(app: Application, definition: Any, due: str) -> Any:
    """The open or paid invoice of the fees due at `due`, creating it the first time."""
    fees = fees_due(definition, due, app.data)
    if not fees:
        return None
    codes = {f.code for f, _amount in fees}
    for inv in payments.invoices_for(app.subject).order_by("-id"):
        if inv.status in ("open", "paid", "held") and _invoice_codes(inv) == codes:
            return inv
    items = [payments.InvoiceItem(code=f.code, label=dict(f.name), amount=amount) for f, amount in fees]
    return payments.create_invoice(
        agency=app.agency,
        payer=app.applicant,
        payer_name=person_name(app.applicant),
        subject=app.subject,
        items=items,
        description={
            "th": f"{definition.name['th']} {app.reference or ''}".strip(),
            "en": f"{definition.name['en']} {app.reference or ''}".strip(),
        },
    )


def invoice_link(invoice: Any, user: User) -> payments.SubjectLink | None:
    """The invoice page's link back to its application: the applicant's own page (the wizard's fee
    step while still a draft), or the officer's page for an officer who may see the application;
    nothing for anyone else (an officer never learns of another agency's or an unsent application)."""
    app = _with_related(Application.objects.filter(pk=int(invoice.subject_id))).first()
    if app is None:
        return None
    if user.person_id is not None and app.applicant_id == user.person_id:
        if app.is_draft:
            return payments.SubjectLink(
                reverse("applications:wizard", args=[app.pk, "payment"]), _("Back to your application")
            )
        return payments.SubjectLink(
            reverse("applications:status", kwargs={"reference": app.reference}),
            _("Back to application %(ref)s") % {"ref": app.reference},
        )
    if not app.is_draft and _officer_may_see(user, app):
        return payments.SubjectLink(
            reverse("applications:officer_application", args=[app.pk]),
            _("Open application %(ref)s") % {"ref": app.reference},
        )
    return None


def _invoice_codes(invoice: Any) -> set[str]:
    return {item.code for item in invoice.items.all()} if hasattr(invoice, "items") else set()


def submit_invoice(app: Application) -> Any:
    """The invoice of the fees due on submitting (None when there are none)."""
    if not app.is_draft:
        raise PrachaError("application_not_draft", status=409)
    return _invoice(app, definition_of(app), "on_submit")


def invoices_of(app: Application) -> list[Any]:
    return list(payments.invoices_for(app.subject).order_by("id"))


def _submit_fee_paid(app: Application, definition: Any) -> None:
    if not fees_due(definition, "on_submit"):
        return
    invoice = _invoice(app, definition, "on_submit")
    if invoice.status != "paid":
        raise PrachaError("fee_not_paid", status=402, amount=invoice.total, invoice=invoice.number)


# --- Submitting and correcting --------------------------------------------------------------------


def check_complete(app: Application, definition: Any) -> None:
    """Refuse (400, fields) an application whose form or required documents are incomplete."""
    fields = form_errors(app, definition)
    for doc in missing_documents(app, definition):
        fields[doc.code] = "document_required"
    if fields:
        raise PrachaError("form_incomplete", fields=fields)


def submit(app: Application, user: User) -> Application:
    """Submit a complete draft: opens the workflow case (the service's own time limits per step)."""
    if not app.is_draft:
        raise PrachaError("application_not_draft", status=409)
    definition = definition_of(app)
    check_complete(app, definition)
    _submit_fee_paid(app, definition)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=app.pk)
        if not locked.is_draft:
            raise PrachaError("application_not_draft", status=409)
        case = workflow.start_case(
            PROCESS,
            agency=app.agency,
            title=forms.local(definition.name)[:300],
            actor=user,
            applicant=app.applicant,
            subject=app.subject,
            data={
                "service": app.service_code,
                "version": app.service_version,
                "version_pk": app.service_version_pk,
            },
            time_limits=step_limits(definition),
        )
        now = timezone.now()
        app.case = case
        app.reference = case.reference
        app.status = Application.Status.SUBMITTED
        app.submitted_at = now
        app.updated_at = now
        app.step = ""
        app.save(update_fields=["case", "reference", "status", "submitted_at", "updated_at", "step"])
        record(
            "applications.submitted",
            app,
            {"reference": app.reference, "service": app.service_code, "version": app.service_version},
            actor=f"user:{user.pk}",
        )
    return app


def resubmit(app: Application, user: User) -> Application:
    """Send a corrected application back to the agency (it is checked again from the start)."""
    if app.case is None or app.case.state != "correction":
        raise PrachaError("application_not_in_correction", status=409)
    definition = definition_of(app)
    check_complete(app, definition)
    _take(app, "resubmit", actor=user, as_applicant=True)
    return app


def withdraw(app: Application, user: User, reason: str = "") -> Application:
    """The applicant withdraws a submitted application (a draft is simply deleted)."""
    if app.is_draft:
        with transaction.atomic():
            record("applications.draft_deleted", app, {"service": app.service_code}, actor=f"user:{user.pk}")
            for doc in app.documents.all():
                doc.file.delete(save=False) if doc.file else None
            app.delete()
        return app
    with transaction.atomic():
        _take(app, "withdraw", actor=user, reason=reason, as_applicant=True)
        _cancel_open_invoices(app, user, reason or "withdrawn")
    return app


# --- Moving the case -----------------------------------------------------------------------------


def system_user() -> User:
    """The platform's own actor for the steps no person takes (a fee settled, a licence signed). It
    cannot sign in: inactive, no usable password (decision 0851)."""
    # get_or_create: two job workers may need it first at the same moment.
    user, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "first_name": "Pracha e-services",
            "is_active": False,
            "is_superuser": True,
            "password": make_password(None),
        },
    )
    return user


def _take(
    app: Application,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    as_applicant: bool = False,
    data: dict | None = None,
) -> Case:
    """Take a workflow action and time the step it ends, in one transaction."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=app.case_id)
        state, entered, deadline = case.state, case.state_entered_at, case.state_deadline
        workflow.take_action(case, action, actor=actor, reason=reason, as_applicant=as_applicant, data=data)
        StepRecord.objects.create(
            application=app,
            service_code=app.service_code,
            agency_id=app.agency_id,
            state=state,
            action=action,
            entered_at=entered,
            left_at=case.state_entered_at,
            deadline=deadline,
            agency_step=state not in APPLICANT_STATES,
        )
        app.case = case
        app.updated_at = case.state_entered_at
        app.save(update_fields=["updated_at"])
    return case


def officer_actions(app: Application, user: User) -> list[Any]:
    """The workflow actions this officer may take on the application now (from the officer pages)."""
    if app.case is None:
        return []
    return [a for a in workflow.available_actions(app.case, user) if a.code in OFFICER_ACTIONS]


def act(app: Application, action: str, user: User, reason: str = "") -> Application:
    """An officer's step: check, recommend, approve, send back for correction, reject... Approving
    invoices the fee due on approval, or goes straight on to issuing when there is none."""
    if action not in OFFICER_ACTIONS:
        raise PrachaError("unknown_action", status=400, action=action)
    if app.case is None:
        raise PrachaError("not_found", status=404)
    with transaction.atomic():
        _take(app, action, actor=user, reason=reason)
        if action in ("approve", "reject"):
            app.decided_by = user
            app.decided_at = timezone.now()
            app.save(update_fields=["decided_by", "decided_at"])
        if action == "approve":
            _after_approval(app)
        elif action in ("reject", "lapse"):
            _cancel_open_invoices(app, user, reason)
    return app


def _after_approval(app: Application) -> None:
    definition = definition_of(app)
    invoice = _invoice(app, definition, "on_approval")
    if invoice is None:
        _take(app, "no_fee_due", actor=system_user())
        enqueue("applications.issue", {"application": app.pk})
    elif invoice.status == "paid":  # settled before the approval was recorded (should not happen)
        _take(app, "paid", actor=system_user(), data={"invoice": invoice.number})
        enqueue("applications.issue", {"application": app.pk})


def _cancel_open_invoices(app: Application, user: User, reason: str) -> None:
    for invoice in payments.invoices_for(app.subject).filter(status="open"):
        payments.cancel_invoice(invoice, actor=user, reason=reason or "application closed")


def settled(invoice: Any) -> None:
    """Payments' settlement hook for "applications.application": a fee due on approval was paid, so
    the licence can be issued. A fee due on submit needs nothing here (the wizard sees it paid)."""
    app = Application.objects.select_related("case").filter(pk=int(invoice.subject_id)).first()
    if app is None or app.case is None or app.case.state != "awaiting_payment":
        return
    definition = definition_of(app)
    approval_codes = {f.code for f, _amount in fees_due(definition, "on_approval", app.data)}
    if not _invoice_codes(invoice) & approval_codes:
        return
    with transaction.atomic():
        _take(app, "paid", actor=system_user(), data={"invoice": invoice.number})
        enqueue("applications.issue", {"application": app.pk})


def certificate_claims(app: Application, definition: Any) -> tuple[dict, dict]:
    """The certificate's fields (as the applicant gave them) and their Thai/English labels."""
    props = forms.schema_of(definition).get("properties") or {}
    claims, labels = {}, {}
    for name in definition.certificate.fields:
        value = app.data.get(name)
        choices = dict(forms._choices(props.get(name) or {}))
        claims[name] = choices.get(str(value), value) if value is not None else ""
        label = (props.get(name) or {}).get("x-label") or {"th": name, "en": name}
        labels[name] = dict(label)
    return claims, labels


@job("applications.issue")
def issue_job(payload: dict) -> str:
    app = Application.objects.select_related("case", "agency", "applicant").get(pk=payload["application"])
    return issue(app)


def issue(app: Application) -> str:
    """Issue the licence of an approved, paid application (signed PDF and JWS) and complete it."""
    if app.case is None or app.case.state != "issuing":
        return "not issuing"
    definition = definition_of(app)
    certificate = getattr(definition, "certificate", None)
    with transaction.atomic():
        if certificate is None:
            _take(app, "finished", actor=system_user())
            _notify_done(app, definition, None)
            return "completed without a certificate"
        claims, labels = certificate_claims(app, definition)
        today = timezone.now().astimezone(BANGKOK).date()
        credential = credentials.issue(
            agency=app.agency,
            kind=certificate.kind,
            title=dict(certificate.title),
            holder=app.applicant,
            holder_name=person_name(app.applicant),
            claims=claims,
            subject=app.subject,
            claim_labels=labels,
            valid_from=today,
            valid_until=certificate.valid_until(today),
            reference=app.reference or "",
        )
        app.credential_id = str(credential.public_id)
        app.save(update_fields=["credential_id"])
        _take(app, "issued", actor=system_user(), data={"credential": app.credential_id})
        _notify_done(app, definition, credential)
    return f"issued {app.credential_id}"


def _notify_done(app: Application, definition: Any, credential: Any) -> None:
    user = identity.user_of_person(app.applicant_id)
    if user is None:
        return
    link = reverse("applications:status", kwargs={"reference": app.reference})
    subject = wf_messages.both(
        lambda lang: _("Your application %(ref)s is complete") % {"ref": app.reference}
    )
    if credential is not None:
        body = wf_messages.both(
            lambda lang: (
                _("%(service)s: your licence is issued. Download it at %(link)s")
                % {
                    "service": definition.name.get(lang) or definition.name["th"],
                    "link": link,
                }
            )
        )
    else:
        body = wf_messages.both(
            lambda lang: (
                _("%(service)s: the agency has completed your application. Details: %(link)s")
                % {"service": definition.name.get(lang) or definition.name["th"], "link": link}
            )
        )
    notify_user(user, subject=subject, body=body, related=app.case)


def credential_of(app: Application) -> Any:
    if not app.credential_id:
        return None
    return credentials.credentials_for(app.subject).order_by("-id").first()


# --- Messages ------------------------------------------------------------------------------------


def post_message(app: Application, user: User, text: str) -> Message:
    """A message in the application's thread, from its applicant or an officer who may see it."""
    text = (text or "").strip()
    if not text:
        raise PrachaError("message_required", fields={"text": "message_required"})
    if len(text) > MESSAGE_MAX:
        raise PrachaError("message_too_long", fields={"text": "message_too_long"}, max=MESSAGE_MAX)
    from_officer = app.applicant_id != user.person_id
    if from_officer and not _officer_may_see(user, app):
        raise PrachaError("not_found", status=404)
    with transaction.atomic():
        msg = Message.objects.create(
            application=app,
            author=user,
            author_label=(user.get_full_name() or user.username)[:200],
            from_officer=from_officer,
            text=text,
        )
        record(
            "applications.message", app, {"from_officer": from_officer, "id": msg.pk}, actor=f"user:{user.pk}"
        )
        ref = app.reference or str(app.pk)
        subject = wf_messages.both(lambda lang: _("New message about application %(ref)s") % {"ref": ref})
        body = wf_messages.both(lambda lang: text)
        targets = (
            [identity.user_of_person(app.applicant_id)] if from_officer else message_recipients(app.case)
        )
        for target in targets:
            if target is not None:
                notify_user(target, subject=subject, body=body, related=app.case)
    return msg


def message_recipients(case: Case | None) -> list[User]:
    """Who hears of an applicant's message: the assigned officer; with none assigned, the holding
    unit's case officers (its supervisors when it has no case officer), so that it is never unread."""
    if case is None:
        return []  # a draft: no agency holds it yet
    if case.assigned_officer_id is not None:
        return [case.assigned_officer]
    if case.contact_point_id is None:
        return []
    for role in (Role.CASE_OFFICER, Role.SUPERVISOR):
        officers = list(identity.officers_with_role(case.contact_point_id, role).order_by("pk"))
        if officers:
            return officers
    return []


def messages_of(app: Application) -> QuerySet[Message]:
    return app.messages.order_by("at", "id")


# --- Step timing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepTiming:
    state: str
    name: Any
    entered_at: dt.datetime
    left_at: dt.datetime | None  # None: the current step
    deadline: dt.datetime | None
    limit: TimeLimit | None
    taken: str  # how long it took (or has taken so far), in the limit's unit
    within: bool | None  # None: no limit
    applicant_step: bool

    @property
    def limit_text(self) -> str:
        return describe_limit(self.limit)


def describe_limit(limit: TimeLimit | None) -> str:
    if limit is None:
        return ""
    amount = f"{limit.amount.normalize():f}"
    return {
        "working_days": _("%(n)s working days"),
        "days": _("%(n)s days"),
        "hours": _("%(n)s hours"),
        "working_hours": _("%(n)s working hours"),
    }[limit.unit] % {"n": amount}


def _taken(start: dt.datetime, end: dt.datetime, limit: TimeLimit | None) -> str:
    cal = default_calendar()
    unit = limit.unit if limit else "working_days"
    if unit in ("working_days", "working_hours"):
        seconds = cal.working_seconds_between(start, end)
        if unit == "working_days":
            return describe_limit(
                TimeLimit(Decimal(str(round(seconds / cal.seconds_per_day, 1))), "working_days")
            )
        return describe_limit(TimeLimit(Decimal(str(round(seconds / 3600, 1))), "working_hours"))
    seconds = (end - start).total_seconds()
    if unit == "days":
        return describe_limit(TimeLimit(Decimal(str(round(seconds / 86400, 1))), "days"))
    return describe_limit(TimeLimit(Decimal(str(round(seconds / 3600, 1))), "hours"))


def state_limit(case: Case, state: str) -> TimeLimit | None:
    override = (case.time_limits or {}).get(state)
    if override:
        return TimeLimit.parse(override)
    found = case.definition.states.get(state)
    return found.time_limit if found else None


def step_timings(app: Application, now: dt.datetime | None = None) -> list[StepTiming]:
    """Each step the application went through, with its statutory limit and the time it took."""
    if app.case is None:
        return []
    now = now or timezone.now()
    case = app.case
    states = case.definition.states
    rows = []
    # A service with no fee due on approval passes through "awaiting payment" at once: not a step
    # the citizen should see (with a 30-day limit) on the status page.
    no_fee_step = definition_of(app).fee_total("on_approval", app.data) == 0
    for step in app.steps.order_by("entered_at", "id"):
        if no_fee_step and step.state == "awaiting_payment":
            continue
        limit = state_limit(case, step.state)
        rows.append(
            StepTiming(
                step.state,
                states[step.state].name if step.state in states else step.state,
                step.entered_at,
                step.left_at,
                step.deadline,
                limit,
                _taken(step.entered_at, step.left_at, limit),
                step.within_limit,
                not step.agency_step,
            )
        )
    if case.closed_at is None:
        limit = state_limit(case, case.state)
        rows.append(
            StepTiming(
                case.state,
                case.state_name,
                case.state_entered_at,
                None,
                case.state_deadline,
                limit,
                _taken(case.state_entered_at, now, limit),
                None if case.state_deadline is None else now <= case.state_deadline,
                case.state in APPLICANT_STATES,
            )
        )
    return rows


def history(app: Application) -> list[dict]:
    """The case's timeline: what happened, when, by whom (officers by role, not by name)."""
    if app.case is None:
        return []
    rows = []
    for event in workflow.events_of(app.case):
        to = app.case.definition.states.get(event.to_state) if event.to_state != event.from_state else None
        rows.append(
            {
                "at": event.at,
                "label": workflow.event_label(app.case, event),
                "to": to.name if to else "",
                "reason": event.reason,
            }
        )
    return rows


def expected_end(app: Application) -> dt.datetime | None:
    """When the agency must finish (the case's statutory deadline); None while the clock is paused."""
    case = app.case
    if case is None or case.closed_at is not None or case.case_clock_paused_at is not None:
        return None
    return case.case_deadline


# --- Public compliance report ------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    service_code: str
    service_name: str
    agency: Any
    steps: int
    steps_within: int
    finished: int
    finished_within: int
    median_days: float | None

    @property
    def steps_share(self) -> float | None:
        return round(100 * self.steps_within / self.steps, 1) if self.steps else None

    @property
    def finished_share(self) -> float | None:
        return round(100 * self.finished_within / self.finished, 1) if self.finished else None


def compliance_report() -> list[ComplianceRow]:
    """Per service and agency: the share of the agency's steps and of the decided applications that
    kept to their statutory limit, and the median days from submission to decision. Counts only."""
    steps = (
        StepRecord.objects.filter(agency_step=True, deadline__isnull=False)
        .values("service_code", "agency_id")
        .annotate(n=Count("id"), within=Count("id", filter=Q(left_at__lte=F("deadline"))))
    )
    rows: dict[tuple[str, int], dict] = defaultdict(
        lambda: {"n": 0, "within": 0, "finished": 0, "ok": 0, "days": []}
    )
    for r in steps:
        rows[(r["service_code"], r["agency_id"])].update(n=r["n"], within=r["within"])
    decided = Application.objects.filter(
        status=Application.Status.SUBMITTED,
        case__closed_at__isnull=False,
        case__state__in=("completed", "rejected"),
    ).values_list("service_code", "agency_id", "submitted_at", "case__closed_at", "case__case_deadline")
    for code, agency_id, submitted, closed, deadline in decided.iterator():
        row = rows[(code, agency_id)]
        row["finished"] += 1
        row["ok"] += deadline is None or closed <= deadline
        row["days"].append((closed - submitted).total_seconds() / 86400)
    names = {a.pk: a for a in agencies_by_id({k[1] for k in rows})}
    out = []
    for (code, agency_id), r in sorted(rows.items()):
        try:
            name = forms.local(get_definition(code).name)
        except PrachaError:
            name = code
        out.append(
            ComplianceRow(
                code,
                name,
                names.get(agency_id),
                r["n"],
                r["within"],
                r["finished"],
                r["ok"],
                round(statistics.median(r["days"]), 1) if r["days"] else None,
            )
        )
    return out


def agencies_by_id(ids: set[int]) -> list[Agency]:
    return list(Agency.objects.filter(pk__in=ids))
