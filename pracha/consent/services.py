"""PDPA consent as other apps see it (contract E). Other apps call only these functions.

    agreement(code) -> DataAgreement                       the newest version of an agreement
    give(person, code, *, channel, actor=None) -> ConsentRecord
    withdraw(person, code, *, channel, actor=None, reason="") -> ConsentRecord
    has_consent(person_or_id_number, code, *, at=None) -> bool
    consents_of(person) -> list[ConsentState]
    register_data_use_source(fn) / data_uses(person, offset, limit)   "my data": who used it

Every give/withdraw appends to the person's consent chain (chain.py), moves the indexed current-state
row that `has_consent` reads, and writes an audit record, all in one transaction: a withdrawal is in
force for the next exchange call as soon as it commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from pracha.audit import chain as audit
from pracha.core.errors import PrachaError
from pracha.identity.models import Person, User

from . import chain
from .models import ConsentHead, ConsentRecord, CurrentConsent, DataAgreement

CHANNELS = frozenset(ConsentRecord.Channel.values)
REASON_MAX = 500


def agreement(code: str, *, version: int | None = None, recipients: bool = True) -> DataAgreement:
    """The newest version of the agreement (or the given one); PrachaError "unknown_agreement" (404).
    `recipients=False` skips loading the recipient agencies (one query fewer)."""
    rows = DataAgreement.objects.select_related("controller")
    if recipients:
        rows = rows.prefetch_related("recipients")
    rows = rows.filter(code=(code or "").strip())
    if version is not None:
        rows = rows.filter(version=version)
    found = rows.order_by("-version").first()
    if found is None:
        raise PrachaError("unknown_agreement", status=404, code=code)
    return found


def agreements(*, needs_consent: bool | None = None) -> list[DataAgreement]:
    """The newest version of every agreement, by code (for the directory and the "my data" page)."""
    newest = DataAgreement.objects.filter(code=OuterRef("code")).order_by("-version").values("version")[:1]
    rows = (
        DataAgreement.objects.filter(version=Subquery(newest))
        .select_related("controller")
        .prefetch_related("recipients")
        .order_by("code")
    )
    result = list(rows)
    if needs_consent is not None:
        result = [a for a in result if a.needs_consent == needs_consent]
    return result


def _actor(actor: User | str | None) -> str:
    if actor is None:
        return audit.current_actor.get()
    if isinstance(actor, User):
        return f"user:{actor.pk}"
    return str(actor)


def _lock_head(person: Person) -> ConsentHead:
    """The end of the person's chain, locked until the transaction ends (created on first use): one
    person's gives and withdrawals run one after the other, so the check and the append agree."""
    ConsentHead.objects.get_or_create(person=person, defaults={"seq": 0, "hash": chain.GENESIS})
    head = ConsentHead.objects.select_for_update().get(person=person)
    head.person = person  # already loaded: no query for it in _append
    return head


def _append(
    head: ConsentHead,
    found: DataAgreement,
    action: str,
    *,
    channel: str,
    actor: User | str | None,
    reason: str,
) -> ConsentRecord:
    """Append one revision to the person's chain and move the current state (head already locked)."""
    person = head.person
    now = timezone.now()
    actor_text = _actor(actor)
    with transaction.atomic(savepoint=False):
        record = ConsentRecord(
            person=person,
            seq=head.seq + 1,
            agreement_code=found.code,
            agreement_version=found.version,
            action=action,
            channel=channel,
            at=now,
            actor=actor_text,
            reason=reason,
            prev_hash=head.hash,
        )
        record.hash = chain.hash_of(record)
        record.save(force_insert=True)
        head.seq, head.hash = record.seq, record.hash
        head.save(update_fields=["seq", "hash"])
        CurrentConsent.objects.update_or_create(
            person=person,
            agreement_code=found.code,
            defaults={
                "given": action == ConsentRecord.Action.GIVEN,
                "version": found.version,
                "record": record,
                "at": now,
            },
        )
        # The person is the object, so the audit trail of a person shows their consents; no ID number
        # goes into the log (the person's primary key is enough to find them).
        audit.record(
            f"consent.{action}",
            person,
            {
                "agreement": found.code,
                "version": found.version,
                "channel": channel,
                "seq": record.seq,
                "hash": record.hash,
                **({"reason": reason} if reason else {}),
            },
            actor=actor_text,
        )
    return record


def _check(person: Person, code: str, channel: str) -> DataAgreement:
    if not isinstance(person, Person) or person.pk is None:
        raise PrachaError("consent_person_required", status=400)
    if channel not in CHANNELS:
        raise PrachaError(
            "consent_bad_channel", status=400, fields={"channel": "consent_bad_channel"}, channel=channel
        )
    found = agreement(code, recipients=False)
    if not found.needs_consent:
        raise PrachaError(
            "consent_not_consent_basis", status=409, code=found.code, basis=found.get_lawful_basis_display()
        )
    return found


def _current(person: Person, code: str) -> CurrentConsent | None:
    return CurrentConsent.objects.filter(person=person, agreement_code=code).select_related("record").first()


def give(
    person: Person, agreement_code: str, *, channel: str, actor: User | str | None = None
) -> ConsentRecord:
    """Record that the person consents to the agreement's newest version.

    Idempotent: when consent to that version is already in force, its record is returned and nothing
    is appended (an e-service may call this on every submission)."""
    found = _check(person, agreement_code, channel)
    with transaction.atomic():
        head = _lock_head(person)
        state = _current(person, found.code)
        if state is not None and state.given and state.version == found.version:
            return state.record
        return _append(head, found, ConsentRecord.Action.GIVEN, channel=channel, actor=actor, reason="")


def withdraw(
    person: Person,
    agreement_code: str,
    *,
    channel: str,
    actor: User | str | None = None,
    reason: str = "",
) -> ConsentRecord:
    """Record that the person withdraws consent; in force for the next `has_consent` once committed.
    PrachaError "consent_not_given" (409) when no consent is in force."""
    found = _check(person, agreement_code, channel)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise PrachaError("too_long", status=400, fields={"reason": "too_long"})
    with transaction.atomic():
        head = _lock_head(person)
        state = _current(person, found.code)
        if state is None or not state.given:
            raise PrachaError("consent_not_given", status=409, title=found.title_text)
        return _append(
            head, found, ConsentRecord.Action.WITHDRAWN, channel=channel, actor=actor, reason=reason
        )


# `has_consent` now runs on every exchange call: one statement on a raw cursor (building the ORM query
# cost more than running it; docs/benchmarks.md). Table names come from the models, values are
# parameters. A missing agreement makes the subquery NULL, so the comparison is false: deny by default.
_CURRENT, _AGREEMENT = CurrentConsent._meta.db_table, DataAgreement._meta.db_table
_PERSON = Person._meta.db_table
_MIN_VERSION = (
    f'(SELECT a.min_consent_version FROM "{_AGREEMENT}" a WHERE a.code = %s ORDER BY a.version DESC LIMIT 1)'  # noqa: S608
)
_HAS_BY_PK = (
    f'SELECT 1 FROM "{_CURRENT}" c WHERE c.person_id = %s AND c.agreement_code = %s AND c.given '  # noqa: S608
    f"AND c.version >= {_MIN_VERSION}"
)
_HAS_BY_ID_NUMBER = (
    f'SELECT 1 FROM "{_CURRENT}" c JOIN "{_PERSON}" p ON p.id = c.person_id '  # noqa: S608
    f"WHERE p.id_number = %s AND c.agreement_code = %s AND c.given AND c.version >= {_MIN_VERSION}"
)


def has_consent(
    person_or_id_number: Person | str, agreement_code: str, *, at: dt.datetime | None = None
) -> bool:
    """Whether consent to the agreement is in force now (or at a past moment `at`).

    Now: one indexed lookup of the current-state row, with the agreement's minimum version as a
    subquery (one round trip; no cache, so a withdrawal in another process counts at once).
    At a moment: the person's latest revision at or before it. Unknown people, unknown agreements and
    agreements whose version rose past `min_consent_version` since the person consented give False."""
    if at is None:
        if isinstance(person_or_id_number, Person):
            sql, who = _HAS_BY_PK, person_or_id_number.pk
        else:
            sql, who = _HAS_BY_ID_NUMBER, str(person_or_id_number).strip()
        with connection.cursor() as cursor:
            cursor.execute(sql, [who, agreement_code, agreement_code])
            return cursor.fetchone() is not None
    who_filter = (
        {"person_id": person_or_id_number.pk}
        if isinstance(person_or_id_number, Person)
        else {"person__id_number": str(person_or_id_number).strip()}
    )
    last = (
        ConsentRecord.objects.filter(**who_filter, agreement_code=agreement_code, at__lte=at)
        .order_by("-at", "-seq")
        .values_list("action", "agreement_version")
        .first()
    )
    if last is None or last[0] != ConsentRecord.Action.GIVEN:
        return False
    # The minimum version in force at that moment: that of the newest version loaded by then.
    then = DataAgreement.objects.filter(code=agreement_code, loaded_at__lte=at).order_by("-version").first()
    return then is None or last[1] >= then.min_consent_version


@dataclass(frozen=True)
class ConsentState:
    """A consent-based agreement and where the person stands with it."""

    agreement: DataAgreement
    given: bool  # consent is in force (given, not withdrawn, to a version that still counts)
    version: int | None  # the version last given or withdrawn, None if never
    at: dt.datetime | None
    channel: str = ""
    needs_renewal: bool = False  # given to a version older than the agreement's min_consent_version

    @property
    def code(self) -> str:
        return self.agreement.code

    @property
    def status(self) -> str:
        if self.given:
            return "given"
        if self.needs_renewal:
            return "renew"
        return "withdrawn" if self.version is not None else "never"


def consents_of(person: Person) -> list[ConsentState]:
    """Every agreement that rests on consent, with the person's current state (never given included)."""
    current = {
        c.agreement_code: c for c in CurrentConsent.objects.filter(person=person).select_related("record")
    }
    states = []
    for found in agreements(needs_consent=True):
        row = current.get(found.code)
        if row is None:
            states.append(ConsentState(found, False, None, None))
            continue
        stale = row.given and row.version < found.min_consent_version
        states.append(
            ConsentState(found, row.given and not stale, row.version, row.at, row.record.channel, stale)
        )
    return states


def history(person: Person) -> list[ConsentRecord]:
    """The person's revisions, newest first (for the page and the JSON download)."""
    return list(ConsentRecord.objects.filter(person=person).order_by("-seq"))


# --- Uses of a person's data, reported by other apps (the exchange hub) ----------------------------


@dataclass(frozen=True)
class DataUse:
    """One use of a person's data, e.g. an exchange call that fetched or tried to fetch it."""

    at: dt.datetime
    consumer_agency: str  # the agency's name, who asked
    system: str  # the consumer's system (client) name
    service: str  # what was read, e.g. "Civil registration record (DOPA)"
    purpose: str
    fields: Sequence[str] = field(default_factory=tuple)
    outcome: str = "ok"  # "ok", "refused" or "failed"; anything else is shown as given
    provider_agency: str = ""
    reference: str = ""  # the transaction id, so the person can quote it


DataUseSource = Callable[[Person, int, int], tuple[list[DataUse], int]]
_sources: list[DataUseSource] = []


def register_data_use_source(fn: DataUseSource) -> DataUseSource:
    """Register `fn(person, offset, limit) -> (uses newest first, total count)`; usable as a decorator.
    Registering the same function twice (a second ready()) has no effect."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def unregister_data_use_source(fn: DataUseSource) -> None:
    if fn in _sources:
        _sources.remove(fn)


def data_uses(person: Person, offset: int = 0, limit: int = 20) -> tuple[list[DataUse], int]:
    """One page of every registered source's uses of the person's data, newest first, and the total.

    With several sources each is asked for its first offset+limit uses and the lists are merged: the
    page is exact whatever the mix, and one source (the usual case) is asked for just the page."""
    offset, limit = max(0, offset), max(1, limit)
    if len(_sources) == 1:
        return _sources[0](person, offset, limit)
    merged: list[DataUse] = []
    total = 0
    for source in _sources:
        uses, count = source(person, 0, offset + limit)
        merged += uses
        total += count
    merged.sort(key=lambda u: u.at, reverse=True)
    return merged[offset : offset + limit], total
