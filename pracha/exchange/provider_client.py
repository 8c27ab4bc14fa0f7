"""HTTP to the providers' systems: one pooled keep-alive client per process (decision 1302).

urllib3's PoolManager is thread-safe and keeps connections to each provider open, so a hub call
costs one request on a warm connection, not a TCP handshake.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import urllib3

from pracha.core.errors import PrachaError

from .models import ProviderService

# Connections kept per provider host: as many as a web process has threads, with room to spare.
_POOL = urllib3.PoolManager(
    num_pools=32,
    maxsize=int(os.environ.get("PRACHA_EXCHANGE_POOL_SIZE", "16")),
    block=False,
    retries=False,
    timeout=urllib3.Timeout(
        connect=float(os.environ.get("PRACHA_EXCHANGE_CONNECT_TIMEOUT", "2")),
        read=float(os.environ.get("PRACHA_EXCHANGE_READ_TIMEOUT", "10")),
    ),
    headers={"Accept": "application/json", "User-Agent": "pracha-exchange-hub/1"},
)


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str  # "" when this was the last page
    total: int | None


def _url(service: ProviderService, path: str) -> str:
    return service.base_url.rstrip("/") + "/" + path.lstrip("/")


def _request(method: str, url: str, headers: dict[str, str], **kw) -> urllib3.BaseHTTPResponse:
    try:
        return _POOL.request(method, url, headers=headers, **kw)
    except urllib3.exceptions.HTTPError as exc:
        raise PrachaError("exchange_provider_unavailable", status=502, detail=type(exc).__name__) from exc


def _json(response: urllib3.BaseHTTPResponse) -> dict:
    try:
        data = json.loads(response.data)
    except ValueError as exc:
        raise PrachaError("exchange_provider_unavailable", status=502, detail="not JSON") from exc
    if not isinstance(data, dict):
        raise PrachaError("exchange_provider_unavailable", status=502, detail="not a JSON object")
    return data


def _headers(service: ProviderService, consumer_agency: str, purpose: str, reference: str) -> dict[str, str]:
    # The provider learns who asks and why (for its own logs) and the hub's reference, which it echoes;
    # it never decides what the consumer sees: the hub strips the answer to the grant.
    return {
        "X-Api-Key": service.api_key,
        "X-Pracha-Consumer": consumer_agency,
        "X-Pracha-Purpose": purpose,
        "X-Transaction-Id": reference,
    }


def get_record(
    service: ProviderService, id_number: str, *, consumer_agency: str, purpose: str, reference: str
) -> dict:
    """The provider's record for one person; PrachaError 404 when it has none, 502 when it fails."""
    path = service.record_path.replace("{id_number}", quote(id_number, safe=""))
    response = _request("GET", _url(service, path), _headers(service, consumer_agency, purpose, reference))
    if response.status == 404:
        raise PrachaError("exchange_record_not_found", status=404)
    if response.status != 200:
        raise PrachaError("exchange_provider_unavailable", status=502, detail=f"HTTP {response.status}")
    return _json(response)


def list_page(
    service: ProviderService,
    *,
    cursor: str,
    limit: int,
    changed_since: str = "",
    consumer_agency: str,
    purpose: str,
    reference: str,
) -> Page:
    """One page of the provider's records in its stable order, after `cursor` ("" for the first).

    `changed_since` is passed on for providers that filter by it; one that does not returns every
    record (decision 1303)."""
    query: dict[str, str | int] = {"limit": limit}
    if cursor:
        query["after"] = cursor
    if changed_since:
        query["changed_since"] = changed_since
    url = _url(service, service.list_path) + "?" + urlencode(query)
    response = _request("GET", url, _headers(service, consumer_agency, purpose, reference))
    if response.status != 200:
        raise PrachaError("exchange_provider_unavailable", status=502, detail=f"HTTP {response.status}")
    data = _json(response)
    records = data.get("records", data.get("items"))
    if not isinstance(records, list):
        raise PrachaError("exchange_provider_unavailable", status=502, detail="no records")
    return Page(items=records, next_cursor=str(data.get("next") or ""), total=data.get("total"))
