"""Appending to and verifying the audit hash chain."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .models import AuditHead, AuditRecord

GENESIS = "0" * 64
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)

# The actor of the current request or command ("user:42", "system:worker"); set by middleware.
current_actor: contextvars.ContextVar[str] = contextvars.ContextVar("audit_actor", default="system")


def canonical_json(data: Any) -> str:
    return json.dumps(data or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(
    seq: int, at: dt.datetime, actor: str, action: str, otype: str, oid: str, data: str, prev: str
) -> str:
    stamp = (at - _EPOCH) // _US
    text = f"{seq}\x1f{stamp}\x1f{actor}\x1f{action}\x1f{otype}\x1f{oid}\x1f{data}\x1f{prev}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any] | None = None
    actor: str | None = None


def object_ref(obj: models.Model | tuple[str, str]) -> tuple[str, str]:
    if isinstance(obj, tuple):
        return obj
    return obj._meta.label_lower, str(obj.pk)


def _head_for_update() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def append_many(entries: Iterable[Entry]) -> list[AuditRecord]:
    """Append entries in order, in the caller's transaction (a savepoint when there is one)."""
    with transaction.atomic():
        head = _head_for_update()
        seq, prev = head.seq, head.hash
        now = timezone.now()
        rows = []
        for e in entries:
            seq += 1
            data = canonical_json(e.data)
            actor = e.actor or current_actor.get()
            h = record_hash(seq, now, actor, e.action, e.object_type, e.object_id, data, prev)
            rows.append(
                AuditRecord(
                    seq=seq,
                    at=now,
                    actor=actor,
                    action=e.action,
                    object_type=e.object_type,
                    object_id=e.object_id,
                    data=data,
                    prev_hash=prev,
                    hash=h,
                )
            )
            prev = h
        if rows:
            AuditRecord.objects.bulk_create(rows)
            AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
        return rows


def record(
    action: str,
    obj: models.Model | tuple[str, str],
    data: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditRecord:
    """Record a state change: record("case.transition", case, {"from": "a", "to": "b"})."""
    otype, oid = object_ref(obj)
    return append_many([Entry(action, otype, oid, data, actor)])[0]


def record_read(
    obj: models.Model | tuple[str, str], fields: Iterable[str], purpose: str, actor: str | None = None
) -> AuditRecord:
    """Record that someone read personal data (which fields, for what purpose)."""
    return record("personal_data.read", obj, {"fields": sorted(fields), "purpose": purpose}, actor)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""


def _rows(chunk: int) -> Iterator[tuple]:
    fields = ("id", "seq", "at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash")
    return AuditRecord.objects.order_by("seq").values_list(*fields).iterator(chunk_size=chunk)


def verify(chunk: int = 20000) -> VerifyResult:
    """Recompute the whole chain; name the first record that was altered, removed or reordered."""
    expected_seq, prev, n = 1, GENESIS, 0
    for rid, seq, at, actor, action, otype, oid, data, prev_hash, h in _rows(chunk):
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "out of order"
            return VerifyResult(
                False, n, expected_seq, rid, f"record #{expected_seq} is {what} (found #{seq})"
            )
        if prev_hash != prev:
            return VerifyResult(False, n, seq, rid, f"record #{seq} does not follow record #{seq - 1}")
        if record_hash(seq, at, actor, action, otype, oid, data, prev) != h:
            return VerifyResult(False, n, seq, rid, f"record #{seq} was altered")
        prev, expected_seq, n = h, seq + 1, n + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != n or head.hash != prev):
        return VerifyResult(
            False, n, n + 1, None, f"records after #{n} were removed (the head is #{head.seq})"
        )
    return VerifyResult(True, n)
