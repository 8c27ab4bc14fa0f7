"""Benchmark of Digital ID on the hub's hot path: `client_for_access_token`, and issuing tokens.

    .venv/bin/python bench/identity_bench.py                                    # a temporary SQLite file
    .venv/bin/python bench/identity_bench.py --database-url postgres://u@h:p/db  # a scratch database there

It never touches an existing database (a temporary SQLite file, or a database pracha_bench_<random>
on the given PostgreSQL server, dropped at the end). Figures, all in the same run:
  (a) baseline: the access token's row by its checksum through the ORM, the least any look-up costs;
  (b) `client_for_access_token(token)` for a token this process has not seen (its cache entry
      removed before the timed call), and (c) with the cache warm (every later call within 30 seconds);
  (d) client-credentials tokens from POST /o/token/ (Django's test client, the whole view: client
      authentication against the hashed secret, the token row), per second.
--tokens live tokens of --clients agency systems are in the table. Latencies are per call, p50 and
p99, measured in alternating rounds so a slow moment favours no side.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._scratch import database_argument, scratch_database  # noqa: E402
from bench._stats import spread  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_argument(p)
    p.add_argument("--clients", type=int, default=20, help="agency systems")
    p.add_argument("--tokens", type=int, default=20_000, help="live access tokens in the table")
    p.add_argument("--calls", type=int, default=2000, help="look-ups per round")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    p.add_argument("--issue", type=int, default=20, help="tokens to issue through /o/token/")
    return p.parse_args()


def percentiles(samples: list[float]) -> str:
    s = spread(samples, unit=1e6)
    return f"p50 {s['p50']:8.1f} µs   p99 {s['p99']:8.1f} µs"


def main() -> None:
    args = parse_args()
    with scratch_database(args.database_url):
        run(args)


def run(args: argparse.Namespace) -> None:
    import datetime as dt
    import secrets

    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from pracha.agencies.models import Agency
    from pracha.identity.oidc import client_for_access_token, create_system_client, forget_token

    print(f"database: {connection.vendor}; {args.clients} systems, {args.tokens:,} live tokens")
    systems = []
    for n in range(args.clients):
        agency = Agency.objects.create(code=f"BENCH.{n}", name_th=f"หน่วยงาน {n}", name_en=f"Agency {n}")
        systems.append(create_system_client(agency=agency, name=f"system {n}"))
    applications = list(Application.objects.all())
    expires = timezone.now() + dt.timedelta(hours=1)
    tokens = [secrets.token_urlsafe(30) for _ in range(args.tokens)]
    AccessToken.objects.bulk_create(
        AccessToken(
            token="",
            token_checksum=hashlib.sha256(t.encode()).hexdigest(),
            application=applications[i % len(applications)],
            expires=expires,
            scope="exchange",
        )
        for i, t in enumerate(tokens)
    )

    def baseline(token: str) -> None:
        AccessToken.objects.filter(token_checksum=hashlib.sha256(token.encode()).hexdigest()).first()

    def cold(token: str) -> None:
        assert client_for_access_token(token) is not None

    def warm(token: str) -> None:
        assert client_for_access_token(token) is not None

    hot = random.sample(tokens, min(200, len(tokens)))  # the tokens of the systems calling right now
    for token in hot:
        client_for_access_token(token)
    samples: dict[str, list[float]] = {"baseline": [], "cold": [], "warm": []}
    for _ in range(args.rounds):
        for name, fn in (("baseline", baseline), ("cold", cold), ("warm", warm)):
            picks = random.choices(hot if name == "warm" else tokens, k=args.calls)
            for token in picks:
                if name == "cold":
                    forget_token(token)  # this process has not seen the token yet
                start = time.perf_counter()
                fn(token)
                samples[name].append(time.perf_counter() - start)
    print(f"(a) baseline ORM row by checksum      {percentiles(samples['baseline'])}")
    print(f"(b) client_for_access_token, cold     {percentiles(samples['cold'])}")
    print(f"(c) client_for_access_token, cached   {percentiles(samples['warm'])}")

    client = Client(HTTP_HOST="localhost")  # a name in ALLOWED_HOSTS outside the test runner
    started = time.perf_counter()
    for n in range(args.issue):
        client_id, secret = systems[n % len(systems)]
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        response = client.post(
            "/o/token/",
            {"grant_type": "client_credentials", "scope": "exchange"},
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        assert response.status_code == 200, response.content
    elapsed = time.perf_counter() - started
    rate, each = args.issue / elapsed, elapsed / args.issue * 1e3
    print(f"(d) POST /o/token/ client credentials  {rate:8.1f} tokens/s ({each:.0f} ms each)")


if __name__ == "__main__":
    main()
