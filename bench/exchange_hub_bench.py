"""Benchmark of the exchange hub on PostgreSQL: real-time calls through the hub against calls straight to
the provider in the same run, and a batch extract of 1,000,000 records.

    .venv/bin/python bench/exchange_hub_bench.py --database-url postgres://u@h:p/postgres

It makes a scratch database pracha_bench_<random> on that server (migrated; default server
$TEST_DATABASE_URL) and drops it at the end.
The provider is the Social Security Office's system from pracha_providers (gunicorn, its own SQLite
database seeded with --records records once into --providers-dir, kept for the next run). The hub
runs as in production: `pracha serve` (Granian, --web-workers x --web-threads) and, for the batch,
one `pracha worker`. This process is the client: --concurrency threads, each with one keep-alive
connection. Everything shares this machine (2 CPUs here), so the client and the provider take CPU
from the hub.

Figures, all in the same run:
  (a) one call at a time, the same people: straight to the provider (with its API key) and through
      the hub (Bearer token, grant, purpose and field checks, forward, strip, transaction row and
      audit record in one commit): p50/p99 of each and the hub's added latency;
  (b) --concurrency calls in flight: calls per second straight to the provider and through the hub;
  (c) the audit chain verified over the run's records (`pracha audit verify`'s function);
  (d) a batch extract of every record (--records) with three of the fields, from the consumer's
      POST to the file being ready (the worker's page jobs), the worker's peak memory (VmHWM), the
      download through the hub; baseline: reading the same pages straight from the provider and
      writing the same CSV in this process.
Nothing here is a test: no figure is asserted; the targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._scratch import (  # noqa: E402
    PRACHA,
    Processes,
    database_argument,
    describe_machine,
    free_port,
    scratch_database,
    wait_for_http,
)
from bench._stats import run_threads, spread  # noqa: E402

TARGET_ADDED_P50_MS, TARGET_RATE = 5, 500
SERVICE, PURPOSE, FIELDS = (
    "sso.insured_status",
    "licence-check",
    ["insured", "section", "contribution_months"],
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p, postgres=True)
    p.add_argument("--records", type=int, default=1_000_000, help="records in the provider (the extract)")
    p.add_argument("--providers-dir", default=str(ROOT / "var" / "bench-providers"))
    p.add_argument("--calls", type=int, default=3000, help="calls per measured series")
    p.add_argument("--concurrency", type=int, default=8, help="client threads for the throughput series")
    p.add_argument("--web-workers", type=int, default=2, help="web server workers of the hub")
    p.add_argument("--web-threads", type=int, default=2, help="threads per hub worker")
    p.add_argument("--provider-workers", type=int, default=2, help="gunicorn workers of the provider")
    # More than one thread makes gunicorn's gthread worker, which keeps connections alive (its sync
    # worker closes each one), so the hub's pooled connections stay open as they would in production.
    p.add_argument("--provider-threads", type=int, default=4, help="threads per provider worker")
    p.add_argument("--skip-batch", action="store_true", help="only the real-time figures")
    return p.parse_args()


# --- Setting up the hub's data (in this process, on the scratch database) ----------------------------


def prepare_hub(provider) -> tuple[str, str]:
    """Agencies, the provider's member and published service, a consumer with a grant and credentials."""
    import datetime as dt

    from django.utils import timezone

    from pracha.agencies.models import Agency
    from pracha.exchange import services
    from pracha.exchange.directory import fields_from_openapi
    from pracha.exchange.models import Member
    from pracha.identity.oidc import create_system_client
    from pracha_providers.openapi import describe
    from pracha_providers.records import PROVIDERS

    sso = Agency.objects.create(code="MOL.SSO", name_th="สำนักงานประกันสังคม", name_en="SSO", kind="department")
    dbd = Agency.objects.create(code="MOC.DBD", name_th="กรมพัฒนาธุรกิจการค้า", name_en="DBD", kind="department")
    provider_member = Member.objects.create(
        agency=sso,
        code="sso-registry",
        name="SSO registry",
        role="provider",
        status="approved",
        contact_email="a@b.go.th",
    )
    openapi = describe(PROVIDERS["sso"])
    service = services.publish_service(
        provider=provider_member,
        code=SERVICE,
        name_th="สถานะผู้ประกันตน",
        name_en="Insured status",
        base_url=provider.url,
        api_key=provider.api_key,
        openapi=openapi,
        fields=fields_from_openapi(openapi),
        lawful_basis="public_task",
    )
    consumer = Member.objects.create(
        agency=dbd,
        code="dbd-licensing",
        name="DBD licensing",
        role="consumer",
        status="approved",
        contact_email="a@b.go.th",
    )
    now = timezone.now()
    req = services.request_access(
        service=service,
        consumer=consumer,
        purpose=PURPOSE,
        purpose_text="Benchmark: check insured status for a licence",
        fields=FIELDS,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        actor=None,
    )
    services.decide_request(req, approve=True, actor=None)
    client_id, secret = create_system_client(agency=dbd, name="DBD licensing")
    consumer.client_id = client_id
    consumer.save()
    return client_id, secret


def get_token(port: int, client_id: str, secret: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    body = "grant_type=client_credentials&scope=exchange+exchange.batch"
    headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/o/token/", body, headers)
    answer = conn.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise SystemExit(f"no token: HTTP {answer.status} {data[:300]!r}")
    return json.loads(data)["access_token"]


# --- Load -------------------------------------------------------------------------------------------


def getter(host_port: tuple[str, int], path_of, headers: dict[str, str]):
    def make():
        conn = http.client.HTTPConnection(*host_port, timeout=60)

        def get(id_number: str) -> None:
            conn.request("GET", path_of(id_number), headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {data[:300]!r}")

        return get

    return make


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children now running (the web server's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(c) for c in children.read_text().split()]
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def direct_extract(provider, fields: list[str], page: int) -> tuple[int, float]:
    """The baseline: the same pages read straight from the provider and the same CSV written here."""
    import csv
    import io

    parts = urlsplit(provider.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    started, cursor, count, size = time.perf_counter(), "", 0, 0
    while True:
        conn.request(
            "GET",
            f"/v1/extract?limit={page}" + (f"&after={cursor}" if cursor else ""),
            headers=provider.headers,
        )
        body = json.loads(conn.getresponse().read())
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([r.get(f) for f in fields] for r in body["records"])
        size += len(buf.getvalue().encode())
        count += len(body["records"])
        cursor = body["next"]
        if not cursor:
            return count, time.perf_counter() - started


def main() -> None:
    args = parse_args()
    with scratch_database(args.database_url, postgres=True) as url, Processes() as procs:
        run(args, url, procs)


def run(args: argparse.Namespace, url: str, procs: Processes) -> None:
    from pracha_providers.launcher import launch
    from pracha_providers.records import PROVIDERS
    from pracha_providers.store import seed

    providers_dir = Path(args.providers_dir)
    db_path = providers_dir / "sso.sqlite3"
    if (
        not db_path.exists()
        or sqlite3.connect(db_path).execute("SELECT count(*) FROM records").fetchone()[0] != args.records
    ):
        db_path.unlink(missing_ok=True)
        result = seed(db_path, PROVIDERS["sso"].records(args.records))
        print(f"provider seeded: {result.records:,} records in {result.seconds:.0f} s", flush=True)
    with launch(
        ["sso"], providers_dir, workers=args.provider_workers, threads=args.provider_threads
    ) as running:
        provider = running["sso"]
        client_id, secret = prepare_hub(provider)
        env = procs.env(url)
        port = free_port()
        web = procs.start(
            "hub",
            [PRACHA, "serve", "--workers", str(args.web_workers), "--threads", str(args.web_threads)],
            {**env, "PORT": str(port)},
        )
        wait_for_http(port, web, "/exchange/")
        token = get_token(port, client_id, secret)
        from pracha.core.thai_id import is_valid_thai_id

        wanted = 200 + 3 * args.calls
        with sqlite3.connect(db_path) as db:
            # People spread over the whole file; the few deliberately defective IDs are left out.
            rows = db.execute("SELECT id_number FROM records ORDER BY random() LIMIT ?", (wanted * 2,))
            ids = [r[0] for r in rows if r[0] and is_valid_thai_id(r[0])][:wanted]
        random.Random(7).shuffle(ids)
        print(describe_machine())
        print(
            f"hub: Granian {args.web_workers}x{args.web_threads} threads; "
            f"provider: gunicorn {args.provider_workers}x{args.provider_threads}; "
            f"client threads {args.concurrency}; all on this machine"
        )
        p = urlsplit(provider.url)
        direct = getter((p.hostname, p.port), lambda i: f"/v1/records/{i}", provider.headers)
        query = f"?purpose={PURPOSE}&fields={','.join(FIELDS)}"
        through = getter(
            ("127.0.0.1", port),
            lambda i: f"/exchange/hub/{SERVICE}/{i}{query}",
            {"Authorization": f"Bearer {token}"},
        )

        n = args.calls
        run_threads(ids[:200], 4, direct)  # warm-up, not measured: imports, connections, caches
        run_threads(ids[:200], args.web_workers * args.web_threads, through)
        people = ids[200 : 200 + n]
        # (a) one call at a time
        lat_direct, _s, _w = run_threads(people, 1, direct)
        lat_hub, _s, _w = run_threads(people, 1, through)
        d, h = spread(lat_direct), spread(lat_hub)
        print(f"(a) one at a time, {n} calls each")
        print(f"    provider directly: p50 {d['p50']:.2f} ms, p99 {d['p99']:.2f} ms")
        print(f"    through the hub:   p50 {h['p50']:.2f} ms, p99 {h['p99']:.2f} ms")
        print(
            f"    added by the hub:  p50 {h['p50'] - d['p50']:.2f} ms, p99 {h['p99'] - d['p99']:.2f} ms"
            f"  (target < {TARGET_ADDED_P50_MS} ms at p50)"
        )
        # (b) calls in flight
        more = ids[200 + n : 200 + 3 * n]
        lat_d, secs_d, _w = run_threads(more[:n], args.concurrency, direct)
        cpu = tree_cpu_seconds(web.pid)
        lat_h, secs_h, _w = run_threads(more[n:], args.concurrency, through)
        cpu = tree_cpu_seconds(web.pid) - cpu
        dd, hh = spread(lat_d), spread(lat_h)
        print(f"(b) {args.concurrency} in flight, {n} calls each")
        print(
            f"    provider directly: {n / secs_d:.0f} calls/s, p50 {dd['p50']:.2f} ms, p99 {dd['p99']:.2f} ms"
        )
        print(
            f"    through the hub:   {n / secs_h:.0f} calls/s, p50 {hh['p50']:.2f} ms, p99 {hh['p99']:.2f} ms"
            f"  (target >= {TARGET_RATE} calls/s)"
        )
        print(
            f"    hub processes' CPU per call: {cpu / n * 1000:.2f} ms; load average {os.getloadavg()[0]:.1f}"
        )
        from pracha.audit.chain import verify
        from pracha.exchange.models import Transaction

        started = time.perf_counter()
        result = verify()
        print(
            f"(c) audit chain verified: ok={result.ok}, {result.checked} records in "
            f"{time.perf_counter() - started:.2f} s; {Transaction.objects.count()} hub transactions recorded"
        )
        client_figures(provider, people)
        if args.skip_batch:
            return
        batch_figures(args, port, token, provider, procs, env)


def client_figures(provider, people: list[str]) -> None:
    """(e) The hub's HTTP client: urllib3's PoolManager (what the hub uses) against httpx.Client, both
    keep-alive, one call at a time to the provider from this process."""
    import httpx
    import urllib3

    pool = urllib3.PoolManager(maxsize=4, retries=False)
    client = httpx.Client(headers=provider.headers)
    for name, get in (
        (
            "urllib3 PoolManager",
            lambda i: pool.request("GET", provider.record_url(i), headers=provider.headers),
        ),
        ("httpx.Client", lambda i: client.get(provider.record_url(i))),
    ):
        for i in people[:100]:
            get(i)
        times = []
        for i in people[:2000]:
            started = time.perf_counter()
            get(i)
            times.append(time.perf_counter() - started)
        s = spread(times)
        print(f"(e) {name}: p50 {s['p50']:.2f} ms, p99 {s['p99']:.2f} ms per call to the provider")
    client.close()


def batch_figures(args, port: int, token: str, provider, procs: Processes, env: dict) -> None:
    from pracha.exchange import batch

    worker = procs.start("worker", [PRACHA, "worker", "--sleep", "0.05"], env)
    time.sleep(5)  # started, imported, idle: its memory before any extract
    idle = peak_kib(worker.pid)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"service": SERVICE, "purpose": PURPOSE, "fields": FIELDS, "format": "csv"})
    started = time.perf_counter()
    conn.request("POST", "/exchange/hub/batches/", body, auth)
    answer = conn.getresponse()
    status = json.loads(answer.read())
    if answer.status != 202:
        raise SystemExit(f"extract refused: {status}")
    while status["status"] not in ("done", "failed"):
        time.sleep(0.5)
        conn.request("GET", f"/exchange/hub/batches/{status['id']}/", headers=auth)
        status = json.loads(conn.getresponse().read())
    made = time.perf_counter() - started
    if status["status"] != "done":
        raise SystemExit(f"extract failed: {status}")
    peak = peak_kib(worker.pid)
    started = time.perf_counter()
    conn.request("GET", f"/exchange/hub/batches/{status['id']}/file", headers=auth)
    response = conn.getresponse()
    lines = size = 0
    while chunk := response.read(1 << 20):
        lines += chunk.count(b"\n")
        size += len(chunk)
    fetched = time.perf_counter() - started
    count, base = direct_extract(provider, FIELDS, batch.PAGE_SIZE)
    n = status["records_done"]
    print(f"(d) batch extract of {n:,} records, {len(FIELDS)} fields, CSV")
    print(
        f"    through the hub (page jobs, one worker): {made:.1f} s ({n / made:,.0f} records/s), "
        f"worker peak memory {peak / 1024:.0f} MiB (idle worker before: {idle / 1024:.0f} MiB)"
    )
    print(f"    download through the hub: {size / 1e6:.1f} MB, {lines - 1:,} rows in {fetched:.1f} s")
    print(f"    baseline, provider pages read and written to CSV here: {count:,} records in {base:.1f} s")


if __name__ == "__main__":
    main()
