"""Benchmark of an agency's complaint queue with 1,000,000 complaints in the database, on PostgreSQL.

    .venv/bin/python bench/complaints_queue_bench.py --database-url postgres://u@h:p/postgres

It makes a scratch database pracha_bench_<random> on that server (migrated, with the geography, the
agency registry and the processes loaded) and drops it at the end; it never touches another database.

The complaints and their workflow cases are generated in SQL (INSERT … SELECT generate_series), spread
as a national system's would be: two years of complaints over the Bangkok district offices, the BMA's
departments, the utilities, the 1111 centre and a few provincial bodies, the busiest district office
(--agency, default BMA.1030) taking --busy-share of them; about 15% still open, in every open state,
with deadlines from overdue to weeks ahead; every channel and category. Then ANALYZE.

An officer of the busy agency (case officer of its complaints unit) signs in, and the benchmark times,
--requests times each (after a warm-up), through Django's test client, i.e. the whole Django stack in
this process (middleware, session, scope, queries, template or JSON) without the HTTP server:
  - the officer queue page GET /complaints/officer/ (first page, nearest deadline first, 25 rows);
  - the API GET /api/complaints/officer/queue (first page, 25 rows, with the count);
  - the same two on page 40 (rows 976-1000), deeper in the list;
against the baseline, measured in the same run: the bare indexed SELECT of the same page of rows
(complaints joined to their case, the agency's open cases by deadline, LIMIT 25) with a raw cursor.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._scratch import REFERENCE_DATA, database_argument, describe_machine, scratch_database  # noqa: E402
from bench._stats import spread, timed_calls  # noqa: E402

TARGET_P95_MS = 100


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p, postgres=True)
    p.add_argument("--complaints", type=int, default=1_000_000, help="complaints to generate")
    p.add_argument("--agency", default="BMA.1030", help="the busy agency whose queue is timed")
    p.add_argument("--busy-share", type=float, default=0.06, help="its share of all complaints")
    p.add_argument("--open-share", type=float, default=0.15, help="share of complaints still open")
    p.add_argument("--requests", type=int, default=200, help="timed requests of each kind")
    p.add_argument("--explain", action="store_true", help="print the plans of the page queries")
    return p.parse_args()


# --- Generating the rows --------------------------------------------------------------------------


OPEN_STATES = ["triage", "forwarded", "in_progress", "awaiting_complainant", "resolved"]
CLOSED_STATES = ["closed", "closed", "closed", "closed", "closed", "closed", "rejected", "merged"]
CHANNELS = ["web", "web", "web", "line", "line", "line", "hotline", "counter", "mail", "open311"]
CATEGORIES = ["road", "footpath", "flooding", "light", "cleanliness", "traffic", "noise", "tree", "canal"]
URGENCIES = ["normal", "normal", "normal", "normal", "high", "critical"]
TEXTS = [
    "ทางเท้าหน้าตลาดชำรุด กระเบื้องแตก เดินลำบาก ผู้สูงอายุสะดุดล้ม",
    "ไฟฟ้าส่องสว่างในซอยดับมาหลายวัน กลางคืนมืดมาก ไม่ปลอดภัย",
    "น้ำท่วมขังหน้าหมู่บ้านหลังฝนตก ท่อระบายน้ำอุดตัน",
    "มีขยะกองอยู่ริมถนนไม่มีคนมาเก็บ ส่งกลิ่นเหม็น",
    "รถจอดขวางทางเข้าออกซอยเป็นประจำ",
    "ต้นไม้ใหญ่กิ่งหักพาดสายไฟ เสี่ยงอันตราย",
]


def contact_points(busy: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(contact point id, agency id) of the busy agency's units, and of the other agencies'."""
    from pracha.agencies.models import ContactPoint

    units = ContactPoint.objects.all()
    others_q = units.filter(agency__code__regex=r"^(BMA(\.10\d\d)?|MEA|MWA|PEA|PWA|OPM\.OPS|PAO\.|CITY\.)")
    mine = list(units.filter(agency__code=busy).values_list("pk", "agency_id"))
    others = list(others_q.exclude(agency__code=busy).values_list("pk", "agency_id"))
    if not mine:
        raise SystemExit(f"agency {busy} has no contact points")
    return mine, others


def sql_array(values: list, cast: str) -> str:
    def literal(v: object) -> str:
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    return f"ARRAY[{', '.join(literal(v) for v in values)}]::{cast}[]"


def generate(n: int, busy: str, busy_share: float, open_share: float) -> None:
    """Cases and complaints 1..n in chunks (each chunk one INSERT … SELECT per table), then ANALYZE."""
    from django.db import connection

    from pracha.complaints.models import Complaint
    from pracha.workflow.models import ProcessVersion

    mine, others = contact_points(busy)
    version = ProcessVersion.objects.get(code="complaint", current=True).pk
    with connection.cursor() as cur:
        cur.execute("SELECT code FROM agencies_subdistrict WHERE code LIKE '10%%' ORDER BY code")
        subs = [r[0] for r in cur.fetchall()]
    # One row of random choices per complaint, drawn once and shared by the case and the complaint.
    draws = f"""
      SELECT i,
             CASE WHEN random() < {busy_share}
                  THEN ({sql_array([c for c, _ in mine], "bigint")})[1 + floor(random() * {len(mine)})::int]
                  ELSE ({sql_array([c for c, _ in others], "bigint")})[
                        1 + floor(power(random(), 1.6) * {len(others)})::int]
             END AS cp,
             now() - (random() * interval '730 days') AS opened,
             random() < {open_share} AS open,
             random() AS r1, random() AS r2, random() AS r3
        FROM generate_series(%s, %s) AS i"""
    agency_of = "(SELECT agency_id FROM agencies_contactpoint WHERE id = d.cp)"
    case_sql = f"""
      INSERT INTO workflow_case (id, process_version_id, reference, title, agency_id, contact_point_id,
             state, subject_type, subject_id, data, opened_at, closed_at, state_entered_at,
             state_deadline, case_deadline, due_at, escalation_level, time_limits)
      SELECT d.i, {version}, 'CMP-BENCH-' || d.i, 'เรื่องร้องเรียน ' || d.i, {agency_of}, d.cp,
             CASE WHEN d.open THEN ({sql_array(OPEN_STATES, "text")})[1 + floor(d.r1 * 5)::int]
                  ELSE ({sql_array(CLOSED_STATES, "text")})[1 + floor(d.r1 * 8)::int] END,
             'complaints.complaint', d.i::text, '{{}}'::jsonb, d.opened,
             CASE WHEN d.open THEN NULL ELSE d.opened + d.r2 * interval '30 days' END,
             d.opened,
             CASE WHEN d.open THEN d.opened + interval '3 days' END,
             CASE WHEN d.open THEN d.opened + interval '30 days' END,
             -- open cases: due from two weeks overdue to four weeks ahead, recent ones ahead
             CASE WHEN d.open THEN now() + (d.r3 * 42 - 14) * interval '1 day' END,
             0, '{{}}'::jsonb
        FROM ({draws}) AS d"""

    given = {
        "id": "k.id",
        "tracking_code": "'B' || lpad(k.id::text, 9, '0')",
        "channel": f"({sql_array(CHANNELS, 'text')})[1 + (k.id %% {len(CHANNELS)})::int]",
        "text": f"({sql_array(TEXTS, 'text')})[1 + (k.id %% {len(TEXTS)})::int] || ' #' || k.id",
        "anonymous": "k.id %% 3 = 0",
        "subdistrict_id": f"({sql_array(subs, 'text')})[1 + (k.id %% {len(subs)})::int]",
        "categories": (
            f"jsonb_build_array(jsonb_build_array(({sql_array(CATEGORIES, 'text')})"
            f"[1 + (k.id %% {len(CATEGORIES)})::int], 0.81))"
        ),
        "intent": "'complaint'",
        "urgency": f"({sql_array(URGENCIES, 'text')})[1 + (k.id %% {len(URGENCIES)})::int]",
        "model_version": "'bench'",
        "routing": "'routed'",
        "agency_id": "k.agency_id",
        "contact_point_id": "k.contact_point_id",
        "case_id": "k.id",
        "received_at": "k.opened_at",
        "created_at": "k.opened_at",
    }
    columns, values, params = [], [], []
    for f in Complaint._meta.concrete_fields:
        columns.append(f'"{f.column}"')
        if f.attname in given:
            values.append(given[f.attname])
        elif f.null:
            values.append("NULL")
        else:
            values.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
    complaint_sql = f"""
      INSERT INTO complaints_complaint ({", ".join(columns)})
      SELECT {", ".join(values)} FROM workflow_case k WHERE k.id BETWEEN %s AND %s"""

    chunk = 100_000
    started = time.perf_counter()
    for low in range(1, n + 1, chunk):
        high = min(n, low + chunk - 1)
        with connection.cursor() as cur:
            cur.execute(case_sql, [low, high])
            cur.execute(complaint_sql, [*params, low, high])
        print(f"  {high:,} complaints ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cur:
        for table in ("workflow_case", "complaints_complaint"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [n])
        cur.execute("ANALYZE")


# --- Timing -------------------------------------------------------------------------------------------


def timed(work, n: int, warm: int = 10) -> dict[str, float]:
    for _ in range(warm):
        work()
    return spread(timed_calls(work, n))


def explain(page_sql: str, params: list) -> None:
    """The plans of the baseline and of the queue's own page and count queries (what --explain shows)."""
    from django.db import connection
    from django.db.models import QuerySet

    from pracha.complaints import officer_services as officer
    from pracha.identity.models import User

    qs: QuerySet = officer.queue(User.objects.get(username="bench-officer"))
    for name, (sql, args) in (
        ("baseline", (page_sql, params)),
        ("queue page", qs[:25].query.sql_with_params()),
        ("queue count", qs.order_by().values("pk").query.sql_with_params()),
    ):
        with connection.cursor() as cur:
            if name == "queue count":
                sql = f"SELECT count(*) FROM ({sql}) AS q"
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", args)
            print(f"--- {name}\n" + "\n".join(r[0] for r in cur.fetchall()))


def officer_of(busy: str):
    from pracha.agencies.models import ContactPoint
    from pracha.identity.models import User
    from pracha.identity.services import grant_role

    units = ContactPoint.objects.filter(agency__code=busy)
    unit = units.filter(code=f"{busy}/complaints").first() or units.first()
    user = User.objects.create_user(username="bench-officer", password=None)
    grant_role(user, unit.pk, "case_officer")
    return user


def main() -> None:
    args = parse_args()
    with scratch_database(args.database_url, postgres=True, load=REFERENCE_DATA):
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from pracha.agencies.models import Agency

    print(f"generating {args.complaints:,} complaints and their cases…", flush=True)
    generate(args.complaints, args.agency, args.busy_share, args.open_share)
    agency = Agency.objects.get(code=args.agency)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL) FROM workflow_case"
            " WHERE agency_id = %s",
            [agency.pk],
        )
        total, open_ = cur.fetchone()
        cur.execute("SELECT count(*) FROM workflow_case WHERE closed_at IS NULL")
        all_open = cur.fetchone()[0]

    setup_test_environment()  # the test client's host name, and e-mail kept in memory
    client = Client()
    client.force_login(officer_of(args.agency))

    page_sql = """
      SELECT c.* FROM complaints_complaint c JOIN workflow_case k ON k.id = c.case_id
       WHERE k.agency_id = %s AND k.closed_at IS NULL
       ORDER BY k.due_at ASC NULLS LAST, k.opened_at, c.id LIMIT 25 OFFSET %s"""

    def bare(offset: int):
        def work() -> None:
            with connection.cursor() as cur:
                cur.execute(page_sql, [agency.pk, offset])
                if len(cur.fetchall()) != 25:
                    raise SystemExit("the baseline page is not full")

        return work

    def get(path: str):
        def work() -> None:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="th")
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")

        return work

    results = [
        ("bare SELECT of the page (baseline)", timed(bare(0), args.requests)),
        ("officer queue page /complaints/officer/", timed(get("/complaints/officer/"), args.requests)),
        ("API /api/complaints/officer/queue", timed(get("/api/complaints/officer/queue"), args.requests)),
        ("bare SELECT, rows 976-1000 (baseline)", timed(bare(975), args.requests)),
        ("officer queue page 40", timed(get("/complaints/officer/?page=40"), args.requests)),
        ("API queue page 40", timed(get("/api/complaints/officer/queue?page=40"), args.requests)),
    ]
    if args.explain:
        explain(page_sql, [agency.pk, 0])
    print(describe_machine())
    print(
        f"{args.complaints:,} complaints ({all_open:,} open); {args.agency}: {total:,} complaints, "
        f"{open_:,} open (its queue); {args.requests} timed requests each, after 10 untimed"
    )
    print(f"{'':<44}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'p95 vs bare':>13}")
    for i, (name, r) in enumerate(results):
        base = results[0 if i < 3 else 3][1]
        print(f"{name:<44}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}{r['p95'] / base['p95']:>12.1f}x")
    worst = max(r["p95"] for name, r in results if "baseline" not in name)
    print(
        f"target: queue page p95 < {TARGET_P95_MS} ms: worst p95 {worst:.0f} ms "
        f"({'met' if worst < TARGET_P95_MS else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
