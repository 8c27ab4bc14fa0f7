"""What every benchmark sets up: a scratch database with Django on it, and our own servers under test.

A benchmark never touches an existing database. `scratch_database(url)` makes `pracha_bench_<random>`
on the PostgreSQL server of `url` (or a temporary SQLite file when `url` is empty), points Django at it
(DATABASE_URL, settings, demo mode, quiet logs), migrates it, runs the reference-data loaders asked
for, yields its URL (for the child processes' DATABASE_URL) and drops it at the end:

    from bench._scratch import REFERENCE_DATA, PRACHA, Processes, database_argument, free_port, ...

    p = argparse.ArgumentParser()
    database_argument(p, postgres=True)  # --database-url, default $TEST_DATABASE_URL
    args = p.parse_args()
    # Processes comes second, so its servers stop before the database is dropped.
    with scratch_database(args.database_url, postgres=True, load=REFERENCE_DATA) as url, Processes() as procs:
        port = free_port()
        web = procs.start("web", [PRACHA, "serve"], procs.env(url, PORT=str(port)))
        wait_for_http(port, web)
        ...

Percentiles, spreads and threaded timing are in bench/_stats.py.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PRACHA = str(ROOT / ".venv" / "bin" / "pracha")
# The geography, the agency registry and the workflow processes: what complaints and e-services need.
REFERENCE_DATA = ("load_geography", "load_agencies", "load_processes")


def database_argument(parser: argparse.ArgumentParser, *, postgres: bool = False) -> None:
    """--database-url: a PostgreSQL server to make the scratch database on. With `postgres` the
    benchmark needs one and it defaults to $TEST_DATABASE_URL; otherwise empty means SQLite."""
    if postgres:
        parser.add_argument(
            "--database-url",
            default=os.environ.get("TEST_DATABASE_URL", ""),
            help="a PostgreSQL server to make the scratch database on (default $TEST_DATABASE_URL)",
        )
    else:
        parser.add_argument(
            "--database-url",
            default="",
            help="a PostgreSQL server to make a scratch database on (default: a temporary SQLite file)",
        )


def scratch_postgres(url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database on the server of `url`; return its URL and a function that drops it."""
    import psycopg

    name = f"pracha_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), drop


@contextmanager
def scratch_database(
    database_url: str = "",
    *,
    postgres: bool = False,
    migrate: bool = True,
    load: Sequence[str] = (),
) -> Iterator[str]:
    """A database of this run only, with Django set up on it; yields its URL, drops it at the end.

    `database_url`: a PostgreSQL server (the scratch database is made beside the one named), or empty
    for a temporary SQLite file (refused with `postgres`). `migrate`: run the migrations first (off
    for a benchmark that creates only the tables it measures). `load`: management commands to run
    after, e.g. REFERENCE_DATA."""
    if database_url.startswith(("postgres://", "postgresql://")):
        url, drop = scratch_postgres(database_url)
    elif database_url or postgres:
        raise SystemExit("give a PostgreSQL server with --database-url (or set TEST_DATABASE_URL)")
    else:
        folder = tempfile.TemporaryDirectory(prefix="pracha-bench-")
        url, drop = f"sqlite:///{folder.name}/bench.sqlite3", folder.cleanup
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pracha.settings")
    os.environ.setdefault("PRACHA_DEMO", "1")  # the demo secrets (payment gateway, keys) on both sides
    os.environ.setdefault("PRACHA_LOG_LEVEL", "WARNING")
    try:
        import django
        from django.core.management import call_command

        django.setup()
        for command in (["migrate"] if migrate else []) + list(load):
            call_command(command, verbosity=0)
        yield url
    finally:
        drop()


def describe_machine() -> str:
    """The database, Python and CPU a figure was measured on, for the first line of a report."""
    from django.db import connection

    if connection.vendor == "sqlite":
        database = f"SQLite {connection.Database.sqlite_version} (WAL, synchronous=NORMAL)"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if "model name" in ln
        ]
        cpu = models[0] if models else cpu
    return f"{database}; Python {platform.python_version()}; {cpu}, {os.cpu_count()} CPUs"


# --- Our own servers under test ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Child processes started here, each stopped by its own id (SIGTERM, then SIGKILL) on `stop` or
    when the `with` block ends. Their output goes to <name>.log in a temporary folder, removed at the
    end unless the block failed."""

    def __init__(self) -> None:
        self.log_dir = Path(tempfile.mkdtemp(prefix="pracha-bench-logs-"))
        self.running: list[subprocess.Popen] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()
        if kind is None:
            shutil.rmtree(self.log_dir, ignore_errors=True)
        else:  # kept: why a server failed is in its log
            print(f"the servers' logs are in {self.log_dir}")

    @staticmethod
    def env(database_url: str, **extra: str) -> dict[str, str]:
        """This process's environment on the scratch database, with the rate limits lifted through
        their settings as an operator would (one client address sends thousands of requests a minute).
        PYTHONPATH names this checkout: `pracha` is installed in editable mode from the checkout that
        made the virtualenv, and a benchmark run from another one (a worktree of an older commit,
        sharing the virtualenv) must measure its own code, not that one's."""
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "DATABASE_URL": database_url,
            "PRACHA_RATE_LIMIT_PER_MINUTE": "100000000",
            **extra,
        }

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        with (self.log_dir / f"{name}.log").open("ab") as log:  # the child keeps its own descriptor
            proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in list(reversed(self.running)):
            self.stop(proc)


def wait_for_http(port: int, proc: subprocess.Popen, path: str = "/", seconds: float = 90) -> None:
    """Wait until the server on 127.0.0.1:`port` answers a GET of `path` (with any status)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args[0]} stopped while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer on port {port} within {seconds:.0f} s")
