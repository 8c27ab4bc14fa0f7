"""Start agency systems as subprocesses (gunicorn), each on its own port with its own database."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .records import PROVIDERS
from .store import seed

DEFAULT_RECORDS = 1000
TEST_RECORDS = 500  # what the `providers` test fixture seeds
STARTUP_SECONDS = 30
# The subprocess finds this package wherever the caller runs from, installed or not.
_PYTHONPATH = os.pathsep.join(
    p for p in (str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")) if p
)


@dataclass(frozen=True)
class RunningProvider:
    """What a caller needs to reach one provider: base URL, key, and what it stands for."""

    name: str
    service_code: str
    agency_code: str
    url: str  # base URL without a trailing slash
    api_key: str
    db_path: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}

    @property
    def openapi_url(self) -> str:
        return f"{self.url}/openapi.json"

    def record_url(self, id_number: str) -> str:
        return f"{self.url}/v1/records/{id_number}"

    def as_json(self) -> dict:
        return {
            "service_code": self.service_code,
            "agency": self.agency_code,
            "url": self.url,
            "api_key": self.api_key,
            "openapi": self.openapi_url,
        }


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    return sock


def _wait_healthy(url: str, process: subprocess.Popen, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - our own URL
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"The provider at {url} exited with {process.returncode} while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"The provider at {url} did not answer /healthz in {STARTUP_SECONDS} s")
        time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def launch(
    names: Iterable[str] = tuple(PROVIDERS),
    base_dir: Path | str = "var/providers",
    *,
    records: int = DEFAULT_RECORDS,
    ports: Mapping[str, int] | None = None,
    keys: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    workers: int = 1,
    threads: int = 1,
) -> Iterator[dict[str, RunningProvider]]:
    """Run the named providers until the block ends; yields {name: RunningProvider}.

    A provider's database `<base_dir>/<name>.sqlite3` is seeded with `records` records when it does
    not exist yet (an existing one is used as it is: seed a large one beforehand for benchmarks).
    Ports are free ones unless given; keys are random ones unless given. The launcher binds each
    socket itself and hands it to gunicorn, so no other process can take the port in between.
    """
    base = Path(base_dir)
    names = list(names)
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        raise ValueError(f"Unknown providers {unknown}; known: {sorted(PROVIDERS)}")
    ports, keys = ports or {}, keys or {}
    with ExitStack() as stack:
        running: dict[str, RunningProvider] = {}
        processes: list[tuple[str, subprocess.Popen]] = []
        for name in names:
            spec = PROVIDERS[name]
            db_path = base / f"{name}.sqlite3"
            if not db_path.exists():
                seed(db_path, spec.records(records))
            try:
                sock = _listening_socket(host, ports.get(name, 0))
            except OSError as exc:
                raise OSError(
                    f"Provider {name} cannot listen on {host}:{ports.get(name, 0)} (port taken?): {exc}"
                ) from exc
            stack.callback(sock.close)
            url = f"http://{host}:{sock.getsockname()[1]}"
            key = keys.get(name) or secrets.token_urlsafe(32)
            env = {**os.environ, "PRACHA_PROVIDER_KEY": key, "PYTHONPATH": _PYTHONPATH}
            command = [sys.executable, "-m", "pracha_providers", name, "serve", "--fd", str(sock.fileno())]
            command += ["--db", str(db_path), "--workers", str(workers), "--threads", str(threads)]
            process = subprocess.Popen(command, env=env, pass_fds=[sock.fileno()])  # noqa: S603
            stack.callback(_stop, process)
            processes.append((url, process))
            running[name] = RunningProvider(name, spec.service_code, spec.agency_code, url, key, db_path)
        deadline = time.monotonic() + STARTUP_SECONDS
        for url, process in processes:
            _wait_healthy(url, process, deadline)
        yield running
