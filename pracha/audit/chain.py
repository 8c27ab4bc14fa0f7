"""Appending to and verifying the audit hash chain.

Each record's hash is SHA-256 over its fields and the previous record's hash (see `record_hash`).
Appending locks the head row, so concurrent appends form one chain with contiguous sequence numbers;
the sequence number is the primary key, so a fork is impossible even if the lock were bypassed.
Both paths use a raw cursor: the ORM would cost more than the hashing (docs/benchmarks.md).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditHead, AuditRecord

GENESIS = "0" * 64
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NAIVE_EPOCH = dt.datetime(1970, 1, 1)
_US = dt.timedelta(microseconds=1)
SEP = "\x1f"  # between the hashed fields; refused inside them, so the encoding is unambiguous
_COLUMNS = ("seq", "at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash")
# Table and column names come from the models (never from input); every value is a parameter.
_RECORDS, _HEAD = AuditRecord._meta.db_table, AuditHead._meta.db_table
_COLUMN_LIST = ", ".join(f'"{c}"' for c in _COLUMNS)
_ROW = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
_INSERT = f'INSERT INTO "{_RECORDS}" ({_COLUMN_LIST}) VALUES '  # noqa: S608
_SELECT_HEAD = f'SELECT seq, hash FROM "{_HEAD}" WHERE id = 1'  # noqa: S608
_CREATE_HEAD = f'INSERT INTO "{_HEAD}" (id, seq, hash) VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING'  # noqa: S608
_MOVE_HEAD = f'UPDATE "{_HEAD}" SET seq = %s, hash = %s WHERE id = 1'  # noqa: S608
# Verification reads `at` as its hashed form, microseconds since 1970: PostgreSQL computes it exactly
# (numeric epoch), which is several times cheaper than building a datetime per row in Python.
_STAMP_SQL = {"postgresql": '(EXTRACT(EPOCH FROM "at") * 1000000)::bigint'}
# Pages are ranges of seq, not LIMITs: the primary-key index is used even before the table's statistics
# exist (a LIMIT page made PostgreSQL sort the whole table), and a gap simply gives a short page.
_PAGE = 'SELECT {columns} FROM "' + _RECORDS + '" WHERE seq > %s AND seq <= %s ORDER BY seq'  # noqa: S608
_encode_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode

# The actor of the current request or command ("user:42", "system:worker"); set by middleware.
current_actor: contextvars.ContextVar[str] = contextvars.ContextVar("audit_actor", default="system")
# Entries held back inside `appended_last()`, written in one append when its block ends.
_held: contextvars.ContextVar[list[Entry] | None] = contextvars.ContextVar("audit_held", default=None)


def canonical_json(data: Any) -> str:
    return _encode_json(data or {})


def _stamp(at: dt.datetime) -> int:
    """Microseconds since 1970 UTC: exact, and the same whichever database stored the moment."""
    return (at - (_EPOCH if at.tzinfo else _NAIVE_EPOCH)) // _US  # naive values are UTC (SQLite)


def _hash_text(
    seq: int, stamp: int, actor: str, action: str, otype: str, oid: str, data: str, prev: str
) -> str:
    return f"{seq}{SEP}{stamp}{SEP}{actor}{SEP}{action}{SEP}{otype}{SEP}{oid}{SEP}{data}{SEP}{prev}"


def record_hash(
    seq: int, at: dt.datetime, actor: str, action: str, otype: str, oid: str, data: str, prev: str
) -> str:
    text = _hash_text(seq, _stamp(at), actor, action, otype, oid, data, prev)
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


def _lock_head(cursor) -> tuple[int, str]:
    """The head's (seq, hash), locked until the transaction ends; created on first use."""
    # SQLite has no row locks; its IMMEDIATE transactions (settings) already hold the write lock.
    select = _SELECT_HEAD + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    cursor.execute(select)
    row = cursor.fetchone()
    if row is None:
        cursor.execute(_CREATE_HEAD, [GENESIS])
        cursor.execute(select)
        row = cursor.fetchone()
    return row


def _check_field(value: str) -> str:
    if SEP in value:
        raise ValueError("audit actor, action and object reference may not contain U+001F")
    return value


def _insert(cursor, rows: list[tuple], head_seq: int, head_hash: str) -> None:
    """INSERT the rows and move the head, in as few statements as the database allows."""
    if connection.vendor != "postgresql":
        # SQLite runs in-process: executemany re-uses one prepared statement; no round trips to save.
        cursor.executemany(_INSERT + _ROW, rows)
        cursor.execute(_MOVE_HEAD, [head_seq, head_hash])
        return
    # PostgreSQL: multi-row INSERTs; the last one also moves the head (one round trip for one record).
    step = 1000
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        params = [value for row in chunk for value in row]
        insert = _INSERT + ", ".join([_ROW] * len(chunk))
        if start + step >= len(rows):
            cursor.execute(f"WITH ins AS ({insert}) {_MOVE_HEAD}", [*params, head_seq, head_hash])
        else:
            cursor.execute(insert, params)


@contextmanager
def appended_last() -> Iterator[None]:
    """Hold every append made inside the block and write them all, in order, when it ends. The head
    lock serialises every append on the platform and is held until the transaction commits; a long
    transaction that appends early (routing a burst: cases, then complaints, then notifications)
    would keep every other writer waiting for all of it. Use it as the innermost block, so that
    the lock is taken just before the commit:

        with transaction.atomic(), chain.appended_last():
            ...

    Inside, appends return their records unsaved (no sequence number or hash yet). Nothing is written
    if the block raises; nested blocks leave the writing to the outermost."""
    if _held.get() is not None:
        yield
        return
    held: list[Entry] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    append_many(held)


def append_many(entries: Iterable[Entry]) -> list[AuditRecord]:
    """Append entries in order, in the caller's transaction (its own one when there is none)."""
    default_actor = current_actor.get()
    held = _held.get()
    if held is not None:
        # The actor is the one of this moment; the fields are checked now, where the caller can act.
        pinned = [
            Entry(
                _check_field(e.action),
                _check_field(e.object_type),
                _check_field(e.object_id),
                e.data,
                _check_field(e.actor or default_actor),
            )
            for e in entries
        ]
        held.extend(pinned)
        return [
            AuditRecord(actor=e.actor, action=e.action, object_type=e.object_type, object_id=e.object_id)
            for e in pinned
        ]
    # Checked and encoded before the head is locked: bad input leaves the caller's transaction usable,
    # and the lock that serialises all appends is held only for the hashing and the INSERT.
    prepared = [
        (
            _check_field(e.actor or default_actor),
            _check_field(e.action),
            _check_field(e.object_type),
            _check_field(e.object_id),
            _encode_json(e.data or {}),
        )
        for e in entries
    ]
    now = timezone.now()
    stamp, at = _stamp(now), connection.ops.adapt_datetimefield_value(now)
    # No savepoint: if the append fails, the caller's whole transaction must roll back anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        seq, prev = _lock_head(cursor)
        rows, records = [], []
        for actor, action, otype, oid, data in prepared:
            seq += 1
            text = _hash_text(seq, stamp, actor, action, otype, oid, data, prev)
            h = hashlib.sha256(text.encode()).hexdigest()
            rows.append((seq, at, actor, action, otype, oid, data, prev, h))
            records.append((seq, now, actor, action, otype, oid, data, prev, h))
            prev = h
        if rows:
            _insert(cursor, rows, seq, prev)
    alias, from_db = connection.alias, AuditRecord.from_db
    return [from_db(alias, _COLUMNS, r) for r in records]


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
    reason: str = ""


def _read_head() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_HEAD)
        return cursor.fetchone() or (0, GENESIS)


def _page_reader(chunk: int) -> tuple[Callable[[int], list[tuple]], Callable[[Any], int]]:
    """A function reading the records after a seq, and one turning their `at` into its stamp."""
    stamp_sql = _STAMP_SQL.get(connection.vendor)
    columns = _COLUMN_LIST.replace('"at"', stamp_sql) if stamp_sql else _COLUMN_LIST
    sql = _PAGE.format(columns=columns)

    def page(after: int) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, after + chunk])
            return cursor.fetchall()

    return page, (int if stamp_sql else _stamp)


def verify(chunk: int = 20000) -> VerifyResult:
    """Recompute the whole chain; name the first record that was altered, removed or reordered.

    Pages are read by sequence number without holding a transaction open, so appends go on while a
    large log is verified; records appended meanwhile are verified too, up to the head read last.
    """
    page, to_stamp = _page_reader(chunk)
    sha256 = hashlib.sha256
    last, prev, promised = 0, GENESIS, 0
    while True:
        rows = page(last)
        for seq, at, actor, action, otype, oid, data, prev_hash, h in rows:
            if seq != last + 1:
                return VerifyResult(False, last, last + 1, f"record #{last + 1} is missing (next is #{seq})")
            if prev_hash != prev:
                return VerifyResult(False, last, seq, f"record #{seq} does not follow record #{last}")
            text = _hash_text(seq, to_stamp(at), actor, action, otype, oid, data, prev)
            # Seven separators exactly: a field moved across a separator cannot keep the hash.
            if sha256(text.encode()).hexdigest() != h or text.count(SEP) != 7:
                return VerifyResult(False, last, seq, f"record #{seq} was altered")
            last, prev = seq, h
        if len(rows) == chunk:
            continue
        if last < promised:  # read to the end after the head was: the records it covers are gone
            return VerifyResult(
                False, last, last + 1, f"records after #{last} were removed (the head is #{promised})"
            )
        # The head is read after the records: everything it covers was committed with it.
        head_seq, head_hash = _read_head()
        if head_seq < last:
            return VerifyResult(
                False, head_seq, head_seq + 1, f"record #{head_seq + 1} is beyond the head (#{head_seq})"
            )
        if head_seq == last:
            if head_hash != prev:
                return VerifyResult(False, last - 1, last, f"record #{last} does not match the head")
            return VerifyResult(True, last)
        promised = head_seq  # appended since the last page, or removed from the end: read on


# Other tamper-evident chains of the platform (e.g. each person's consent revisions) are checked by
# `pracha audit verify` too: an app registers `check() -> (ok, summary)` from its AppConfig.ready().
ChainCheck = Callable[[], tuple[bool, str]]
_chain_checks: dict[str, ChainCheck] = {}


def register_chain_check(name: str, check: ChainCheck) -> None:
    _chain_checks[name] = check


def chain_checks() -> dict[str, ChainCheck]:
    return dict(_chain_checks)
