"""Each person's consent revisions as a hash chain, and its verification.

A record's hash is SHA-256 over a canonical JSON array of its fields and the previous record's hash,
so editing any field, deleting a record or swapping two breaks the chain from there on. The chain is
per person (decision 1201): appends lock only that person's head, and a person's whole history can be
checked, or shown to them, on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from .models import ConsentHead, ConsentRecord, CurrentConsent

GENESIS = "0" * 64
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def stamp(at: dt.datetime) -> int:
    """Microseconds since 1970 UTC: exact, and the same whichever database stored the moment."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def record_hash(
    *,
    person_id: int,
    seq: int,
    agreement_code: str,
    agreement_version: int,
    action: str,
    channel: str,
    at: dt.datetime,
    actor: str,
    reason: str,
    prev_hash: str,
) -> str:
    # A JSON array: every field is delimited and typed, so no two records encode the same.
    text = _encode(
        [
            person_id,
            seq,
            agreement_code,
            agreement_version,
            action,
            channel,
            stamp(at),
            actor,
            reason,
            prev_hash,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def hash_of(record: ConsentRecord) -> str:
    return record_hash(
        person_id=record.person_id,
        seq=record.seq,
        agreement_code=record.agreement_code,
        agreement_version=record.agreement_version,
        action=record.action,
        channel=record.channel,
        at=record.at,
        actor=record.actor,
        reason=record.reason,
        prev_hash=record.prev_hash,
    )


@dataclass
class VerifyResult:
    ok: bool = True
    people: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)


_FIELDS = (
    "pk",
    "person_id",
    "seq",
    "agreement_code",
    "agreement_version",
    "action",
    "channel",
    "at",
    "actor",
)
_FIELDS += ("reason", "prev_hash", "hash")


def _records(person_id: int | None, chunk: int) -> Iterator[tuple]:
    """Rows as tuples in chain order (model instances would cost more than the hashing)."""
    records = ConsentRecord.objects.order_by("person_id", "seq")
    if person_id is not None:
        records = records.filter(person_id=person_id)
    return records.values_list(*_FIELDS).iterator(chunk_size=chunk)


def verify(person_id: int | None = None, chunk: int = 5000) -> VerifyResult:
    """Recompute every chain (or one person's); name the first bad record of each broken chain, a
    removed last record (the head is ahead), and a current-state row that is not the latest revision."""
    result = VerifyResult()
    heads = (
        ConsentHead.objects.all() if person_id is None else ConsentHead.objects.filter(person_id=person_id)
    )
    head_of = {pid: (seq, h) for pid, seq, h in heads.values_list("person_id", "seq", "hash")}
    # The latest revision per person and agreement as the chain says: (pk, given, version, at).
    latest: dict[tuple[int, str], tuple] = {}
    chains: dict[int, tuple[int, str]] = {}
    person, last, prev, broken = None, 0, GENESIS, False
    sha256 = hashlib.sha256
    for pk, pid, seq, code, version, action, channel, at, actor, reason, prev_hash, h in _records(
        person_id, chunk
    ):
        if pid != person:
            if person is not None:
                chains[person] = (last, prev)
            person, last, prev, broken = pid, 0, GENESIS, False
            result.people += 1
        result.records += 1
        latest[(pid, code)] = (pk, action == ConsentRecord.Action.GIVEN, version, at)
        if broken:
            continue
        if seq != last + 1:
            result.problems.append(f"person {pid}: record #{last + 1} is missing (next is #{seq})")
            broken = True
        elif prev_hash != prev:
            result.problems.append(f"person {pid}: record #{seq} does not follow record #{last}")
            broken = True
        else:
            text = _encode([pid, seq, code, version, action, channel, stamp(at), actor, reason, prev_hash])
            if sha256(text.encode()).hexdigest() != h:
                result.problems.append(f"person {pid}: record #{seq} was altered")
                broken = True
        last, prev = seq, h
    if person is not None:
        chains[person] = (last, prev)

    for pid in sorted(set(chains) | set(head_of)):
        chain_end, head = chains.get(pid, (0, GENESIS)), head_of.get(pid)
        if head is None:
            result.problems.append(f"person {pid}: the chain has no head")
        elif head[0] > chain_end[0]:
            result.problems.append(
                f"person {pid}: records after #{chain_end[0]} were removed (head is #{head[0]})"
            )
        elif head != chain_end:
            result.problems.append(f"person {pid}: record #{chain_end[0]} does not match the head")

    current = CurrentConsent.objects.all()
    if person_id is not None:
        current = current.filter(person_id=person_id)
    seen = set()
    columns = ("person_id", "agreement_code", "record_id", "given", "version", "at")
    for pid, code, record_id, given, version, at in current.values_list(*columns).iterator(chunk_size=chunk):
        seen.add((pid, code))
        if latest.get((pid, code)) != (record_id, given, version, at):
            result.problems.append(f"person {pid}: current consent to {code} is not the latest record")
    for pid, code in sorted(set(latest) - seen):
        result.problems.append(f"person {pid}: no current consent row for {code}")
    result.ok = not result.problems
    return result
