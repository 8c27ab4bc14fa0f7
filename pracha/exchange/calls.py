"""The one call path of the hub: check the grant, the purpose, the fields and consent, forward to the
provider, strip the answer to what is granted, and record the transaction (never the payload).

Both the HTTP hub view (an agency system with a client-credentials token) and `services.fetch` (a
platform app in-process) go through `call`, so they refuse exactly the same things.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.audit.chain import Entry, append_many
from pracha.core.errors import PrachaError
from pracha.core.masking import mask_id
from pracha.core.thai_dates import format_date
from pracha.core.thai_id import id_problem, normalize_id

from . import provider_client
from .models import Grant, LawfulBasis, Member, ProviderService, Transaction


@dataclass(frozen=True)
class FetchResult:
    data: dict
    provider_agency: Agency
    service_code: str
    fetched_at: dt.datetime
    transaction_id: int


@dataclass(frozen=True)
class Caller:
    """Who calls: the consumer members that may hold the grant, their agency, the channel, the actor."""

    members: Sequence[Member]
    agency: Agency
    channel: str
    actor: str


@lru_cache(maxsize=1)
def _person_key() -> bytes:
    configured = getattr(settings, "PRACHA_EXCHANGE_PERSON_KEY", "")
    if configured:
        return configured.encode()
    # Derived, not the secret key itself, so that a leaked reference key does not sign sessions.
    return hashlib.sha256(b"pracha.exchange.person-ref:" + settings.SECRET_KEY.encode()).digest()


def person_ref(id_number: str) -> str:
    """A keyed hash of an ID number: the same person gives the same reference, which the "my data" page
    recomputes from the citizen's own number; without the key it cannot be reversed by trying the
    small space of valid ID numbers (decision 1301)."""
    return hmac.new(_person_key(), normalize_id(id_number).encode(), hashlib.sha256).hexdigest()


def parse_fields(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    fields = [f.strip() for f in items if f and f.strip()]
    return fields or None


def _choose_grant(
    grants: list[Grant], service: ProviderService, purpose: str, fields: list[str] | None
) -> tuple[Grant, list[str]]:
    """The grant that allows this purpose and these fields now, or the refusal that says why not."""
    if not grants:
        raise PrachaError("exchange_not_granted", status=403, service=service.code)
    for_purpose = [g for g in grants if g.purpose == purpose]
    if not for_purpose:
        granted = ", ".join(sorted({g.purpose for g in grants}))
        raise PrachaError(
            "exchange_purpose_not_granted", status=403, service=service.code, purpose=purpose, granted=granted
        )
    now = timezone.now()
    current = [g for g in for_purpose if g.valid_from <= now < g.valid_until]
    if not current:
        future = [g for g in for_purpose if g.valid_from > now]
        if future:
            since = format_date(min(g.valid_from for g in future))
            raise PrachaError("exchange_grant_not_started", status=403, service=service.code, since=since)
        until = format_date(max(g.valid_until for g in for_purpose))
        raise PrachaError("exchange_grant_expired", status=403, service=service.code, until=until)
    if fields is None:
        best = max(current, key=lambda g: len(g.fields))
        return best, list(best.fields)
    for g in current:
        if set(fields) <= set(g.fields):
            return g, fields
    granted_union = {f for g in current for f in g.fields}
    missing = [f for f in fields if f not in granted_union] or fields
    raise PrachaError(
        "exchange_field_not_granted",
        status=403,
        fields={"fields": "exchange_field_not_granted"},
        missing=", ".join(missing),
        granted=", ".join(sorted(granted_union)),
    )


def _has_consent(id_number: str, agreement: str) -> bool:
    if not agreement:
        return False  # a consent-based service without an agreement named can never be called
    try:
        from pracha.consent.services import has_consent
    except ImportError:  # the consent registry is not installed: deny by default
        return False
    return bool(has_consent(id_number, agreement))


# Grants per (consumer members, service), kept briefly per process: the lookup is the one query a
# granted call would otherwise make before forwarding. Time limits are still checked at each call
# against the cached valid_from/valid_until; a change made through services.py (decision, revocation)
# clears this process's entries at once, other processes see it within GRANT_CACHE_SECONDS.
GRANT_CACHE_SECONDS = float(getattr(settings, "PRACHA_EXCHANGE_GRANT_CACHE_SECONDS", 5))
_grant_cache: dict[tuple, tuple[float, ProviderService, list[Grant]]] = {}


def forget_grants() -> None:
    _grant_cache.clear()


def _grants(caller: Caller, service_code: str) -> tuple[ProviderService, list[Grant]]:
    key = (tuple(m.pk for m in caller.members), service_code)
    hit = _grant_cache.get(key)
    now = time.monotonic()
    if hit and hit[0] > now:
        return hit[1], hit[2]
    grants = list(
        Grant.objects.filter(
            consumer__in=key[0],
            service__code=service_code,
            service__active=True,
            revoked_at__isnull=True,
        ).select_related("service__provider__agency")
    )
    if grants:
        service = grants[0].service
    else:
        service = (
            ProviderService.objects.filter(code=service_code, active=True)
            .select_related("provider__agency")
            .first()
        )
        if service is None:
            raise PrachaError("exchange_unknown_service", status=404, code=service_code)
    if GRANT_CACHE_SECONDS > 0:
        _grant_cache[key] = (now + GRANT_CACHE_SECONDS, service, grants)
    return service, grants


def authorise(
    service: ProviderService, grants: list[Grant], purpose: str, fields: list[str] | None
) -> tuple[Grant, list[str]]:
    """The grant and the fields a call may have; PrachaError (400, 403) when it may not."""
    unknown = [f for f in fields or () if f not in service.field_names]
    if unknown:
        raise PrachaError(
            "exchange_unknown_field", status=400, fields={"fields": "unknown"}, field=unknown[0]
        )
    return _choose_grant(grants, service, purpose, fields)


def _build(
    caller: Caller,
    *,
    service_code: str,
    service: ProviderService | None,
    grant: Grant | None,
    purpose: str,
    fields: list[str],
    id_number: str,
    outcome: str,
    status: int,
    error_code: str = "",
    latency_ms: float = 0.0,
    records: int = 1,
) -> tuple[Transaction, str, dict]:
    """The unsaved transaction row, its audit action and the audit data (references, never payload)."""
    ref = person_ref(id_number) if id_number else ""
    member = caller.members[0] if len(caller.members) == 1 else (grant.consumer if grant else None)
    tx = Transaction(
        channel=caller.channel,
        consumer=member,
        consumer_agency=caller.agency,
        service=service,
        service_code=service_code[:80],
        provider_agency=service.provider.agency if service else None,
        grant=grant,
        purpose=purpose[:60],
        fields=fields,
        person_ref=ref,
        person_masked=mask_id(id_number) if id_number else "",
        records=records,
        outcome=outcome,
        error_code=error_code,
        status=status,
        latency_ms=round(latency_ms, 2),
        actor=caller.actor[:120],
    )
    data = {
        "channel": caller.channel,
        "consumer": caller.agency.code,
        "member": member.code if member else "",
        "service": service_code,
        "purpose": purpose,
        "fields": fields,
        "person": ref,
        "records": records,
        "outcome": outcome,
        "error": error_code,
        "status": status,
        "latency_ms": round(latency_ms, 1),
    }
    action = "exchange.call" if outcome == Transaction.Outcome.OK else f"exchange.{outcome}"
    return tx, action, data


def _store(items: list[tuple[Transaction, str, dict]]) -> None:
    """Rows and audit records of several calls in one database transaction."""
    with transaction.atomic():
        Transaction.objects.bulk_create([tx for tx, _a, _d in items])
        append_many(
            Entry(action, "exchange.transaction", str(tx.pk), data, tx.actor) for tx, action, data in items
        )


class _GroupCommit:
    """Calls answered at the same moment in one process share one commit (group commit).

    Each caller waits until its own records are committed, so nothing is answered unrecorded. The
    first caller to find no commit under way writes everything pending (its own and the others'); when
    more arrived meanwhile, it hands the next commit to the first of them and answers its own call, so
    no caller writes for others for long (decision 1302). Only for callers outside any transaction (the
    hub's HTTP view): a caller inside one must commit its record with its own work."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[tuple[tuple, threading.Event, dict]] = []
        self.writing = False

    def commit(self, item: tuple[Transaction, str, dict]) -> None:
        done, box = threading.Event(), {}
        with self.lock:
            self.pending.append((item, done, box))
            lead = not self.writing
            self.writing = True
        if not lead:
            done.wait()
            if not box.get("lead"):  # written by another caller
                if box.get("error") is not None:
                    raise box["error"]
                return
        with self.lock:
            batch, self.pending = self.pending, []
        error = None
        try:
            _store([it for it, _e, _b in batch])
        except Exception as exc:  # every caller in the batch learns of it: its call was not recorded
            error = exc
        for _it, event, other in batch:
            if other is not box:
                other["error"] = error
                event.set()
        with self.lock:
            if self.pending:  # the next commit is the first waiting caller's to make
                _it, event, other = self.pending[0]
                other["lead"] = True
                event.set()
            else:
                self.writing = False
        if error is not None:
            raise error


_group = _GroupCommit()


def write_transaction(caller: Caller, **details: Any) -> Transaction:
    """The transaction row and its audit record (details: the keywords of `_build`), committed before
    this returns; no payload in either."""
    item = _build(caller, **details)
    if caller.channel == Transaction.Channel.API and not transaction.get_connection().in_atomic_block:
        _group.commit(item)
    else:
        _store([item])
    return item[0]


def call(
    caller: Caller, *, service_code: str, id_number: str, purpose: str, fields: list[str] | None
) -> FetchResult:
    """Check, forward, strip, record. Refusals are recorded too, then raised as PrachaError."""
    started = time.perf_counter()
    problem = id_problem(id_number)
    if problem:
        raise PrachaError(problem, status=400, fields={"id_number": problem})
    id_number = normalize_id(id_number)
    purpose = (purpose or "").strip()
    if not purpose:
        raise PrachaError("exchange_purpose_required", status=400, fields={"purpose": "required"})
    service, grants = _grants(caller, service_code)  # an unknown service is a 404, recorded nowhere
    grant: Grant | None = None
    asked = fields or []
    try:
        grant, fields = authorise(service, grants, purpose, fields)
        asked = fields
        if grant.lawful_basis == LawfulBasis.CONSENT and not _has_consent(id_number, grant.consent_agreement):
            raise PrachaError("exchange_consent_required", status=403, agreement=grant.consent_agreement)
        answer = provider_client.get_record(
            service, id_number, consumer_agency=caller.agency.code, purpose=purpose, reference=caller.actor
        )
    except PrachaError as exc:
        outcome = Transaction.Outcome.FAILED if exc.status >= 500 else Transaction.Outcome.REFUSED
        if exc.code == "exchange_record_not_found":
            outcome = Transaction.Outcome.OK
        write_transaction(
            caller,
            service_code=service_code,
            service=service,
            grant=grant,
            purpose=purpose,
            fields=list(asked),
            id_number=id_number,
            outcome=outcome,
            status=exc.status,
            error_code=exc.code,
            latency_ms=(time.perf_counter() - started) * 1000,
        )
        raise
    data = {name: answer[name] for name in fields if name in answer}
    latency = (time.perf_counter() - started) * 1000
    tx = write_transaction(
        caller,
        service_code=service.code,
        service=service,
        grant=grant,
        purpose=purpose,
        fields=fields,
        id_number=id_number,
        outcome=Transaction.Outcome.OK,
        status=200,
        latency_ms=latency,
    )
    return FetchResult(
        data=data,
        provider_agency=service.provider.agency,
        service_code=service.code,
        fetched_at=tx.at,
        transaction_id=tx.pk,
    )
