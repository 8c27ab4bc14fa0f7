"""Pages: public verification (PDF, QR photo, JWS, or the page a QR opens), the holder's credentials,
downloads, and the officers' list with revocation. Thin: services.py does the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pracha.core.errors import PrachaError, render_message
from pracha.identity.services import scope

from . import services
from .forms import RevokeForm, VerifyForm
from .models import Credential
from .render import claim_text

PAGE_SIZE = 25


def _result_context(verification: services.Verification) -> dict:
    credential = verification.credential
    lang = "en" if get_language() == "en" else "th"
    rows = []
    if credential is not None:
        rows = [
            (label.get(lang) or label.get("th"), claim_text(value, lang))
            for label, value in credential.labelled_claims
        ]
    return {"verification": verification, "credential": credential, "claim_rows": rows}


def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF or a photo of the QR, or paste a JWS; the answer is shown on the same page."""
    if request.method != "POST":
        return render(request, "credentials/verify.html", {"form": VerifyForm()})
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "credentials/verify.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        if data.get("pdf"):
            result = services.verify_pdf(data["pdf"].read())
        elif data.get("image"):
            result = services.verify_qr_image(data["image"].read())
        else:
            result = services.verify_jws(data["jws"])
    except PrachaError as exc:
        field = next(iter(exc.fields), None)
        form.add_error(field if field in form.fields else None, render_message(exc.code, **exc.params))
        return render(request, "credentials/verify.html", {"form": form}, status=exc.status)
    return render(request, "credentials/verify.html", {"form": VerifyForm(), **_result_context(result)})


def verify_id(request: HttpRequest, public_id: str) -> HttpResponse:
    """What the QR code on a licence opens: the registry's answer for that verification ID."""
    result = services.verify_id(public_id)
    status = 404 if result.credential is None else 200
    return render(
        request,
        "credentials/verify_id.html",
        {**_result_context(result), "public_id": public_id},
        status=status,
    )


def _downloadable(request: HttpRequest, public_id: str) -> Credential:
    credential = services.get_credential(public_id)
    if not services.may_download(request.user, credential):
        raise PermissionDenied
    return credential


@login_required
def download_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        credential = _downloadable(request, public_id)
    except PrachaError as exc:
        return render(request, "credentials/not_found.html", {"public_id": public_id}, status=exc.status)
    response = HttpResponse(credential.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{credential.kind}-{credential.public_id}.pdf"'
    return response


@login_required
def download_jws(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        credential = _downloadable(request, public_id)
    except PrachaError as exc:
        return render(request, "credentials/not_found.html", {"public_id": public_id}, status=exc.status)
    response = HttpResponse(credential.jws, content_type="application/jose")
    response["Content-Disposition"] = f'attachment; filename="{credential.kind}-{credential.public_id}.jws"'
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in person's licences and certificates."""
    person = request.user.person
    found = services.credentials_of(person) if person else Credential.objects.none()
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "credentials/mine.html", {"page": page})


@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    """Credentials issued by the agencies the officer works for; search by ID, reference or holder."""
    if not request.user.is_officer:
        raise PermissionDenied
    found = scope(Credential.objects.select_related("agency"), request.user)
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        found = found.filter(
            Q(public_id=query.lower()) | Q(reference__icontains=query) | Q(holder_name__icontains=query)
        )
    page = Paginator(found.defer("pdf_data", "jws"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "credentials/officer_list.html", {"page": page, "q": query})


@login_required
def revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        credential = services.get_credential(public_id)
    except PrachaError as exc:
        return render(request, "credentials/not_found.html", {"public_id": public_id}, status=exc.status)
    if not services.may_revoke(request.user, credential):
        raise PermissionDenied
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke(credential, actor=request.user, reason=form.cleaned_data["reason"])
        except PrachaError as exc:
            form.add_error(None, render_message(exc.code, **exc.params))
        else:
            messages.success(request, _("The credential %(id)s is revoked.") % {"id": credential.public_id})
            return redirect("credentials:verify_id", public_id=credential.public_id)
    status = 400 if form.errors else 200
    return render(request, "credentials/revoke.html", {"form": form, "credential": credential}, status=status)
