"""Benchmark of the e-service catalogue search against a plain substring scan, on a large catalogue.

    .venv/bin/python bench/services_search_bench.py                 # 3,000 services
    .venv/bin/python bench/services_search_bench.py --services 6000

The seeds speak of about 6,000 government services. The catalogue is made that large by copying the
shipped definitions under new codes with each copy's name extended by a province, so that every query
has many candidates. Figures, in the same run:
  (a) cold start: pythainlp's dictionary and the word index of every service (once per process);
  (b) the search (`pracha.services.search.rank`: newmm words, field weights, all words or the most)
      per query, median and 95th percentile over rounds of Thai and English queries;
  (c) the baseline: a case-insensitive substring scan of each service's joined texts (what a
      `LIKE '%q%'` would do, no segmentation, no ranking), over the same queries.
It needs no database: agency names are read from the registry's data files.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUERIES = [
    "ใบอนุญาตค้าข้าว",
    "ข้าว",
    "หมอดิน",
    "ผู้สูงอายุ",
    "เบี้ยยังชีพ",
    "ใบอนุญาตทำงาน",
    "ที่ราชพัสดุ",
    "rice",
    "work permit",
    "soil doctor",
]
PROVINCES = ["เชียงใหม่", "ขอนแก่น", "สงขลา", "ชลบุรี", "นครราชสีมา", "ภูเก็ต", "อุดรธานี", "พิษณุโลก"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--services", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()

    # An empty SQLite file: the ORM answers "no such table", so agency names come from the data files.
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/empty.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pracha.settings")
    os.environ.setdefault("PRACHA_DEMO", "1")
    import django

    django.setup()
    from pracha.services import catalogue, search

    shipped = list(catalogue.load_definitions().values())
    services = []
    for i in range(args.services):
        base = shipped[i % len(shipped)]
        province = PROVINCES[i % len(PROVINCES)]
        raw = dict(base.raw, code=f"{base.code}-{i}")
        raw["name"] = {"th": f"{base.name['th']} จังหวัด{province}", "en": f"{base.name['en']} ({i})"}
        services.append(catalogue.build(raw, "bench", check_references=False))

    start = time.perf_counter()
    search.rank(services, "ข้าว")
    cold = time.perf_counter() - start

    joined = lambda s: " ".join(t for ts in search._texts(s, []).values() for t in ts).lower()  # noqa: E731
    texts = {s.code: joined(s) for s in services}

    def substring(q: str) -> list[str]:
        q = q.lower()
        return [code for code, text in texts.items() if q in text]

    ours, base = [], []
    hits_ours, hits_base = {}, {}
    for _ in range(args.rounds):
        for q in QUERIES:
            t = time.perf_counter()
            hits_ours[q] = len(search.rank(services, q))
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            hits_base[q] = len(substring(q))
            base.append(time.perf_counter() - t)

    def ms(values: list[float], pct: float) -> str:
        return f"{statistics.quantiles(values, n=100)[int(pct) - 1] * 1000:.1f} ms"

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"catalogue: {len(services)} services (copies of {len(shipped)} shipped definitions)")
    print(f"(a) cold start (dictionary + index of every service): {cold:.2f} s")
    print(f"(b) search:    median {ms(ours, 50)}, p95 {ms(ours, 95)} per query")
    print(f"(c) substring: median {ms(base, 50)}, p95 {ms(base, 95)} per query")
    print("results per query (search / substring):")
    for q in QUERIES:
        print(f"  {q}: {hits_ours[q]} / {hits_base[q]}")


if __name__ == "__main__":
    main()
