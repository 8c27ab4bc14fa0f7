"""Credentials API (/api/credentials).

GET  /api/credentials/jwks                the agencies' public JWS keys (current and retired)
GET  /api/credentials/jwks/{agency}       one agency's keys (also the `iss` of its credentials)
GET  /api/credentials/root-ca.pem         the platform root CA that PDF signatures chain to
POST /api/credentials/verify              multipart `pdf` file, or JSON/form {"jws": "..."}
GET  /api/credentials/{public_id}/status  the registry status (what the QR code leads to)
GET  /api/credentials/{public_id}/pdf     the signed PDF (holder or an officer of the agency)
POST /api/credentials/{public_id}/revoke  {"reason": "..."} (supervisor or agency admin of the agency)
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError

from . import keys, services

router = Router()


class RevokeIn(Schema):
    reason: str = Field(min_length=3, max_length=2000, examples=["Licence withdrawn by order no. 12/2569"])


@router.get("/jwks", summary="Public keys of every agency (JWKS)")
def jwks(request: HttpRequest) -> dict:
    return keys.jwks()


@router.get("/jwks/{code}", summary="Public keys of one agency (JWKS)")
def agency_jwks(request: HttpRequest, code: str) -> dict:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise PrachaError("unknown_agency", status=404, code=code[:40])
    return keys.jwks(agency)


@router.get("/root-ca.pem", summary="The platform root CA certificate (PEM)")
def root_ca(request: HttpRequest) -> HttpResponse:
    return HttpResponse(services.certificate_pem(keys.root_key()), content_type="application/x-pem-file")


@router.post(
    "/verify",
    summary='Verify a credential: multipart with a PDF file in field `pdf`, or JSON/form {"jws": "..."}',
)
def verify(request: HttpRequest) -> dict[str, Any]:
    # Read by hand: the body is either multipart with a file or JSON, which one signature cannot declare.
    pdf = request.FILES.get("pdf")
    if pdf is not None:
        return services.verify_pdf(pdf.read()).public()
    token = request.POST.get("jws")
    if token is None and request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise PrachaError("malformed_json", detail=str(exc)) from exc
        token = body.get("jws") if isinstance(body, dict) else None
    if not token:
        raise PrachaError("credential_verify_input_required", fields={"pdf": "required", "jws": "required"})
    return services.verify_jws(str(token)).public()


@router.get("/{public_id}/status", summary="Registry status of a credential")
def status(request: HttpRequest, public_id: str) -> dict[str, Any]:
    result = services.verify_id(public_id)
    if result.credential is None:
        raise PrachaError("credential_not_found", status=404, public_id=public_id[:40])
    return result.public()


@router.get("/{public_id}/pdf", auth=django_auth, summary="Download the signed PDF")
def pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    credential = services.get_credential(public_id)
    if not services.may_download(request.user, credential):
        raise PrachaError("permission_denied", status=403)
    response = HttpResponse(credential.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{credential.kind}-{credential.public_id}.pdf"'
    return response


@router.post("/{public_id}/revoke", auth=django_auth, summary="Revoke a credential with a reason")
def revoke(request: HttpRequest, public_id: str, payload: RevokeIn) -> dict[str, Any]:
    credential = services.get_credential(public_id)
    if not services.may_revoke(request.user, credential):
        raise PrachaError("permission_denied", status=403)
    services.revoke(credential, actor=request.user, reason=payload.reason)
    return services.verify_id(credential.public_id).public()
