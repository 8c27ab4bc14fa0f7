"""The hub's machine interface for agency systems, authenticated by a client-credentials Bearer token.

    GET  /exchange/hub/<service_code>/<id_number>?purpose=<code>&fields=a,b   one person's record
    POST /exchange/hub/batches/        {"service", "purpose", "fields", "ids" | "changed_since", "format"}
    GET  /exchange/hub/batches/<id>/   progress
    GET  /exchange/hub/batches/<id>/file   the file, streamed

Plain Django views (no Ninja): the real-time call is the hot path, and every answer is the one
error format anyway (decision 1302).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from pracha.core.errors import PrachaError

from . import batch
from .calls import call, parse_fields
from .models import BatchExtract, Member
from .services import caller_for_member, member_for_client


def _error(exc: PrachaError) -> JsonResponse:
    response = JsonResponse(exc.payload(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _member(request: HttpRequest, scope: str = "exchange") -> Member:
    scheme, _sp, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise PrachaError("exchange_token_invalid", status=401)
    from pracha.identity.oidc import client_for_access_token

    identity = client_for_access_token(token.strip())
    if identity is None:
        raise PrachaError("exchange_token_invalid", status=401)
    if not identity.has_scope(scope):
        raise PrachaError("exchange_scope_required", status=403, scope=scope)
    member = member_for_client(identity.client_id)
    # The token's agency must be the member's: a client re-used by another agency is not that member.
    if member is None or member.agency.code != identity.agency_code:
        raise PrachaError("exchange_not_member", status=403)
    return member


@require_GET
def hub_call(request: HttpRequest, service_code: str, id_number: str) -> JsonResponse:
    try:
        caller = caller_for_member(_member(request))
        result = call(
            caller,
            service_code=service_code,
            id_number=id_number,
            purpose=request.GET.get("purpose", ""),
            fields=parse_fields(request.GET.get("fields")),
        )
    except PrachaError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "service": result.service_code,
            "provider": result.provider_agency.code,
            "transaction_id": result.transaction_id,
            "fetched_at": result.fetched_at.isoformat(),
            "data": result.data,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _extract_json(request: HttpRequest, extract: BatchExtract) -> dict:
    return {
        "id": extract.pk,
        "status": extract.status,
        "service": extract.grant.service.code,
        "purpose": extract.purpose,
        "fields": extract.fields,
        "format": extract.format,
        "records_done": extract.records_done,
        "records_total": extract.records_total,
        "progress_percent": extract.progress_percent,
        "error": extract.error,
        "file_url": request.build_absolute_uri(reverse("exchange:hub_batch_file", args=[extract.pk]))
        if extract.status == BatchExtract.Status.DONE
        else None,
    }


@csrf_exempt  # a machine endpoint: authenticated by its Bearer token, never by a cookie
@require_POST
def hub_batch_create(request: HttpRequest) -> JsonResponse:
    try:
        member = _member(request, "exchange.batch")
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise PrachaError("malformed_json", detail=str(exc)) from exc
        if not isinstance(body, dict):
            raise PrachaError("malformed_json", detail="not an object")
        since = body.get("changed_since")
        changed_since = parse_datetime(since) if since else None
        if since and changed_since is None:
            raise PrachaError("validation_error", fields={"changed_since": "invalid"})
        ids = body.get("ids")
        if ids is not None and not isinstance(ids, list):
            raise PrachaError("exchange_batch_ids_invalid", fields={"ids": "invalid"})
        extract = batch.request_extract(
            member=member,
            service_code=str(body.get("service", "")),
            purpose=str(body.get("purpose", "")),
            fields=body.get("fields"),
            ids=ids,
            changed_since=changed_since,
            file_format=str(body.get("format", "csv")),
        )
    except PrachaError as exc:
        return _error(exc)
    return JsonResponse(_extract_json(request, extract), status=202)


def _own_extract(request: HttpRequest, pk: int) -> BatchExtract:
    member = _member(request, "exchange.batch")
    extract = BatchExtract.objects.select_related("grant__service").filter(pk=pk, consumer=member).first()
    if extract is None:
        raise PrachaError("not_found", status=404)
    return extract


@require_GET
def hub_batch_status(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        return JsonResponse(_extract_json(request, _own_extract(request, pk)))
    except PrachaError as exc:
        return _error(exc)


def download(extract: BatchExtract) -> StreamingHttpResponse:
    content_type = "text/csv" if extract.format == BatchExtract.Format.CSV else "application/x-ndjson"
    response = StreamingHttpResponse(
        batch.file_chunks(extract), content_type=f"{content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{extract.filename}"'
    response["Content-Length"] = str(extract.bytes_written)
    return response


@require_GET
def hub_batch_file(request: HttpRequest, pk: int):
    try:
        extract = _own_extract(request, pk)
        if extract.status != BatchExtract.Status.DONE:
            raise PrachaError("exchange_batch_not_ready", status=409, done=extract.records_done)
    except PrachaError as exc:
        return _error(exc)
    return download(extract)
