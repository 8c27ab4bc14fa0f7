"""One agency system's HTTP API: a plain WSGI function over the standard library's sqlite3.

GET /v1/records/<id_number>   one person's record (JSON), 404 when the agency has none
GET /v1/extract?after=&limit= a page of records in a stable order (JSON, or NDJSON on request)
GET /openapi.json             the OpenAPI 3.1 description, with each field's data classification
GET /healthz                  liveness

Records and extracts need the provider's API key in `X-Api-Key` (only the exchange hub holds it);
the description and the health check carry no personal data and are open.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs

from .openapi import describe
from .records import ProviderSpec
from .store import Store

DEFAULT_LIMIT, MAX_LIMIT = 1000, 10_000
_RECORD_PATH = re.compile(r"^/v1/records/([^/]*)$")
_ID = re.compile(r"^\d{13}$")
_CURSOR = re.compile(r"^\d{1,18}$")

StartResponse = Callable[[str, list[tuple[str, str]]], object]
_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
}


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message}).encode()


class ProviderApp:
    def __init__(self, spec: ProviderSpec, db_path: Path, api_key: str) -> None:
        if not api_key:
            raise ValueError("A provider needs an API key (PRACHA_PROVIDER_KEY)")
        self.spec = spec
        self.db_path = db_path
        self.key = api_key.encode()
        self.openapi = json.dumps(describe(spec), ensure_ascii=False).encode()
        self._local = threading.local()

    @property
    def store(self) -> Store:
        # One connection per thread, opened after gunicorn forks the worker.
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.db_path)
        return store

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        status, body, content_type, extra = self.handle(environ)
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *extra,
        ]
        # The hub's transaction id comes back, so each side's logs can be matched to the other's.
        if transaction := environ.get("HTTP_X_TRANSACTION_ID"):
            headers.append(("X-Transaction-Id", transaction[:100]))
        start_response(_STATUS[status], headers)
        return [body]

    def handle(self, environ: dict) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        json_type = "application/json"
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return 405, _error("method_not_allowed", "Only GET"), json_type, [("Allow", "GET, HEAD")]
        if path == "/healthz":
            return 200, b'{"status":"ok"}', json_type, []
        if path == "/openapi.json":
            return 200, self.openapi, json_type, []
        match = _RECORD_PATH.match(path)
        if not match and path != "/v1/extract":
            return 404, _error("not_found", "No such endpoint"), json_type, []
        given = environ.get("HTTP_X_API_KEY", "").encode()
        if not hmac.compare_digest(given, self.key):
            challenge = [("WWW-Authenticate", 'ApiKey header="X-Api-Key"')]
            return 401, _error("unauthorized", "A valid X-Api-Key is required"), json_type, challenge
        if match:
            return self.record(match.group(1))
        return self.extract(environ)

    def record(self, id_number: str) -> tuple[int, bytes, str, list]:
        if not _ID.match(id_number):
            return 400, _error("invalid_id", "The ID number must be 13 digits"), "application/json", []
        body = self.store.record(id_number)
        if body is None:
            return 404, _error("not_found", "No record for this ID number"), "application/json", []
        return 200, body.encode(), "application/json", []

    def extract(self, environ: dict) -> tuple[int, bytes, str, list]:
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        after, limit = query.get("after", "0") or "0", query.get("limit", str(DEFAULT_LIMIT))
        if not _CURSOR.match(after):
            return (
                400,
                _error("invalid_cursor", "after must be a cursor from a previous page"),
                "application/json",
                [],
            )
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            return 400, _error("invalid_limit", f"limit must be 1 to {MAX_LIMIT}"), "application/json", []
        bodies, following = self.store.page(int(after), int(limit))
        cursor = "" if following is None else str(following)
        headers = [("X-Next-Cursor", cursor)] if cursor else []
        if "application/x-ndjson" in environ.get("HTTP_ACCEPT", ""):
            body = "".join(b + "\n" for b in bodies).encode()
            return 200, body, "application/x-ndjson", headers
        body = '{"records":[' + ",".join(bodies) + '],"next":' + (json.dumps(cursor or None)) + "}"
        return 200, body.encode(), "application/json", headers
