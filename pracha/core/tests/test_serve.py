"""`pracha serve`, the production web server, run as an operator runs it: a process on a port."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"pracha serve exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("pracha serve did not start listening")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PRACHA_DEMO": "1",
        # Its own (empty) database: nothing asked of it here touches one.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    }
    argv = [sys.executable, "-m", "pracha.cli", "serve", "--workers", "1", "--threads", "2"]
    # Its own process group: its workers go with it, whatever happens in the test.
    proc = subprocess.Popen(  # noqa: S603
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_until_up(port, proc)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.communicate(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_serve_answers_requests_and_passes_a_large_upload_to_the_checks(server):
    port, _proc = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/api/openapi.json")
    response = conn.getresponse()
    assert response.status == 200
    assert "/api/complaints" in json.loads(response.read())["paths"]

    # 12 MB in one request (over the 10 MB a photo may have): the server hands the whole body to
    # Django, whose checks refuse it with their message, on the same kept-alive connection.
    photo = b"\xff\xd8\xff\xe0" + os.urandom(12 * 1024 * 1024)
    body, content_type = _multipart(
        {"text": "ทางเท้าหน้าบ้านเลขที่ 12 ชำรุดหลายแผ่น", "anonymous": "true"}, {"photos": ("a.jpg", photo)}
    )
    conn.request("POST", "/api/complaints", body, {"Content-Type": content_type, "Accept-Language": "en"})
    response = conn.getresponse()
    error = json.loads(response.read())["error"]
    assert response.status == 400
    assert error["fields"] == {"photos": "photo_too_large"}
    assert "10 MB" in error["messages"]["en"]


def test_serve_stops_on_sigterm(server):
    _port, proc = server
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output.decode(errors="replace")[-2000:]


def test_the_process_environment_does_not_reach_request_meta():
    from pracha.wsgi import without_process_environment

    process = {
        "DATABASE_URL": "postgres://u:secret@db/p",
        "HTTP_PROXY": "http://proxy:3128",
        "PATH_INFO": "/x",
    }
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/x",  # the request's own, even when the process has the same variable
        "DATABASE_URL": "postgres://u:secret@db/p",
        "HTTP_PROXY": "http://proxy:3128",  # a "Proxy" header the client never sent
        "HTTP_HOST": "pracha.example",
        "wsgi.url_scheme": "https",
    }
    assert without_process_environment(environ, process) == {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/x",
        "HTTP_HOST": "pracha.example",
        "wsgi.url_scheme": "https",
    }
    # A header the client did send, with its own value, stays.
    sent = {"HTTP_PROXY": "other", "REQUEST_METHOD": "GET"}
    assert without_process_environment(sent, process) == {"HTTP_PROXY": "other", "REQUEST_METHOD": "GET"}
