"""Benchmark of the payment gateway's callback through the real endpoint, on PostgreSQL.

    .venv/bin/python bench/payments_callback_bench.py --database-url postgres://u@h:p/postgres

It makes a scratch database pracha_bench_<random> on that server (migrated, one agency, --callbacks
open invoices made with payments.services.create_invoice) and drops it at the end. The system under
test is `pracha serve` (Granian) on 127.0.0.1 with the demo gateway secret; the rate limits are lifted
through their settings. This process is the client: --concurrency threads, each with a keep-alive
connection, POST signed callbacks (HMAC-SHA256 over the body, X-Pracha-Signature).

Figures, in the same run and on the same database:
  (a) baseline: a plain INSERT of the same payment rows into a copy of the payments table (same columns
      and indexes), one row per transaction, from the same number of threads;
  (b) first deliveries: POST /api/payments/callback, one per invoice; each verifies the signature,
      locks the invoice, writes the payment, the invoice status, the receipt (numbered gaplessly per
      agency), the audit record, the callback log and the payments.settled job in one transaction;
  (c) repeated deliveries: the same transactions again (new timestamps, so new bodies and signatures):
      answered from the callback log, nothing written but the log entry.
Afterwards it checks that every invoice was paid exactly once. No figure is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
from bench._stats import ROW_HEADER, print_row, run_threads, spread  # noqa: E402

TARGET_RATE, TARGET_P99_MS = 100, 250


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p, postgres=True)
    p.add_argument("--callbacks", type=int, default=2000, help="invoices paid (callbacks per batch)")
    p.add_argument("--concurrency", type=int, default=8, help="client threads (requests in flight)")
    p.add_argument("--web-workers", type=int, default=2, help="web server worker processes")
    p.add_argument("--web-threads", type=int, default=2, help="threads per web server worker")
    return p.parse_args()


def make_invoices(n: int) -> list[tuple[str, str]]:
    """`n` open invoices of one agency, through the real service; returns (number, total) pairs."""
    from decimal import Decimal

    from pracha.agencies.models import Agency
    from pracha.payments import services
    from pracha.payments.services import InvoiceItem

    agency = Agency.objects.create(code="MOC.DIT", kind="department", name_th="กรมการค้าภายใน", name_en="DIT")
    out = []
    for i in range(n):
        invoice = services.create_invoice(
            agency=agency,
            payer=None,
            payer_name=f"ผู้ชำระ {i}",
            subject=("bench", str(i)),
            items=[InvoiceItem("fee", {"th": "ค่าธรรมเนียม", "en": "Fee"}, Decimal(100 + i % 400))],
        )
        out.append((invoice.number, f"{invoice.total:.2f}"))
    return out


def bodies(invoices: list[tuple[str, str]], prefix: str) -> list[bytes]:
    now = int(time.time())
    return [
        json.dumps(
            {
                "transaction_id": f"{prefix}{i:08d}",
                "ref1": number,
                "amount": total,
                "currency": "THB",
                "paid_at": "2026-11-24T10:15:00+07:00",
                "timestamp": now,
            }
        ).encode()
        for i, (number, total) in enumerate(invoices)
    ]


def poster(port: int, expect: str) -> Callable[[], Callable[[object], None]]:
    from pracha.payments.gateway import SIGNATURE_HEADER, sign

    def make() -> Callable[[object], None]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def post(body: object) -> None:
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
            conn.request("POST", "/api/payments/callback", body, headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200 or response.getheader("Idempotent-Replayed") != expect:
                raise RuntimeError(f"HTTP {response.status}: {data[:300]!r}")

        return post

    return make


def plain_inserter(database_url: str, n: int) -> tuple[Callable, list[tuple]]:
    """A copy of the payments table and rows like the callbacks write, one INSERT per transaction."""
    import psycopg
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_plain_payment (LIKE payments_payment INCLUDING ALL)")
        cur.execute(
            "ALTER TABLE bench_plain_payment DROP CONSTRAINT IF EXISTS bench_plain_payment_invoice_id_fkey"
        )
        cur.execute("SELECT id FROM payments_invoice ORDER BY id LIMIT %s", [n])
        ids = [r[0] for r in cur.fetchall()]
    sql = (
        "INSERT INTO bench_plain_payment (invoice_id, gateway_transaction_id, amount, currency, paid_at,"
        " received_at, body_sha256, status, hold_reason, decision_reason)"
        " VALUES (%s, %s, 100.00, 'THB', now(), now(), %s, 'applied', '', '')"
    )
    rows = [(invoice_id, f"PLAIN{i:08d}", "0" * 64) for i, invoice_id in enumerate(ids)]

    def make() -> Callable[[object], None]:
        conn = psycopg.connect(database_url, autocommit=True)

        def insert(row: object) -> None:
            conn.execute(sql, row)

        return insert

    return make, rows


def check(n: int) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM payments_invoice WHERE status = 'paid'")
        paid = cur.fetchone()[0]
        cur.execute("SELECT count(*), count(DISTINCT invoice_id) FROM payments_payment")
        payments, invoices = cur.fetchone()
        cur.execute("SELECT count(*) FROM payments_receipt")
        receipts = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM core_job WHERE kind = 'payments.settled'")
        jobs = cur.fetchone()[0]
    ok = paid == payments == invoices == receipts == jobs == n
    return f"check: {paid} paid, {payments} payments, {receipts} receipts, {jobs} settled jobs: " + (
        "each invoice paid once" if ok else "MISMATCH"
    )


def main() -> None:
    args = parse_args()
    with scratch_database(args.database_url, postgres=True) as url, Processes() as procs:
        run(args, url, procs)


def run(args: argparse.Namespace, url: str, procs: Processes) -> None:
    n, warm = args.callbacks, 50
    started = time.perf_counter()
    invoices = make_invoices(n + warm)
    print(
        f"{n + warm} invoices made with create_invoice in {time.perf_counter() - started:.1f} s", flush=True
    )
    env = procs.env(url, PRACHA_PAYMENT_CALLBACK_RATE_PER_MINUTE="100000000")
    port = free_port()
    web = procs.start(
        "web",
        [PRACHA, "serve", "--workers", str(args.web_workers), "--threads", str(args.web_threads)],
        {**env, "PORT": str(port)},
    )
    wait_for_http(port, web, "/api/payments/callback")
    print(describe_machine())
    print(
        f"{n} callbacks per batch, {args.concurrency} client threads; web server {args.web_workers}x"
        f"{args.web_threads} threads; all on this machine"
    )
    run_threads(bodies(invoices[:warm], "WARM"), args.concurrency, poster(port, "false"))  # not measured

    make_insert, rows = plain_inserter(url, n)
    plain_lat, plain_s, _ = run_threads(rows, args.concurrency, make_insert)
    first_lat, first_s, _ = run_threads(
        bodies(invoices[warm:], "TXN"), args.concurrency, poster(port, "false")
    )
    again_lat, again_s, _ = run_threads(
        bodies(invoices[warm:], "TXN"), args.concurrency, poster(port, "true")
    )

    print(ROW_HEADER)
    print_row("(a) plain INSERT, one row per transaction", n, plain_s, spread(plain_lat))
    print_row("(b) callback, first delivery (paid)", n, first_s, spread(first_lat))
    print_row("(c) callback, repeated delivery (replayed)", n, again_s, spread(again_lat))
    print(check(n + warm))
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    p99 = spread(first_lat)["p99"]
    print(
        f"target: {TARGET_RATE} callbacks/s with p99 under {TARGET_P99_MS} ms: "
        f"{n / first_s:,.0f}/s, p99 {p99:.0f} ms"
    )


if __name__ == "__main__":
    main()
