"""Benchmark of signed-credential issuance and verification against rendering the same PDF unsigned.

    .venv/bin/python bench/credentials_bench.py                      # a temporary SQLite file
    .venv/bin/python bench/credentials_bench.py --database-url postgres://u@h:p/db   # scratch DB there

It never touches an existing database (a temporary SQLite file, or a database pracha_bench_<random>
made on the given PostgreSQL server and dropped at the end). One process, one thread.

Figures, all in the same run on the same documents (a rice-trading licence with Thai text and a QR):
  (a) baseline: render the PDF with WeasyPrint only (render.render_pdf), documents per second;
  (b) services.issue(): render + PAdES signature (pyHanko, ECDSA P-256) + JWS (Ed25519) + the registry
      row with the PDF + its audit record, documents per second; (a) and (b) alternate in rounds and
      the median round is reported, so that a slow moment of the machine favours neither;
  (c) the PAdES signature alone on an already rendered PDF (what (b) adds to (a), mostly);
  (d) verification latency, p50 and p99 in milliseconds: verify_pdf (pyHanko validation against the
      root CA + registry), verify_jws, verify_id.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._scratch import database_argument, scratch_database  # noqa: E402
from bench._stats import percentile  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p)
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds of (a) and (b)")
    p.add_argument("--per-round", type=int, default=20, help="documents per round")
    p.add_argument("--verifications", type=int, default=300, help="verifications of each kind")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    with scratch_database(args.database_url):
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.utils import timezone

    from pracha.agencies.models import Agency
    from pracha.core.thai_id import make_thai_id
    from pracha.credentials import keys, services
    from pracha.credentials.render import render_pdf, verification_url
    from pracha.identity.models import Person
    from pracha.portal.fonts import static_fonts

    agency = Agency.objects.create(
        code="MOC.DIT", name_th="กรมการค้าภายใน", name_en="Department of Internal Trade", kind="department"
    )
    holder = Person.objects.create(kind="citizen", id_number=make_thai_id("110170020345"), name_th="สมศรี ใจดี")
    labels = {
        "shop_name": {"th": "ชื่อร้าน", "en": "Shop name"},
        "address": {"th": "ที่ตั้ง", "en": "Address"},
        "licence_type": {"th": "ประเภทใบอนุญาต", "en": "Licence type"},
    }
    claims = {
        "shop_name": "ร้านข้าวหอมมะลิทุ่งกุลา",
        "address": "99 ถ.มิตรภาพ อ.เมือง จ.ขอนแก่น",
        "licence_type": "ขายปลีก",
    }
    valid_until = timezone.localdate() + dt.timedelta(days=365)
    counter = iter(range(10**9))

    def unsigned() -> bytes:
        public_id = services._new_public_id()
        return render_pdf(
            {
                "agency": agency,
                "title_th": "ใบอนุญาตค้าข้าว",
                "title_en": "Rice-trading licence",
                "holder_name": holder.name_th,
                "holder_id_masked": services.holder_id_masked(holder),
                "claim_rows": [(k, labels[k], v) for k, v in claims.items()],
                "valid_from": timezone.localdate(),
                "valid_until": valid_until,
                "issued_at": timezone.now(),
                "reference": "DIT-2569-000123",
                "public_id": public_id,
                "verification_url": verification_url(public_id),
            }
        )

    def issue():
        return services.issue(
            agency=agency,
            kind="rice-trading-licence",
            title={"th": "ใบอนุญาตค้าข้าว", "en": "Rice-trading licence"},
            holder=holder,
            holder_name=holder.name_th,
            claims=claims,
            claim_labels=labels,
            subject=("bench.application", str(next(counter))),
            valid_until=valid_until,
            reference="DIT-2569-000123",
        )

    # Warm-up outside the measurements: keys, the font instances, first-render caches.
    keys.init_keys([agency])
    static_fonts()
    unsigned()
    issue()

    # Wall-clock rates, and CPU time per document (steadier on a shared machine).
    render_rates, issue_rates, render_cpu, issue_cpu = [], [], [], []
    for _ in range(args.rounds):
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.per_round):
            unsigned()
        render_rates.append(args.per_round / (time.perf_counter() - started))
        render_cpu.append((time.process_time() - cpu) / args.per_round * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.per_round):
            issue()
        issue_rates.append(args.per_round / (time.perf_counter() - started))
        issue_cpu.append((time.process_time() - cpu) / args.per_round * 1000)

    pdf_key, _ = keys.current_keys(agency)
    sample_pdf = unsigned()
    sign_times = []
    for _ in range(args.per_round * 2):
        started = time.perf_counter()
        services._sign_pdf(sample_pdf, pdf_key, agency)
        sign_times.append(time.perf_counter() - started)

    pool = list(services.Credential.objects.all()[:50])
    latencies: dict[str, list[float]] = {"verify_pdf": [], "verify_jws": [], "verify_id": []}
    for i in range(args.verifications):
        credential = pool[i % len(pool)]
        for name, call, argument in (
            ("verify_pdf", services.verify_pdf, credential.pdf),
            ("verify_jws", services.verify_jws, credential.jws),
            ("verify_id", services.verify_id, credential.public_id),
        ):
            started = time.perf_counter()
            result = call(argument)
            latencies[name].append((time.perf_counter() - started) * 1000)
            assert result.result == "valid", (name, result.detail)

    print(
        f"database: {connection.vendor}; python {platform.python_version()}; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"documents: {services.Credential.objects.count()} issued, "
        f"PDF {len(pool[0].pdf) // 1024} KiB signed, "
        f"{len(sample_pdf) // 1024} KiB unsigned"
    )
    render_rate, issue_rate = statistics.median(render_rates), statistics.median(issue_rates)
    print(
        f"(a) render unsigned PDF:        {render_rate:7.1f} docs/s  ({1000 / render_rate:6.1f} ms each, "
        f"{statistics.median(render_cpu):.0f} ms CPU)"
    )
    print(
        f"(b) issue (render+PAdES+JWS+DB): {issue_rate:7.1f} docs/s  ({1000 / issue_rate:6.1f} ms each, "
        f"{statistics.median(issue_cpu):.0f} ms CPU) = {issue_rate / render_rate:.0%} of (a)'s rate"
    )
    sign_ms, sign_p99 = statistics.median(sign_times) * 1000, percentile(sign_times, 99) * 1000
    print(f"(c) PAdES signature alone:       {sign_ms:7.1f} ms p50, {sign_p99:.1f} ms p99")
    for name, values in latencies.items():
        print(
            f"(d) {name:11}  p50 {percentile(values, 50):6.1f} ms   p99 {percentile(values, 99):6.1f} ms"
            f"   ({len(values)} calls)"
        )


if __name__ == "__main__":
    main()
