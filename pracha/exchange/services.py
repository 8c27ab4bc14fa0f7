"""What other apps and the hub's own views call. Every state change is audited.

Roles: the hub administrator is the platform admin; an agency's admins register its systems, publish
its services, decide requests for its services and ask for access to others' services.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.audit.chain import current_actor, record
from pracha.core.errors import PrachaError
from pracha.core.thai_id import id_problem, normalize_id
from pracha.identity.models import Person, Role, User
from pracha.identity.services import is_platform_admin, roles_in_agency, visible_agency_ids

from . import notices
from .calls import Caller, FetchResult, call, forget_grants, parse_fields, person_ref
from .models import (
    AccessRequest,
    BatchExtract,
    Classification,
    Grant,
    LawfulBasis,
    Member,
    ProviderService,
    Transaction,
)
from .search import query_words, search_words

__all__ = [
    "FetchResult",
    "caller_for_member",
    "decide_member",
    "decide_request",
    "fetch",
    "issue_credentials",
    "member_for_client",
    "person_ref",
    "publish_service",
    "register_member",
    "request_access",
    "revoke_grant",
    "search_services",
    "transactions_visible_to",
    "uses_of_person",
]

SERVICE_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
PURPOSE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{2,59}$")


def _actor(user: User | None) -> str:
    return f"user:{user.pk}" if user is not None else current_actor.get()


def is_agency_admin(user: User, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    roles = roles_in_agency(user, agency_id)
    return Role.AGENCY_ADMIN in roles or Role.PLATFORM_ADMIN in roles


def _require_agency_admin(user: User, agency: Agency) -> None:
    if not is_agency_admin(user, agency):
        raise PrachaError("permission_denied", status=403)


def _require_hub_admin(user: User) -> None:
    if not is_platform_admin(user):
        raise PrachaError("permission_denied", status=403)


# --- Members ---------------------------------------------------------------------------------------


def register_member(
    *,
    agency: Agency,
    code: str,
    name: str,
    role: str,
    contact_email: str,
    description: str = "",
    actor: User,
) -> Member:
    """An agency admin registers one of the agency's systems; it waits for the hub administrator."""
    _require_agency_admin(actor, agency)
    fields = {}
    code = (code or "").strip().lower()
    if not re.match(r"^[a-z0-9][a-z0-9-]{2,59}$", code):
        fields["code"] = "invalid"
    if not (name or "").strip():
        fields["name"] = "required"
    if role not in Member.Role.values:
        fields["role"] = "invalid"
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", contact_email or ""):
        fields["contact_email"] = "email_invalid"
    if fields:
        raise PrachaError("validation_error", fields=fields)
    with transaction.atomic():
        if Member.objects.filter(code=code).exists():
            raise PrachaError("exchange_member_exists", status=409, fields={"code": "duplicate"}, code=code)
        member = Member.objects.create(
            agency=agency,
            code=code,
            name=name.strip(),
            role=role,
            contact_email=contact_email.strip(),
            description=(description or "").strip(),
            requested_by=actor,
        )
        record("exchange.member_registered", member, {"agency": agency.code, "role": role}, _actor(actor))
    return member


def decide_member(member: Member, *, approve: bool, actor: User, reason: str = "") -> Member:
    """The hub administrator approves or refuses a registration (a refusal needs a reason)."""
    _require_hub_admin(actor)
    if not approve and len((reason or "").strip()) < 3:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.status != Member.Status.PENDING:
            raise PrachaError("exchange_decision_made", status=409)
        member.status = Member.Status.APPROVED if approve else Member.Status.REFUSED
        member.decided_by, member.decided_at, member.decision_reason = actor, timezone.now(), reason.strip()
        member.save()
        record(
            "exchange.member_decided",
            member,
            {"status": member.status, "reason": member.decision_reason},
            _actor(actor),
        )
        notices.member_decided(member)
    return member


def set_member_suspended(member: Member, *, suspended: bool, actor: User, reason: str) -> Member:
    """The hub administrator suspends (or restores) an approved member: its calls are refused."""
    _require_hub_admin(actor)
    if len((reason or "").strip()) < 3:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    with transaction.atomic():
        member.status = Member.Status.SUSPENDED if suspended else Member.Status.APPROVED
        member.save(update_fields=["status"])
        record(
            "exchange.member_suspended" if suspended else "exchange.member_restored",
            member,
            {"reason": reason},
            _actor(actor),
        )
    _member_cache.clear()
    forget_grants()
    return member


def issue_credentials(member: Member, *, actor: User) -> tuple[str, str]:
    """Client credentials for an approved member (contract F). The secret is returned once, not kept."""
    _require_agency_admin(actor, member.agency)
    if member.status != Member.Status.APPROVED:
        raise PrachaError("exchange_not_member", status=409)
    try:
        from pracha.identity.oidc import create_system_client
    except ImportError as exc:
        raise PrachaError("exchange_credentials_unavailable", status=503) from exc
    client_id, secret = create_system_client(
        agency=member.agency, name=f"{member.name} ({member.code})", actor=actor
    )
    with transaction.atomic():
        member.client_id = client_id
        member.save(update_fields=["client_id"])
        record("exchange.credentials_issued", member, {"client_id": client_id}, _actor(actor))
    _member_cache.clear()
    return client_id, secret


# A token's member, kept briefly per process: a hub call must not cost a query for it each time.
# Suspension or new credentials clear this process's entries; other processes see them within TTL.
_MEMBER_TTL = 10.0
_member_cache: dict[str, tuple[float, Member]] = {}


def member_for_client(client_id: str) -> Member | None:
    """The approved member whose client credentials these are."""
    hit = _member_cache.get(client_id)
    now = time.monotonic()
    if hit and hit[0] > now:
        return hit[1]
    member = (
        Member.objects.select_related("agency")
        .filter(client_id=client_id, status=Member.Status.APPROVED)
        .first()
    )
    if member is not None:
        _member_cache[client_id] = (now + _MEMBER_TTL, member)
    return member


def caller_for_member(member: Member, *, channel: str = Transaction.Channel.API) -> Caller:
    if not member.may_consume:
        raise PrachaError("exchange_not_member", status=403)
    actor = f"client:{member.client_id}" if member.client_id else f"member:{member.code}"
    return Caller(members=[member], agency=member.agency, channel=channel, actor=actor)


# --- Services in the directory --------------------------------------------------------------------


def _clean_fields(fields: Iterable[dict]) -> list[dict]:
    cleaned = []
    for f in fields:
        name = str(f.get("name", "")).strip()
        if not re.match(r"^[a-z][a-z0-9_]{0,59}$", name):
            raise PrachaError("validation_error", fields={"fields": "invalid"})
        if f.get("classification") not in Classification.values:
            raise PrachaError("validation_error", fields={f"fields.{name}": "invalid"})
        cleaned.append(
            {
                "name": name,
                "classification": f["classification"],
                "th": f.get("th", ""),
                "en": f.get("en", ""),
            }
        )
    if not cleaned:
        raise PrachaError("exchange_fields_required", fields={"fields": "required"})
    return cleaned


def publish_service(
    *,
    provider: Member,
    code: str,
    name_th: str,
    name_en: str,
    base_url: str,
    fields: list[dict],
    lawful_basis: str,
    consent_agreement: str = "",
    summary_th: str = "",
    summary_en: str = "",
    record_path: str = "/v1/records/{id_number}",
    list_path: str = "/v1/extract",
    openapi: dict | None = None,
    api_key: str | None = None,
    actor: User | None = None,
) -> ProviderService:
    """Publish (or update) a provider's service in the directory. `actor` None: a system load (demo)."""
    if actor is not None:
        _require_agency_admin(actor, provider.agency)
    if not provider.may_provide:
        raise PrachaError("exchange_not_provider", status=403)
    if not SERVICE_CODE.match(code or ""):
        raise PrachaError("exchange_service_code_invalid", fields={"code": "invalid"})
    if lawful_basis not in LawfulBasis.values:
        raise PrachaError("validation_error", fields={"lawful_basis": "invalid"})
    if lawful_basis == LawfulBasis.CONSENT and not consent_agreement:
        raise PrachaError("validation_error", fields={"consent_agreement": "required"})
    if not (name_th or "").strip() or not (name_en or "").strip():
        raise PrachaError("validation_error", fields={"name_th" if not name_th else "name_en": "required"})
    if not re.match(r"^https?://", base_url or "") or "{id_number}" not in record_path:
        raise PrachaError("validation_error", fields={"base_url": "invalid"})
    if openapi is not None and not isinstance(openapi, dict):
        raise PrachaError(
            "exchange_openapi_invalid", fields={"openapi": "invalid"}, detail=type(openapi).__name__
        )
    values = {
        "name_th": name_th.strip(),
        "name_en": name_en.strip(),
        "summary_th": summary_th.strip(),
        "summary_en": summary_en.strip(),
        "provider": provider,
        "base_url": base_url.strip(),
        "record_path": record_path,
        "list_path": list_path,
        "openapi": openapi or {},
        "fields": _clean_fields(fields),
        "lawful_basis": lawful_basis,
        "consent_agreement": consent_agreement if lawful_basis == LawfulBasis.CONSENT else "",
        "active": True,
    }
    if api_key is not None:  # None keeps the stored key (an update that does not change it)
        values["api_key"] = api_key
    values["search_text"] = search_words(
        " ".join(
            [
                code,
                values["name_th"],
                values["name_en"],
                values["summary_th"],
                values["summary_en"],
                provider.agency.name_th,
                provider.agency.name_en,
                provider.agency.code,
            ]
        )
    )
    with transaction.atomic():
        existing = ProviderService.objects.select_for_update().filter(code=code).first()
        if existing is not None and existing.provider.agency_id != provider.agency_id:
            raise PrachaError("permission_denied", status=403)
        service, created = ProviderService.objects.update_or_create(code=code, defaults=values)
        record(
            "exchange.service_published" if created else "exchange.service_updated",
            service,
            {
                "provider": provider.code,
                "fields": {f["name"]: f["classification"] for f in values["fields"]},
                "lawful_basis": lawful_basis,
            },
            _actor(actor),
        )
    forget_grants()
    return service


def search_services(q: str = "") -> QuerySet[ProviderService]:
    """Active services whose code, names, summaries or provider match every word of the query
    (Thai words segmented with pythainlp, as they were when the service was published)."""
    found = ProviderService.objects.filter(active=True).select_related("provider__agency").order_by("code")
    for word in query_words(q):
        found = found.filter(search_text__contains=word)
    return found


def get_service(code: str) -> ProviderService:
    service = (
        ProviderService.objects.select_related("provider__agency").filter(code=code, active=True).first()
    )
    if service is None:
        raise PrachaError("exchange_unknown_service", status=404, code=code)
    return service


# --- Access requests and grants -------------------------------------------------------------------


def request_access(
    *,
    service: ProviderService,
    consumer: Member,
    purpose: str,
    purpose_text: str,
    fields: list[str],
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    actor: User | None,
    lawful_basis: str = "",
    consent_agreement: str = "",
) -> AccessRequest:
    """A consumer asks the data owner for a service, for a purpose, fields and a period, under a lawful
    basis (the service's usual one when not given; with consent, the agreement the hub checks)."""
    if actor is not None:
        _require_agency_admin(actor, consumer.agency)
    if not consumer.may_consume:
        raise PrachaError("exchange_not_member", status=403)
    errors = {}
    purpose = (purpose or "").strip().lower()
    if not PURPOSE_CODE.match(purpose):
        errors["purpose"] = "invalid"
    if len((purpose_text or "").strip()) < 10:
        errors["purpose_text"] = "purpose_required"
    if not fields:
        errors["fields"] = "exchange_fields_required"
    if errors:
        raise PrachaError(
            next(iter(errors.values())) if "fields" in errors else "validation_error", fields=errors
        )
    unknown = [f for f in fields if f not in service.field_names]
    if unknown:
        raise PrachaError("exchange_unknown_field", fields={"fields": "unknown"}, field=unknown[0])
    if not lawful_basis:
        lawful_basis, consent_agreement = service.lawful_basis, service.consent_agreement
    if lawful_basis not in LawfulBasis.values:
        raise PrachaError("validation_error", fields={"lawful_basis": "invalid"})
    if lawful_basis == LawfulBasis.CONSENT and not consent_agreement:
        raise PrachaError("validation_error", fields={"consent_agreement": "required"})
    if valid_until <= valid_from or valid_until <= timezone.now():
        raise PrachaError("exchange_period_invalid", fields={"valid_until": "invalid"})
    with transaction.atomic():
        req = AccessRequest.objects.create(
            service=service,
            consumer=consumer,
            purpose=purpose,
            purpose_text=purpose_text.strip(),
            fields=sorted(set(fields), key=service.field_names.index),
            lawful_basis=lawful_basis,
            consent_agreement=consent_agreement if lawful_basis == LawfulBasis.CONSENT else "",
            valid_from=valid_from,
            valid_until=valid_until,
            requested_by=actor,
        )
        record(
            "exchange.access_requested",
            req,
            {
                "service": service.code,
                "consumer": consumer.code,
                "purpose": purpose,
                "fields": req.fields,
                "lawful_basis": lawful_basis,
            },
            _actor(actor),
        )
        notices.request_received(req)
    return req


def decide_request(
    req: AccessRequest, *, approve: bool, actor: User | None, reason: str = ""
) -> Grant | None:
    """The owning agency's admin approves (a Grant opens) or refuses (with a reason) a request.
    `actor` None only for system loads (the demo)."""
    if actor is not None:
        _require_agency_admin(actor, req.service.provider.agency)
    if not approve and len((reason or "").strip()) < 3:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    with transaction.atomic():
        req = AccessRequest.objects.select_for_update().select_related("service", "consumer").get(pk=req.pk)
        if req.status != AccessRequest.Status.PENDING:
            raise PrachaError("exchange_decision_made", status=409)
        req.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.REFUSED
        req.decided_by, req.decided_at, req.decision_reason = actor, timezone.now(), (reason or "").strip()
        req.save()
        grant = None
        if approve:
            grant = Grant.objects.create(
                service=req.service,
                consumer=req.consumer,
                request=req,
                purpose=req.purpose,
                fields=req.fields,
                lawful_basis=req.lawful_basis,
                consent_agreement=req.consent_agreement,
                valid_from=req.valid_from,
                valid_until=req.valid_until,
            )
        record(
            "exchange.access_decided",
            req,
            {"status": req.status, "reason": req.decision_reason, "grant": grant.pk if grant else None},
            _actor(actor),
        )
        notices.request_decided(req)
    forget_grants()
    return grant


def revoke_grant(grant: Grant, *, actor: User, reason: str) -> Grant:
    """The data owner (or the hub administrator) closes a grant at once."""
    _require_agency_admin(actor, grant.service.provider.agency)
    if len((reason or "").strip()) < 3:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    with transaction.atomic():
        grant.revoked_at, grant.revoked_by, grant.revoke_reason = timezone.now(), actor, reason.strip()
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        record("exchange.grant_revoked", grant, {"reason": grant.revoke_reason}, _actor(actor))
    forget_grants()
    return grant


# --- Calls ------------------------------------------------------------------------------------------


def fetch(
    *,
    consumer_agency: Agency,
    service_code: str,
    id_number: str,
    purpose: str,
    fields: list[str] | None = None,
    person: Person | None = None,
    actor: User | None = None,
) -> FetchResult:
    """Contract D: a platform app fetches a person's record in-process, with every check of a hub call
    (grant of one of the agency's consumer members, purpose, fields, consent), recorded the same way."""
    members = list(
        Member.objects.select_related("agency").filter(
            agency=consumer_agency,
            status=Member.Status.APPROVED,
            role__in=[Member.Role.CONSUMER, Member.Role.BOTH],
        )
    )
    if person is not None and person.id_number and not id_number:
        id_number = person.id_number
    caller = Caller(
        members=members, agency=consumer_agency, channel=Transaction.Channel.PLATFORM, actor=_actor(actor)
    )
    return call(
        caller, service_code=service_code, id_number=id_number, purpose=purpose, fields=parse_fields(fields)
    )


# --- Reading the log --------------------------------------------------------------------------------


def uses_of_person(id_number: str) -> QuerySet[Transaction]:
    """Every call through the hub about this person (answered or refused), newest first."""
    if id_problem(id_number):
        return Transaction.objects.none()
    return (
        Transaction.objects.filter(person_ref=person_ref(normalize_id(id_number)))
        .select_related("consumer_agency", "provider_agency", "service", "grant__request")
        .order_by("-at")
    )


def transactions_visible_to(user: User) -> QuerySet[Transaction]:
    """Calls made by the user's agencies' systems, and calls to their services (hub admin: all)."""
    found = Transaction.objects.select_related("consumer_agency", "provider_agency", "consumer", "service")
    ids = visible_agency_ids(user)
    if ids is None:
        return found
    admin_of = {a for a in ids if is_agency_admin(user, a)}
    return found.filter(Q(consumer_agency__in=admin_of) | Q(provider_agency__in=admin_of))


def members_visible_to(user: User) -> QuerySet[Member]:
    found = Member.objects.select_related("agency").order_by("agency__code", "code")
    ids = visible_agency_ids(user)
    return found if ids is None else found.filter(agency__in=ids)


def requests_visible_to(user: User) -> QuerySet[AccessRequest]:
    """Requests the user's agencies made, and requests for their services."""
    found = AccessRequest.objects.select_related(
        "service__provider__agency", "consumer__agency", "grant"
    ).order_by("-requested_at")
    ids = visible_agency_ids(user)
    if ids is None:
        return found
    return found.filter(Q(consumer__agency__in=ids) | Q(service__provider__agency__in=ids))


def extracts_visible_to(user: User) -> QuerySet[BatchExtract]:
    found = BatchExtract.objects.select_related("consumer__agency", "grant__service").order_by("-created_at")
    ids = visible_agency_ids(user)
    return found if ids is None else found.filter(consumer__agency__in=ids)
