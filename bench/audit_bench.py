"""Benchmark of the audit hash chain against plain INSERTs of the same rows, on one database.

    .venv/bin/python bench/audit_bench.py                                  # a temporary SQLite file
    .venv/bin/python bench/audit_bench.py --database-url postgres://u@h:p/db  # a scratch database there

It never touches an existing database: on SQLite it makes a temporary file with the production
settings (WAL, synchronous=NORMAL, IMMEDIATE transactions); on PostgreSQL it creates a database named
pracha_bench_<random> on the given server and drops it at the end.

Figures, all in the same run and on the same database:
  (a) plain INSERT of the rows into a table with the same columns and indexes (no hashing, no head),
      one row per transaction and in batches;
  (b) the chain: `record()` one row per transaction and `append_many()` in batches of the same size;
  (c) `verify()` over the whole chain (at least --verify-rows records), in records per second.
Each pair (a)/(b) is measured in alternating rounds and the median is reported, so that a slow
moment of the machine does not favour one side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# describe_machine and scratch_postgres are also imported from here by the complaints and applications
# benchmarks, until they import bench._scratch themselves.
from bench._scratch import database_argument, describe_machine, scratch_database, scratch_postgres  # noqa: E402, F401


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p)
    p.add_argument("--single", type=int, default=500, help="rows per round, one per transaction")
    p.add_argument("--batches", type=int, default=10, help="batches per round")
    p.add_argument("--batch-size", type=int, default=500, help="rows per batch")
    p.add_argument("--rounds", type=int, default=9, help="alternating rounds of each comparison")
    p.add_argument("--verify-rows", type=int, default=200_000, help="at least this many records to verify")
    return p.parse_args()


def plain_model():
    """A table with the same columns and indexes as AuditRecord, for the plain INSERTs."""
    from django.db import models

    from pracha.audit.models import AuditRecord

    class Meta:
        app_label = "audit"
        db_table = "bench_plain_record"
        indexes = [models.Index(fields=["object_type", "object_id"], name="bench_plain_object")]

    attrs = {"__module__": __name__, "Meta": Meta}
    for field in AuditRecord._meta.local_fields:
        attrs[field.name] = field.clone()
    return type("BenchPlainRecord", (models.Model,), attrs)


def create_tables(plain) -> None:
    from django.db import connection

    from pracha.audit.models import AuditHead, AuditRecord

    with connection.schema_editor() as editor:
        for model in (AuditRecord, AuditHead, plain):
            editor.create_model(model)


def sample(i: int) -> tuple[str, str, str, dict]:
    """A typical audit entry: a case moving on, with a short Thai note."""
    return (
        "workflow.case_transition",
        "workflow.case",
        str(100_000 + i),
        {"from": "received", "to": "in_review", "note": "ตรวจสอบเอกสารครบถ้วนแล้ว", "step": i % 7},
    )


class Plain:
    """INSERT the same rows with a raw cursor: JSON encoding but no hash, no head, no lock."""

    def __init__(self, table: str) -> None:
        from django.db import connection

        q = connection.ops.quote_name
        cols = ("seq", "at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash")
        values = ", ".join(["%s"] * len(cols))
        self.sql = f"INSERT INTO {q(table)} ({', '.join(q(c) for c in cols)}) VALUES ({values})"
        self.seq = 0

    def rows(self, items: list[tuple[str, str, str, dict]]) -> list[tuple]:
        from django.db import connection
        from django.utils import timezone

        at = connection.ops.adapt_datetimefield_value(timezone.now())
        out = []
        for action, otype, oid, data in items:
            self.seq += 1
            out.append((self.seq, at, "user:42", action, otype, oid, json.dumps(data), "0" * 64, "0" * 64))
        return out

    def single(self, item: tuple[str, str, str, dict]) -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(self.sql, self.rows([item])[0])

    def batch(self, items: list[tuple[str, str, str, dict]]) -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(self.sql, self.rows(items))


def chain_single(item: tuple[str, str, str, dict]) -> None:
    """What an audited write does: record() inside the transaction of the change."""
    from django.db import transaction

    from pracha.audit.chain import record

    action, otype, oid, data = item
    with transaction.atomic():
        record(action, (otype, oid), data, actor="user:42")


def chain_batch(items: list[tuple[str, str, str, dict]]) -> None:
    from django.db import transaction

    from pracha.audit.chain import Entry, append_many

    with transaction.atomic():
        append_many(Entry(a, t, o, d, "user:42") for a, t, o, d in items)


Items = list[tuple[str, str, str, dict]]


def items(start: int, n: int) -> Items:
    return [sample(i) for i in range(start, start + n)]


def timed(work: Callable[[Items], None], rows: Items) -> float:
    """Rows per second of work(rows); the rows are made before the clock starts."""
    started = time.perf_counter()
    work(rows)
    return len(rows) / (time.perf_counter() - started)


def compare(
    name: str, rows: int, plain: Callable[[Items], None], chain: Callable[[Items], None], rounds: int
):
    """Alternate plain and chain rounds (after one warm-up each); the median rows/s of each."""
    counter = iter(range(0, 10**9, rows))
    for work in (plain, chain):
        work(items(next(counter), rows))
    p, c = [], []
    for _ in range(rounds):
        p.append(timed(plain, items(next(counter), rows)))
        c.append(timed(chain, items(next(counter), rows)))
    pm, cm = statistics.median(p), statistics.median(c)
    return {"name": name, "rows": rows, "plain": pm, "chain": cm, "ratio": pm / cm}


def main() -> None:
    args = parse_args()
    # Only the tables measured (created in run), no migrations: the chain's tables start empty.
    with scratch_database(args.database_url, migrate=False):
        run(args)


def run(args: argparse.Namespace) -> None:
    from pracha.audit.chain import verify
    from pracha.audit.models import AuditRecord

    plain_table = plain_model()
    create_tables(plain_table)
    plain = Plain(plain_table._meta.db_table)
    size = args.batch_size

    def plain_singles(rows: Items) -> None:
        for row in rows:
            plain.single(row)

    def chain_singles(rows: Items) -> None:
        for row in rows:
            chain_single(row)

    def in_batches(append: Callable[[Items], None]) -> Callable[[Items], None]:
        def work(rows: Items) -> None:
            for start in range(0, len(rows), size):
                append(rows[start : start + size])

        return work

    print(describe_machine(), flush=True)
    results = [
        compare("one row per transaction", args.single, plain_singles, chain_singles, args.rounds),
        compare(
            f"batches of {size}",
            size * args.batches,
            in_batches(plain.batch),
            in_batches(chain_batch),
            args.rounds,
        ),
    ]
    print(f"{'append':<26}{'rows/round':>11}{'plain rows/s':>14}{'chain rows/s':>14}{'chain time':>12}")
    for r in results:
        print(f"{r['name']:<26}{r['rows']:>11}{r['plain']:>14,.0f}{r['chain']:>14,.0f}{r['ratio']:>11.2f}x")

    # Grow the chain to the size to verify, in large batches, then verify it three times.
    have = AuditRecord.objects.count()
    while have < args.verify_rows:
        n = min(5000, args.verify_rows - have)
        chain_batch(items(have, n))
        have += n
    speeds = []
    for _ in range(3):
        started = time.perf_counter()
        result = verify()
        speeds.append(result.checked / (time.perf_counter() - started))
        if not result.ok:
            raise SystemExit(f"verify failed: {result}")
    print(
        f"verify: {result.checked:,} records, {max(speeds):,.0f} records/s "
        f"(best of 3; median {statistics.median(speeds):,.0f})"
    )


if __name__ == "__main__":
    main()
