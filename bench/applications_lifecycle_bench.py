"""Benchmark of e-service applications through their whole life, on PostgreSQL.

    source scripts/postgres.sh && start_test_postgres
    .venv/bin/python bench/applications_lifecycle_bench.py --database-url "$TEST_DATABASE_URL"

It makes a scratch database pracha_bench_<random> on that server (migrated, with the geography, the
agency registry and the processes loaded) and drops it at the end; uploads go to a temporary
MEDIA_ROOT. Without --database-url it runs on a temporary SQLite file (for a quick look only).

--applications rice-trading-licence applications (default 10,000), one citizen each, go through the
real services, stage by stage, in --workers processes (each takes a share of the applications):
  apply    start_draft (prefilled), both form pages saved and validated, four documents uploaded
           (PNG/PDF checked by content, stored, hashed), submit (opens the workflow case);
  review   the counter officer accepts, the case officer recommends;
  approve  the supervisor approves: the 100-baht licence fee is invoiced (awaiting_payment);
  pay      a signed gateway callback per invoice (payments' demo gateway, the endpoint's code path),
           then the `payments.settled` jobs, whose handler moves the case to issuing;
  issue    the `applications.issue` jobs: the licence PDF rendered with Thai fonts, PAdES-signed,
           the JWS, the registry row, and the case completed. Rendering and signing a PDF costs about
           0.2 s of CPU (see "Signed credentials"), so this stage runs on --issue applications only
           (default 200) and its rate is reported separately; the others stay in issuing.
Notifications are queued in each transaction as in production, but not delivered (that is the
notification worker's work, measured elsewhere).

Baseline, in the same run and the same worker processes, each stage timed just before the real one:
the same number of bare workflow cases of the same process, without an applicant or anything of the
application, moved through the same states (start_case, then accept, recommend, approve, paid,
issued): the engine's own cost per stage.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.audit_bench import describe_machine, scratch_postgres  # noqa: E402

SERVICE = "rice-trading-licence"
PAGE_1 = {"trade_type": "milled_rice_retail"}
PAGE_2 = {
    "premises_name": "ร้านข้าวสารทดสอบ",
    "premises_address": "1 ถนนพหลโยธิน แขวงจตุจักร เขตจตุจักร กรุงเทพมหานคร",
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", ""),
        help="a PostgreSQL server to make the scratch database on (default $TEST_DATABASE_URL)",
    )
    p.add_argument("--applications", type=int, default=10_000, help="applications (and baseline cases)")
    p.add_argument("--issue", type=int, default=200, help="applications whose licence is issued and timed")
    p.add_argument("--workers", type=int, default=2, help="processes (the machine has 2 cores)")
    return p.parse_args()


# --- Set-up ----------------------------------------------------------------------------------------


def prepare(n: int) -> None:
    """Database, officers of the Department of Internal Trade and `n` citizens with accounts."""
    from django.core.management import call_command

    from pracha.agencies.models import Agency
    from pracha.core.thai_id import make_thai_id
    from pracha.identity.models import Person, User
    from pracha.identity.services import grant_role

    for command in ("migrate", "load_geography", "load_agencies", "load_processes"):
        call_command(command, verbosity=0)
    from pracha.applications.services import system_user

    system_user()  # before the workers start
    unit = Agency.objects.get(code="MOC.DIT").contact_points.order_by("id").first()
    for username, role in (
        ("counter", "counter_officer"),
        ("case", "case_officer"),
        ("supervisor", "supervisor"),
    ):
        user = User.objects.create_user(username=f"bench.{username}")
        grant_role(user, unit.pk, role)
    people = Person.objects.bulk_create(
        Person(
            kind=Person.Kind.CITIZEN,
            id_number=make_thai_id(f"{310000000000 + i:012d}"),
            name_th=f"ผู้ทดสอบ ที่{i}",
            phone="0812345678",
        )
        for i in range(n)
    )
    unusable = "!"  # no password can match: these citizens never sign in
    User.objects.bulk_create(User(username=p.id_number, person=p, password=unusable) for p in people)


# --- The stages, run in each worker over its share ------------------------------------------------


def _officer(role: str):
    from pracha.identity.models import User

    return User.objects.get(username=f"bench.{role}")


def stage_apply(user_ids: list[int]) -> list[int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pracha.applications import services
    from pracha.applications.demo_data import png_bytes
    from pracha.identity.models import User

    png, pdf = png_bytes(), _pdf()
    done = []
    for user in User.objects.filter(pk__in=user_ids).select_related("person"):
        app = services.start_draft(user, SERVICE)
        services.save_page(app, 1, PAGE_1)
        services.save_page(app, 2, PAGE_2)
        for code, name, data in (
            ("id_card", "id.png", png),
            ("house_registration", "house.pdf", pdf),
            ("premises_map", "map.png", png),
            ("premises_right", "lease.pdf", pdf),
        ):
            services.add_upload(app, code, SimpleUploadedFile(name, data), actor=user)
        services.submit(app, user)
        done.append(app.pk)
    return done


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>สำเนาสัญญาเช่า</p>").write_pdf()


def _apps(app_ids: list[int]):
    from pracha.applications.models import Application

    return Application.objects.filter(pk__in=app_ids).select_related("case", "agency", "applicant")


def stage_review(app_ids: list[int]) -> int:
    from pracha.applications import services

    counter, case = _officer("counter"), _officer("case")
    for app in _apps(app_ids):
        services.act(app, "accept", counter)
        services.act(app, "recommend", case)
    return len(app_ids)


def stage_approve(app_ids: list[int]) -> int:
    from pracha.applications import services

    supervisor = _officer("supervisor")
    for app in _apps(app_ids):
        services.act(app, "approve", supervisor)
    return len(app_ids)


def stage_pay(app_ids: list[int]) -> int:
    from pracha.payments import gateway, services

    for invoice in services.Invoice.objects.filter(
        subject_type="applications.application", subject_id__in=[str(i) for i in app_ids]
    ):
        gateway.demo_pay(invoice)
    return _run("payments.settled")


def stage_issue(_ids: list[int]) -> int:
    return _run("applications.issue")


def _run(kind: str) -> int:
    from pracha.core import queue

    n = 0
    while jobs := queue.claim(limit=20, kinds=[kind]):
        for job in jobs:
            if not queue.run_job(job):
                raise SystemExit(f"{kind} failed: {job.last_error}")
            n += 1
    return n


def baseline_start(count: list[int]) -> list[int]:
    from pracha.agencies.models import Agency
    from pracha.workflow import services as workflow

    agency = Agency.objects.get(code="MOC.DIT")
    return [workflow.start_case("eservice", agency=agency, title="bench").pk for _ in range(count[0])]


def _baseline_moves(case_ids: list[int], moves: list[tuple[str, str]]) -> int:
    from pracha.applications.services import system_user
    from pracha.workflow import services as workflow
    from pracha.workflow.models import Case

    actors = {"system": system_user()} | {r: _officer(r) for r in ("counter", "case", "supervisor")}
    for case in Case.objects.filter(pk__in=case_ids).select_related("process_version"):
        for action, role in moves:
            workflow.take_action(case, action, actor=actors[role])
    return len(case_ids)


def baseline_review(ids: list[int]) -> int:
    return _baseline_moves(ids, [("accept", "counter"), ("recommend", "case")])


def baseline_approve(ids: list[int]) -> int:
    return _baseline_moves(ids, [("approve", "supervisor")])


def baseline_pay(ids: list[int]) -> int:
    return _baseline_moves(ids, [("paid", "system")])


def baseline_issue(ids: list[int]) -> int:
    return _baseline_moves(ids, [("issued", "system")])


# --- Driving the workers -----------------------------------------------------------------------------


def _init_worker() -> None:
    from django.db import connections

    connections.close_all()  # each process opens its own connection


def _split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts)]


def timed(pool, func: Callable, shares: list) -> tuple[float, list]:
    start = time.perf_counter()
    results = pool.map(func, shares)
    return time.perf_counter() - start, results


def report(name: str, n: int, seconds: float, base: float | None) -> None:
    rate = n / seconds if seconds else 0
    ratio = f"{seconds / base:>7.1f}x" if base else " " * 8
    base_text = f"{base:>9.1f} s {n / base:>9,.0f}/s" if base else " " * 23
    per_app = 1000 * seconds / n if n else 0
    print(
        f"{name:<10}{n:>8,}{seconds:>9.1f} s{rate:>9,.1f}/s {per_app:>8.1f} ms  {base_text}{ratio}",
        flush=True,
    )


def run(args: argparse.Namespace) -> None:
    from django.db import connections

    from pracha.identity.models import User

    print(describe_machine(), flush=True)
    print(f"preparing: migrate, geography, agencies, {args.applications:,} citizens…", flush=True)
    prepare(args.applications)
    users = list(User.objects.filter(person__isnull=False).order_by("pk").values_list("pk", flat=True))
    connections.close_all()
    workers = args.workers
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        # Each stage right after its baseline, so that both see the same moment of a shared machine.
        counts = [[len(share)] for share in _split(list(range(args.applications)), workers)]
        base, seconds = {}, {}
        base["apply"], started = timed(pool, baseline_start, counts)
        seconds["apply"], made = timed(pool, stage_apply, _split(users, workers))
        case_shares = _split([pk for share in started for pk in share], workers)
        app_shares = _split([pk for share in made for pk in share], workers)
        for stage, bare, real in (
            ("review", baseline_review, stage_review),
            ("approve", baseline_approve, stage_approve),
            ("pay", baseline_pay, stage_pay),
        ):
            base[stage], _ = timed(pool, bare, case_shares)
            seconds[stage], results = timed(pool, real, app_shares)
        issued_before = sum(results)
        sample = _split([pk for share in case_shares for pk in share][: args.issue], workers)
        base["issue"], _ = timed(pool, baseline_issue, sample)
        _hold_back_issue(args.issue)
        seconds["issue"], issued = timed(pool, stage_issue, [[] for _ in range(workers)])

    n = args.applications
    print(f"\n{n:,} applications, {workers} worker processes; issuance timed on {sum(issued)} of them\n")
    heads = f"{'stage':<10}{'count':>8}{'time':>11}{'rate':>11} {'per app':>11}"
    print(f"{heads}  {'bare workflow (baseline)':>23}{'ratio':>8}")
    for stage in ("apply", "review", "approve", "pay"):
        report(stage, n, seconds[stage], base[stage])
    report("issue", sum(issued), seconds["issue"], base["issue"])
    through = sum(seconds[s] for s in ("apply", "review", "approve", "pay"))
    print(
        f"\napply → pay, all {n:,}: {through:.0f} s, {n / through:,.1f} applications/s end to end "
        f"(bare workflow {sum(base[s] for s in ('apply', 'review', 'approve', 'pay')):.0f} s)"
    )
    per_issue = seconds["issue"] / max(1, sum(issued))
    print(
        f"issuing all {n:,} licences at this rate: {per_issue * n / 60:,.0f} min "
        f"({sum(issued) / seconds['issue']:.1f} licences/s with {workers} processes)"
    )
    print(f"settled jobs run: {issued_before:,}")
    _check(n, sum(issued))


def _hold_back_issue(keep: int) -> None:
    """Leave only `keep` issue jobs runnable: the rest stay queued (their applications in issuing)."""
    import datetime as dt

    from django.utils import timezone

    from pracha.core.models import Job

    later = timezone.now() + dt.timedelta(days=365)
    queued = Job.objects.filter(kind="applications.issue").order_by("pk").values_list("pk", flat=True)
    Job.objects.filter(pk__in=list(queued[keep:])).update(run_after=later, turn_at=later)


def _check(n: int, issued: int) -> None:
    from django.db.models import Count

    from pracha.applications.models import Application

    states = dict(
        Application.objects.values_list("case__state").annotate(n=Count("id")).values_list("case__state", "n")
    )
    print(f"states at the end: {states}")
    if states.get("completed", 0) != issued or states.get("issuing", 0) != n - issued:
        raise SystemExit("not every application reached the state it should")


def main() -> None:
    args = parse_args()
    media = tempfile.TemporaryDirectory(prefix="pracha-bench-media-")
    os.environ.update(DJANGO_SETTINGS_MODULE="pracha.settings", PRACHA_LOG_LEVEL="WARNING")
    os.environ.setdefault("PRACHA_DEMO", "1")
    if args.database_url:
        url, drop = scratch_postgres(args.database_url)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pracha-bench-")
        url, drop = f"sqlite:///{tmp.name}/bench.sqlite3", tmp.cleanup
    os.environ["DATABASE_URL"] = url
    try:
        import django

        django.setup()
        from django.conf import settings

        settings.MEDIA_ROOT = media.name
        run(args)
    finally:
        drop()
        media.cleanup()


if __name__ == "__main__":
    main()
