"""python -m pracha_providers.bench [--records N] [--provider NAME] [--dir DIR]

Figures of one agency system on its own (the hub's benchmark measures the hub against these):
seeding rate, lookup latency (p50/p99, a new connection per call as the sync worker closes them),
lookups per second from one client, and a full extract walked page by page.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import tempfile
import time
from pathlib import Path

from .launcher import launch
from .records import PROVIDERS
from .store import seed


def _get(host: str, port: int, path: str, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, body


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m pracha_providers.bench")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default="civil_registry")
    parser.add_argument("--lookups", type=int, default=3000)
    parser.add_argument("--dir", type=Path, help="keep the database here (default: a temporary folder)")
    args = parser.parse_args()
    spec = PROVIDERS[args.provider]
    with tempfile.TemporaryDirectory() as scratch:
        base = args.dir or Path(scratch)
        result = seed(base / f"{args.provider}.sqlite3", spec.records(args.records))
        print(f"seed      {result.records:,} records in {result.seconds:.1f} s ({result.per_second:,.0f}/s)")
        with launch([args.provider], base) as running:
            provider = running[args.provider]
            host, port = provider.url.removeprefix("http://").split(":")
            rng = random.Random(1)
            numbers = [
                spec.make(spec.person_of(rng.randrange(args.records - 2)))["id_number"] for _ in range(200)
            ]
            timings = []
            for i in range(args.lookups):
                started = time.perf_counter()
                status, _ = _get(host, int(port), f"/v1/records/{numbers[i % 200]}", provider.headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert status in (200, 400, 404)
            timings.sort()
            p50, p99 = timings[len(timings) // 2], timings[int(len(timings) * 0.99)]
            rate = 1000 / (sum(timings) / len(timings))
            print(f"lookup    p50 {p50:.3f} ms  p99 {p99:.3f} ms  ({rate:,.0f}/s, one client)")
            started, after, walked = time.perf_counter(), "", 0
            while True:
                _, body = _get(host, int(port), f"/v1/extract?limit=10000&after={after}", provider.headers)
                page = json.loads(body)
                walked += len(page["records"])
                if not page["next"]:
                    break
                after = page["next"]
            seconds = time.perf_counter() - started
            rate = walked / seconds
            print(f"extract   {walked:,} records in {seconds:.1f} s ({rate:,.0f}/s, pages of 10,000)")


if __name__ == "__main__":
    main()
