"""Benchmark of consent: `has_consent` (on every exchange call), `give`, and `verify`, on one database.

    .venv/bin/python bench/consent_bench.py                                   # a temporary SQLite file
    .venv/bin/python bench/consent_bench.py --database-url postgres://u@h:p/db  # a scratch database there

It never touches an existing database (a temporary SQLite file, or a database pracha_bench_<random>
on the given PostgreSQL server, dropped at the end). Figures, all in the same run:
  (a) baselines: the cheapest indexed lookup, a raw `SELECT 1 FROM person WHERE id = %s`, and the
      same through the ORM, `Person.objects.filter(pk=...).exists()`;
  (b) `has_consent(person, code)` and `has_consent(id_number, code)` (the hub's call), and
      `has_consent(..., at=moment)`, over --people people with consents to several agreements;
  (c) `give` + `withdraw` through the service (chain append, current row, audit record), per second;
  (d) `verify()` over all consent chains, records per second.
Latencies are per call, p50 and p99, measured in alternating rounds so a slow moment favours no side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._scratch import database_argument, scratch_database  # noqa: E402
from bench._stats import percentile, timed_calls  # noqa: E402

CODES = ("eservice.dopa.population_record", "eservice.sso.insured_status", "eservice.doe.worker_abroad")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p)
    p.add_argument("--people", type=int, default=100_000, help="people with consent records")
    p.add_argument("--calls", type=int, default=2000, help="lookups per round")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    p.add_argument("--gives", type=int, default=500, help="give+withdraw pairs through the service")
    return p.parse_args()


def populate(people: int) -> list[tuple[int, str]]:
    """People and their consents, written in bulk (bench data: the chain hashes are real, computed
    here rather than by `give`, which (c) measures on its own)."""
    from django.db import transaction
    from django.utils import timezone

    from pracha.agencies.models import Agency
    from pracha.consent import chain
    from pracha.consent.agreements import load_agreements
    from pracha.consent.models import ConsentHead, ConsentRecord, CurrentConsent
    from pracha.core.thai_id import make_thai_id
    from pracha.identity.models import Person

    for code in (
        "MOI",
        "MOI.DOPA",
        "MOL",
        "MOL.SSO",
        "MOL.DOE",
        "MOC",
        "MIND",
        "MOTS",
        "MOAC",
        "BMA",
        "MSDHS",
        "MOF",
        "MFA",
    ):
        parent = Agency.objects.filter(code=code.rpartition(".")[0]).first() if "." in code else None
        Agency.objects.create(code=code, name_th=code, name_en=code, kind="department", parent=parent)
    load_agreements()
    rng = random.Random(7)
    now = timezone.now()
    ids: list[tuple[int, str]] = []
    step = 5000
    for start in range(0, people, step):
        with transaction.atomic():
            batch = [
                Person(kind="citizen", id_number=make_thai_id(f"{110000000000 + i:012d}"), name_th=f"คน {i}")
                for i in range(start, min(start + step, people))
            ]
            Person.objects.bulk_create(batch)
            batch = list(Person.objects.filter(id_number__in=[p.id_number for p in batch]).order_by("pk"))
            records, heads = [], []
            for person in batch:
                prev, seq = chain.GENESIS, 0
                for code in rng.sample(CODES, rng.randint(1, 3)):
                    seq += 1
                    action = "given" if rng.random() < 0.8 else "withdrawn"
                    rec = ConsentRecord(
                        person=person,
                        seq=seq,
                        agreement_code=code,
                        agreement_version=1,
                        action=action,
                        channel="web",
                        at=now - dt.timedelta(days=rng.randint(1, 300)),
                        actor="system:bench",
                        prev_hash=prev,
                    )
                    rec.hash = prev = chain.hash_of(rec)
                    records.append(rec)
                heads.append(ConsentHead(person=person, seq=seq, hash=prev))
            ConsentRecord.objects.bulk_create(records, batch_size=2000)
            ConsentHead.objects.bulk_create(heads, batch_size=2000)
            CurrentConsent.objects.bulk_create(
                [
                    CurrentConsent(
                        person_id=r.person_id,
                        agreement_code=r.agreement_code,
                        given=r.action == "given",
                        version=1,
                        record=r,
                        at=r.at,
                    )
                    for r in ConsentRecord.objects.filter(person__in=batch)
                ],
                batch_size=2000,
            )
            ids += [(p.pk, p.id_number) for p in batch]
    return ids


def main() -> None:
    args = parse_args()
    with scratch_database(args.database_url):
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.utils import timezone

    from pracha.consent import services
    from pracha.consent.chain import verify
    from pracha.identity.models import Person

    print(
        f"database: {connection.vendor}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    t = time.perf_counter()
    ids = populate(args.people)
    print(f"populated {len(ids):,} people with consents in {time.perf_counter() - t:.1f} s", flush=True)
    persons = {pk: Person(pk=pk, id_number=number) for pk, number in ids}
    rng = random.Random(1)
    moment = timezone.now() - dt.timedelta(days=100)

    def pick():
        pk, number = ids[rng.randrange(len(ids))]
        return persons[pk], number, CODES[rng.randrange(3)]

    table = Person._meta.db_table

    def raw_pk(pk: int) -> object:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT 1 FROM "{table}" WHERE id = %s', [pk])
            return cursor.fetchone()

    cases: dict[str, Callable[[], object]] = {
        "baseline raw SELECT by pk": lambda: raw_pk(pick()[0].pk),
        "ORM Person pk exists()": lambda: Person.objects.filter(pk=pick()[0].pk).exists(),
        "has_consent(person)": lambda: (lambda p: services.has_consent(p[0], p[2]))(pick()),
        "has_consent(id_number)": lambda: (lambda p: services.has_consent(p[1], p[2]))(pick()),
        "has_consent(id_number, at=)": lambda: (lambda p: services.has_consent(p[1], p[2], at=moment))(
            pick()
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            samples[name] += timed_calls(fn, args.calls)
    print(f"\nlookups ({args.rounds} rounds x {args.calls} calls each, alternating)")
    base = percentile(samples["baseline raw SELECT by pk"], 50) * 1000
    for name, values in samples.items():
        p50 = percentile(values, 50) * 1000
        print(
            f"  {name:30s} p50 {p50:6.3f} ms  p99 {percentile(values, 99) * 1000:6.3f} ms  "
            f"{1 / statistics.mean(values):8,.0f}/s  (+{p50 - base:.3f} ms over baseline)"
        )

    people = [persons[ids[i][0]] for i in rng.sample(range(len(ids)), args.gives)]
    t = time.perf_counter()
    for person in people:
        services.give(person, "eservice.doe.worker_abroad", channel="web")
        services.withdraw(person, "eservice.doe.worker_abroad", channel="web")
    seconds = time.perf_counter() - t
    print(
        f"\ngive+withdraw through the service: {2 * args.gives / seconds:,.0f} revisions/s "
        f"({seconds / (2 * args.gives) * 1000:.2f} ms each, with the audit record)"
    )

    t = time.perf_counter()
    result = verify()
    seconds = time.perf_counter() - t
    assert result.ok, result.problems[:5]
    print(
        f"verify: {result.records:,} records of {result.people:,} people in {seconds:.1f} s "
        f"({result.records / seconds:,.0f} records/s)"
    )


if __name__ == "__main__":
    main()
