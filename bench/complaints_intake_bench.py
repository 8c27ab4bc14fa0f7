"""Benchmark of complaint intake through the JSON API, with classification and routing, on PostgreSQL.

    .venv/bin/python bench/complaints_intake_bench.py --database-url postgres://u@h:p/postgres

It makes a scratch database pracha_bench_<random> on that server (migrated, with the geography, the
agency registry and the processes loaded) and drops it at the end; it never touches another database.
Without --model-dir it trains the complaint classifier into a temporary folder first
(`pracha train-complaint-model --no-evaluate`), and points PRACHA_MODEL_DIR at it; a --model-dir this
code will not load (trained by other classifier code) is refused before anything runs.

The system under test runs as it does in production, in processes of its own on 127.0.0.1:
`pracha serve` (Granian, --web-workers processes) and --job-workers `pracha worker` processes that run
the `complaints.route` job (classify, decide, open the workflow case, audit, notify). The rate limits
are lifted through their settings (PRACHA_RATE_LIMIT_PER_MINUTE, PRACHA_COMPLAINT_RATE_PER_MINUTE).
This process is the client: --concurrency threads, each with one keep-alive connection, POST
anonymous complaints (real Traffy texts, each once, with their Bangkok subdistrict; every other one
with a phone number for updates, so half of them also send an SMS through the notify queue).

Figures, all in the same run and on the same database:
  (a) baseline: a plain INSERT of the same complaint rows (every column, the same indexes) into a
      copy of the complaints table, one row per transaction, from the same number of threads;
  (b) accepted: POST /api/complaints with no job worker running: the 202 latency and rate of intake
      alone; then the job workers are started and the rate at which they route that backlog;
  (c) end to end: the job workers already running while the client files the next batch; the 202
      latency under that load, and complaints routed per second from the first POST to the moment
      the last complaint's case was opened (case.opened_at), each complaint's filed-to-routed time;
      then the rate counting the work routing queues (duplicate checks, SMS deliveries): from the
      first POST until no job is due (the queue is idle before (c) starts, so none of it is (b)'s).
Nothing here is a test: no figure is asserted; the targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._scratch import (  # noqa: E402
    PRACHA,
    REFERENCE_DATA,
    Processes,
    database_argument,
    describe_machine,
    free_port,
    scratch_database,
    wait_for_http,
)
from bench._stats import ROW_HEADER, print_row, run_threads, spread  # noqa: E402

TARGET_RATE, TARGET_P99_MS = 300, 100


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p, postgres=True)
    p.add_argument("--complaints", type=int, default=2000, help="complaints per measured batch")
    p.add_argument("--concurrency", type=int, default=8, help="client threads (requests in flight)")
    p.add_argument("--web-workers", type=int, default=2, help="web server worker processes")
    p.add_argument("--web-threads", type=int, default=2, help="threads per web server worker")
    p.add_argument("--job-workers", type=int, default=2, help="`pracha worker` processes")
    p.add_argument("--model-dir", default="", help="a models folder with a trained classifier")
    p.add_argument("--timeout", type=float, default=600, help="give up waiting for routing after this")
    p.add_argument(
        "--open",
        type=int,
        default=0,
        help="open, routed complaints of the last 13 days put in the database first (see seed_open)",
    )
    return p.parse_args()


# --- The system under test ------------------------------------------------------------------------


def server_env(procs: Processes, database_url: str, model_dir: str) -> dict[str, str]:
    # The complaint filing limit is lifted too, as an operator would: one client files thousands.
    return procs.env(database_url, PRACHA_MODEL_DIR=model_dir, PRACHA_COMPLAINT_RATE_PER_MINUTE="100000000")


def _proc_stat(pid: int) -> tuple[int, float, float]:
    """(parent pid, own CPU seconds, CPU seconds of its children already reaped) from /proc (Linux)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
    return int(fields[1]), own / tick, reaped / tick


def cpu_seconds(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU time used so far by each group of processes with their descendants, living or reaped; a
    process counts for the group of its nearest ancestor named in any group (the web server is a
    child of this client process, yet its time is the web server's)."""
    parents: dict[int, int] = {}
    stats: dict[int, tuple[float, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid, own, reaped = _proc_stat(int(entry))
            except (OSError, IndexError, ValueError):  # gone meanwhile
                continue
            parents[int(entry)], stats[int(entry)] = ppid, (own, reaped)
    group_of = {pid: name for name, pids in groups.items() for pid in pids}
    totals = dict.fromkeys(groups, 0.0)
    for pid, (own, reaped) in stats.items():
        ancestor = pid
        while ancestor and ancestor not in group_of:
            ancestor = parents.get(ancestor, 0)
        if ancestor:
            # Reaped children: the web server's own finished workers, PostgreSQL's finished backends.
            totals[group_of[ancestor]] += own + (reaped if pid in group_of else 0.0)
    return totals


class CpuMeter:
    """CPU seconds spent by each part of the system under test between two readings: where the two
    cores go per complaint (the client, the web server, the job workers, PostgreSQL)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.start = cpu_seconds(groups)

    def per_item_ms(self, n: int) -> dict[str, float]:
        now = cpu_seconds(self.groups)
        return {name: (now[name] - self.start[name]) * 1000 / n for name in self.groups}


def postgres_server_pid() -> int | None:
    """The postmaster of the benchmark's database when it runs on this machine (else None)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    try:
        return _proc_stat(backend)[0]
    except OSError:
        return None


# --- The complaints ---------------------------------------------------------------------------------


def traffy_rows() -> list[tuple[str, str]]:
    """(text, Bangkok subdistrict code) of the Traffy sample's rows with a text of 15 characters or
    more and a subdistrict found by name."""
    import geothai
    from django.conf import settings

    base = settings.PRACHA_DATA_DIR or Path(settings.BASE_DIR).parent.parent / "shared" / "data"
    with (Path(base) / "traffy" / "bangkok_complaints_2023q4.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if len(r["comment"].strip()) >= 15]
    places: dict[tuple[str, str], str | None] = {}
    usable = []
    for r in rows:
        key = (r["subdistrict"], r["district"])
        if key not in places:
            found = geothai.match(r["subdistrict"], district=r["district"], province="กรุงเทพมหานคร")
            places[key] = found[0].subdistrict.code if len(found) == 1 else None
        if places[key]:
            usable.append((r["comment"].strip()[:5000], places[key]))
    return usable


def traffy_complaints(n: int) -> list[dict]:
    """`n` JSON bodies from the Traffy sample: its text and Bangkok subdistrict, each text used once
    (a counter is added when the sample runs out, so no tokenizer cache ever sees a text twice)."""
    usable = traffy_rows()
    out = []
    for i in range(n):
        text, sub = usable[i % len(usable)]
        if i >= len(usable):
            text = f"{text} (แจ้งซ้ำครั้งที่ {i // len(usable) + 1})"
        body = {"text": text, "subdistrict": sub, "anonymous": True}
        if i % 2:
            body["contact_phone"] = f"08{i % 100_000_000:08d}"
        out.append(body)
    return out


def seed_open(n: int, model_dir: Path) -> None:
    """`n` open complaints, classified and routed as intake would (the model's categories, the
    routing rules' unit, the words duplicate checks compare), received over the last 13 days, each
    with its open workflow case: the crowd of open complaints that each new one is checked against.
    Each takes its category and place from one Traffy row and its words half from that row and half
    from another, so its vocabulary is real but it repeats no text of the sample (the measured
    complaints are the sample's texts). Written with bulk inserts, not through the API."""
    import random

    from django.db import connection
    from django.utils import timezone

    from pracha.agencies.models import Subdistrict
    from pracha.complaints import duplicates, routing
    from pracha.complaints.classifier import classify_many
    from pracha.complaints.classifier.store import load_model
    from pracha.complaints.models import Complaint
    from pracha.complaints.services import confidence_threshold
    from pracha.workflow.models import Case, ProcessVersion

    started = time.perf_counter()
    usable = traffy_rows()
    predictions = classify_many([text for text, _ in usable], load_model(model_dir=model_dir))
    words = [duplicates.words(text) for text, _ in usable]
    subs = {s.code: s for s in Subdistrict.objects.filter(code__in={sub for _, sub in usable})}
    now = timezone.now()
    rules, units, threshold = routing.load_rules(), routing.unit_cache(), confidence_threshold()
    decisions = [
        routing.decide(p, subdistrict=subs[sub], at=now, rules=rules, threshold=threshold, units=units)
        for p, (_, sub) in zip(predictions, usable, strict=True)
    ]
    version = ProcessVersion.objects.get(code="complaint", current=True)
    draw = random.Random(1111)
    chunk = 5000
    for low in range(0, n, chunk):
        picks = [(i % len(usable), draw.randrange(len(usable))) for i in range(low, min(n, low + chunk))]
        received = [now - dt.timedelta(days=13 * draw.random()) for _ in picks]
        cases = Case.objects.bulk_create(
            Case(
                process_version=version,
                reference=f"CMP-SEED-{low + k}",
                title=f"เรื่องร้องเรียน {low + k}",
                agency=decisions[a].agency,
                contact_point=decisions[a].contact_point,
                state="forwarded" if decisions[a].routed else "triage",
                subject_type="complaints.complaint",
                opened_at=at,
                state_entered_at=at,
                case_deadline=at + dt.timedelta(days=30),
                due_at=at + dt.timedelta(days=30),
            )
            for k, ((a, _), at) in enumerate(zip(picks, received, strict=True))
        )
        Complaint.objects.bulk_create(
            Complaint(
                channel="web",
                text=usable[a][0],
                anonymous=True,
                subdistrict=subs[usable[a][1]],
                categories=[[c, round(p, 4)] for c, p in decisions[a].categories],
                intent=decisions[a].intent[0],
                urgency=decisions[a].urgency[0],
                model_version=decisions[a].model_version,
                text_words=" ".join(words[a][: len(words[a]) // 2] + words[b][len(words[b]) // 2 :]),
                routing=Complaint.Routing.ROUTED if decisions[a].routed else Complaint.Routing.TRIAGE,
                agency=decisions[a].agency,
                contact_point=decisions[a].contact_point,
                case=case,
                received_at=at,
                created_at=at,
            )
            for (a, b), at, case in zip(picks, received, cases, strict=True)
        )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE workflow_case k SET subject_id = c.id::text FROM complaints_complaint c"
            " WHERE c.case_id = k.id AND k.subject_id = ''"
        )
        cur.execute("ANALYZE")
    print(f"{n:,} open complaints put in the database in {time.perf_counter() - started:.0f} s", flush=True)


# --- Load ---------------------------------------------------------------------------------------------


def poster(port: int) -> Callable[[], Callable[[object], None]]:
    def make() -> Callable[[object], None]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "Accept-Language": "th"}

        def post(body: object) -> None:
            conn.request("POST", "/api/complaints", json.dumps(body, ensure_ascii=False).encode(), headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 202:
                raise RuntimeError(f"HTTP {response.status}: {data[:300]!r}")

        return post

    return make


# --- The plain INSERT baseline ------------------------------------------------------------------------


def plain_inserter(database_url: str, bodies: list[dict]) -> tuple[Callable, list[tuple]]:
    """A copy of the complaints table (same columns and indexes) and the same rows as the API would
    store, as parameter tuples; each thread INSERTs them one per transaction on its own connection."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from pracha.agencies.models import Subdistrict
    from pracha.complaints.models import Complaint

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_plain_complaint (LIKE complaints_complaint INCLUDING ALL)")
    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    subs = {s.code: s for s in Subdistrict.objects.filter(code__in={b["subdistrict"] for b in bodies})}
    rows = []
    for b in bodies:
        now = timezone.now()
        c = Complaint(
            channel="web",
            text=b["text"],
            anonymous=True,
            contact_phone=b.get("contact_phone", ""),
            subdistrict=subs[b["subdistrict"]],
            received_at=now,
            created_at=now,
        )
        rows.append(tuple(f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields))
    columns = ", ".join(f'"{f.column}"' for f in fields)
    sql = f"INSERT INTO bench_plain_complaint ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"

    def make() -> Callable[[object], None]:
        conn = psycopg.connect(database_url, autocommit=True)

        def insert(row: object) -> None:
            conn.execute(sql, row)

        return insert

    return make, rows


# --- Waiting for the routing ------------------------------------------------------------------------


def wait_routed(ids: range, timeout: float) -> None:
    from django.db import connection

    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM complaints_complaint WHERE id BETWEEN %s AND %s AND case_id IS NULL",
                [ids.start, ids.stop - 1],
            )
            left = cur.fetchone()[0]
        if not left:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{left} complaints still unrouted after {timeout:.0f} s")
        # The end is read from the cases' opened_at, so polling slowly costs no precision and keeps
        # this count out of the PostgreSQL CPU measured per complaint.
        time.sleep(0.25)


def wait_idle(timeout: float) -> float:
    """Wait until the job queue has nothing due (the duplicate checks and SMS deliveries that routing
    queued are done too); returns that moment as a time.time()."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM core_job WHERE status IN ('queued', 'running') AND run_after <= now()"
            )
            left = cur.fetchone()[0]
        if not left:
            return time.time()
        if time.monotonic() > deadline:
            raise SystemExit(f"{left} jobs still due after {timeout:.0f} s")
        time.sleep(0.25)


def routed_figures(ids: range, since: float) -> dict:
    """From the database: when the last case was opened (seconds after `since`, a time.time()),
    each complaint's filed-to-routed time, and how the complaints were routed."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """SELECT extract(epoch FROM k.opened_at), extract(epoch FROM k.opened_at - c.created_at),
                      c.routing, c.model_version <> ''
                 FROM complaints_complaint c JOIN workflow_case k ON k.id = c.case_id
                WHERE c.id BETWEEN %s AND %s""",
            [ids.start, ids.stop - 1],
        )
        rows = cur.fetchall()
    last = max(float(r[0]) for r in rows)
    routing: dict[str, int] = {}
    for r in rows:
        routing[r[2]] = routing.get(r[2], 0) + 1
    return {
        "seconds": last - since,
        "filed_to_routed": [float(r[1]) for r in rows],
        "routing": routing,
        "classified": sum(1 for r in rows if r[3]),
    }


def new_ids(before: int, n: int) -> range:
    """The ids the API gave the last `n` complaints (after `before`, the highest id before them)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id), count(*) FROM complaints_complaint WHERE id > %s", [before])
        low, high, count = cur.fetchone()
    if count != n:
        raise SystemExit(f"{count} complaints stored, {n} expected")
    return range(low, high + 1)


def highest_id() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM complaints_complaint")
        return cur.fetchone()[0]


# --- The run ------------------------------------------------------------------------------------------


def train_model(env: dict[str, str], out: Path) -> None:
    print("training the complaint classifier (pracha train-complaint-model --no-evaluate)…", flush=True)
    done = subprocess.run(  # noqa: S603 (our own command)
        [PRACHA, "train-complaint-model", "--no-evaluate", "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"training failed:\n{done.stdout}\n{done.stderr}")


def check_model(model_dir: Path) -> None:
    """Refuse a --model-dir this code will not load: routing would send every complaint to triage
    unclassified, a cheaper run that looks like a faster one."""
    from pracha.complaints.classifier.store import ModelNotFoundError, load_model

    try:
        load_model(model_dir=model_dir)
    except ModelNotFoundError as exc:
        raise SystemExit(f"--model-dir {model_dir}: {exc}") from exc


def main() -> None:
    args = parse_args()
    # The servers stop (Processes) before the scratch database is dropped.
    with scratch_database(args.database_url, postgres=True, load=REFERENCE_DATA) as url, Processes() as procs:
        run(args, url, procs)


def run(args: argparse.Namespace, url: str, procs: Processes) -> None:
    from django.db import connection

    model_dir = args.model_dir or str(procs.log_dir / "models")
    env = server_env(procs, url, model_dir)
    if not args.model_dir:
        train_model(env, Path(model_dir))
    else:
        check_model(Path(model_dir))
    if args.open:
        seed_open(args.open, Path(model_dir))
    n, warm = args.complaints, 50
    bodies = traffy_complaints(warm * 2 + n * 2)
    warm_a, warm_b = bodies[:warm], bodies[warm : warm * 2]
    batch_b, batch_c = bodies[warm * 2 : warm * 2 + n], bodies[warm * 2 + n :]

    port = free_port()
    web = procs.start(
        "web",
        [PRACHA, "serve", "--workers", str(args.web_workers), "--threads", str(args.web_threads)],
        {**env, "PORT": str(port)},
    )
    wait_for_http(port, web, "/api/complaints/BENCH00000")
    workers_argv = [PRACHA, "worker", "--sleep", "0.05"]

    print(describe_machine())
    print(
        f"{n} complaints per batch, {args.concurrency} client threads; web server {args.web_workers}x"
        f"{args.web_threads} threads; {args.job_workers} job workers; all on this machine"
    )

    # Warm-up, not measured: every web server worker and job worker imports, connects and loads the model.
    seeded = highest_id()
    run_threads(warm_a, args.concurrency, poster(port))
    workers = [procs.start(f"worker{i}", workers_argv, env) for i in range(args.job_workers)]
    wait_routed(new_ids(seeded, warm), args.timeout)

    # (a) the baseline, same rows, same number of threads.
    make_insert, rows = plain_inserter(url, batch_b)
    plain_lat, plain_s, _ = run_threads(rows, args.concurrency, make_insert)

    # (b) intake alone, then the workers route the backlog.
    for w in workers:
        procs.stop(w)
    before = highest_id()
    accept_lat, accept_s, _ = run_threads(batch_b, args.concurrency, poster(port))
    ids_b = new_ids(before, n)
    drain_start = time.time()
    workers = [procs.start(f"worker{i}", workers_argv, env) for i in range(args.job_workers)]
    wait_routed(ids_b, args.timeout)
    drain = routed_figures(ids_b, drain_start)

    # (c) end to end: the workers run while the client files.
    run_threads(warm_b, args.concurrency, poster(port))  # the restarted workers warm up too
    wait_routed(new_ids(ids_b.stop - 1, warm), args.timeout)
    wait_idle(args.timeout)  # (b)'s duplicate checks and SMS are not (c)'s work
    before = highest_id()
    db_pid = postgres_server_pid()
    meter = CpuMeter(
        {
            "client": [os.getpid()],
            "web server": [web.pid],
            "job workers": [w.pid for w in workers],
            **({"PostgreSQL": [db_pid]} if db_pid else {}),
        }
    )
    e2e_lat, e2e_s, e2e_start = run_threads(batch_c, args.concurrency, poster(port))
    ids_c = new_ids(before, n)
    wait_routed(ids_c, args.timeout)
    e2e = routed_figures(ids_c, e2e_start)
    cpu = meter.per_item_ms(n)
    with connection.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM core_job GROUP BY status ORDER BY status")
        jobs = dict(cur.fetchall())
    # Routing queues more work (the duplicate checks, SMS deliveries); the rate the machine can keep
    # up counts it too.
    idle_s = wait_idle(args.timeout) - e2e_start
    cpu_all = meter.per_item_ms(n)

    print(ROW_HEADER)
    print_row("(a) plain INSERT, one row per transaction", n, plain_s, spread(plain_lat))
    print_row("(b) POST accepted (202), no job worker", n, accept_s, spread(accept_lat))
    print_row("    job workers route that backlog", n, drain["seconds"], None)
    print_row("(c) POST accepted (202), workers running", n, e2e_s, spread(e2e_lat))
    print_row("    end to end: filed and routed", n, e2e["seconds"], None)
    print_row("    all follow-up done too (duplicates, SMS)", n, idle_s, None)
    ftr = spread(e2e["filed_to_routed"])
    print(
        f"(c) filed-to-routed time per complaint: p50 {ftr['p50']:.0f} ms, p95 {ftr['p95']:.0f} ms, "
        f"p99 {ftr['p99']:.0f} ms"
    )
    print(
        f"routing of (c): {e2e['routing']}, {e2e['classified']} classified by the model; "
        f"jobs when the last was routed: {jobs}; POST (c) time vs plain INSERT: {e2e_s / plain_s:.1f}x"
    )
    for moment, figures in (("the last was routed", cpu), ("every job was done", cpu_all)):
        print(
            f"(c) CPU per complaint, from the first POST until {moment}: "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in figures.items())
            + f"; total {sum(figures.values()):.1f} ms (at {TARGET_RATE}/s two cores give "
            f"{2000 / TARGET_RATE:.1f} ms)"
        )
    rate, p99 = n / e2e["seconds"], spread(e2e_lat)["p99"]
    print(
        f"target: >= {TARGET_RATE} complaints/s classified and routed, p99 < {TARGET_P99_MS} ms: "
        f"{rate:,.0f}/s ({'met' if rate >= TARGET_RATE else 'MISSED'}), p99 {p99:.0f} ms "
        f"({'met' if p99 < TARGET_P99_MS else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
