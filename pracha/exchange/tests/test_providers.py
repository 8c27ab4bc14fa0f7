"""The agency systems (pracha_providers) as the hub sees them: real subprocesses over real HTTP."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pracha.core.thai_id import is_valid_thai_id
from pracha_providers.demo import DEMO_PORTS, demo_config
from pracha_providers.launcher import TEST_RECORDS, launch
from pracha_providers.records import MALEE, PROVIDERS, SOMCHAI, person

pytest_plugins = ("pracha_providers.testing",)  # the session-wide `providers` fixture

CONTRACT_FIELDS = {
    "civil_registry": {
        "id_number",
        "prefix",
        "first_name",
        "last_name",
        "birth_date",
        "gender",
        "nationality",
        "address",
        "house_registration_no",
        "status",
        "moved_in_at",
    },
    "sso": {
        "id_number",
        "insured",
        "section",
        "employer_name",
        "employer_id",
        "contribution_months",
        "last_contribution_month",
    },
    "doe_abroad": {
        "id_number",
        "country",
        "employer_abroad",
        "job_title",
        "contract_start",
        "contract_end",
        "departure_date",
        "return_date",
        "status",
    },
}
ADDRESS_FIELDS = {"house_no", "moo", "road", "subdistrict_code", "district_code", "province_code"}


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as c:
        yield c


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_a_demo_citizen_has_a_record_with_the_contract_fields(providers, client, name):
    provider = providers[name]
    for number in (SOMCHAI, MALEE):
        answer = client.get(provider.record_url(number), headers=provider.headers)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        record = answer.json()
        assert set(record) == CONTRACT_FIELDS[name]
        assert record["id_number"] == number
    if name == "civil_registry":
        assert set(record["address"]) == ADDRESS_FIELDS


def test_the_demo_citizens_are_the_same_people_in_every_agency(providers, client):
    dopa, sso, doe = (providers[n] for n in ("civil_registry", "sso", "doe_abroad"))
    somchai = client.get(dopa.record_url(SOMCHAI), headers=dopa.headers).json()
    assert (somchai["first_name"], somchai["last_name"]) == ("สมชาย", "ใจดี")
    assert somchai["address"]["district_code"] == "1030"  # Chatuchak, where his petitions go
    assert client.get(sso.record_url(SOMCHAI), headers=sso.headers).json()["section"] == 33
    malee = client.get(doe.record_url(MALEE), headers=doe.headers).json()
    assert (malee["status"], malee["return_date"]) == ("abroad", None)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_only_the_key_holder_gets_data(providers, client, name):
    provider = providers[name]
    for headers in (
        {},
        {"X-Api-Key": "guess"},
        {"X-Api-Key": providers["civil_registry" if name != "civil_registry" else "sso"].api_key},
    ):
        for url in (provider.record_url(SOMCHAI), f"{provider.url}/v1/extract"):
            answer = client.get(url, headers=headers)
            assert answer.status_code == 401
            assert answer.json()["error"] == "unauthorized"
            assert "X-Api-Key" in answer.headers["www-authenticate"]
            assert SOMCHAI not in answer.text
    # The description and the health check carry no personal data and are open.
    assert client.get(provider.openapi_url).status_code == 200
    assert client.get(f"{provider.url}/healthz").json() == {"status": "ok"}


def test_unknown_and_malformed_requests_get_clear_errors(providers, client):
    dopa = providers["civil_registry"]
    answer = client.get(dopa.record_url("1234567890121"), headers=dopa.headers)
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    answer = client.get(dopa.record_url("12345"), headers=dopa.headers)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_id")
    for query, code in (
        ("after=abc", "invalid_cursor"),
        ("limit=0", "invalid_limit"),
        ("limit=10001", "invalid_limit"),
    ):
        answer = client.get(f"{dopa.url}/v1/extract?{query}", headers=dopa.headers)
        assert (answer.status_code, answer.json()["error"]) == (400, code)
    assert client.post(dopa.record_url(SOMCHAI), headers=dopa.headers).status_code == 405
    assert client.get(f"{dopa.url}/v1/other", headers=dopa.headers).status_code == 404


def test_the_transaction_id_comes_back(providers, client):
    sso = providers["sso"]
    answer = client.get(sso.record_url(SOMCHAI), headers={**sso.headers, "X-Transaction-Id": "tx-42"})
    assert answer.headers["x-transaction-id"] == "tx-42"


def _walk(client, provider, limit: int, ndjson: bool = False) -> list[dict]:
    records, after = [], ""
    headers = {**provider.headers, **({"Accept": "application/x-ndjson"} if ndjson else {})}
    while True:
        answer = client.get(
            f"{provider.url}/v1/extract", params={"after": after, "limit": limit}, headers=headers
        )
        assert answer.status_code == 200
        if ndjson:
            assert answer.headers["content-type"] == "application/x-ndjson"
            page = [json.loads(line) for line in answer.text.splitlines()]
            following = answer.headers.get("x-next-cursor")
        else:
            body = answer.json()
            page, following = body["records"], body["next"]
            assert answer.headers.get("x-next-cursor") == following
        assert len(page) <= limit
        records += page
        if not following:
            return records
        after = following


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_extract_pages_through_every_record_once_in_a_stable_order(providers, client, name):
    provider = providers[name]
    first = _walk(client, provider, limit=97)
    assert len(first) == TEST_RECORDS
    numbers = [r["id_number"] for r in first if r["id_number"]]
    assert len(numbers) == len(set(numbers))
    assert first[:2] == [
        client.get(provider.record_url(n), headers=provider.headers).json() for n in (SOMCHAI, MALEE)
    ]
    assert _walk(client, provider, limit=500, ndjson=True) == first
    # Roughly 2% are deliberately defective (the quality checks' material), the rest have valid IDs.
    invalid = sum(not is_valid_thai_id(r["id_number"] or "") for r in first)
    assert 0 < invalid < TEST_RECORDS * 0.02


def _properties(schema: dict, prefix: str = ""):
    for field, spec in schema["properties"].items():
        yield prefix + field, spec
        if spec.get("type") == "object":
            yield from _properties(spec, f"{prefix}{field}.")


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_openapi_description_classifies_every_field(providers, client, name):
    provider = providers[name]
    doc = client.get(provider.openapi_url).json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["x-service-code"] == provider.service_code == PROVIDERS[name].service_code
    assert doc["info"]["x-agency"] == provider.agency_code
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
    }
    assert {"/v1/records/{id_number}", "/v1/extract", "/healthz"} <= set(doc["paths"])
    schema = doc["components"]["schemas"][doc["info"]["x-record-schema"]]
    assert set(schema["properties"]) == CONTRACT_FIELDS[name]
    levels = {"public", "internal", "confidential", "secret"}
    for field, spec in _properties(schema):
        assert spec["x-classification"] in levels, field
        assert spec["x-label"]["th"] and spec["x-label"]["en"], field
    ref = doc["paths"]["/v1/records/{id_number}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ref["schema"]["$ref"].endswith("/" + schema["title"])


def _seed(name: str, path: Path, records: int) -> list[str]:
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pracha_providers",
            name,
            "seed",
            "--records",
            str(records),
            "--db",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert f"{records} records" in done.stdout
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT body FROM records ORDER BY seq")]


def test_seeding_is_deterministic_and_the_agencies_agree_on_people(tmp_path):
    first = _seed("doe_abroad", tmp_path / "a.sqlite3", 300)
    assert _seed("doe_abroad", tmp_path / "b.sqlite3", 300) == first
    dopa = [json.loads(b) for b in _seed("civil_registry", tmp_path / "c.sqlite3", 1300)]
    by_id = {r["id_number"]: r for r in dopa}
    # The DOE's k-th generated record is about person 4k, whom the civil registry also holds.
    doe_generated = [json.loads(b) for b in first[2:]]
    agreeing = [r for r in doe_generated if r["id_number"] in by_id]
    assert len(agreeing) > 0.95 * len(doe_generated)
    assert by_id[person(4)[0].id_number]["birth_date"] == person(4)[0].birth_date.isoformat()


def test_the_demo_keeps_its_ports_and_keys_across_restarts(tmp_path):
    first = demo_config(tmp_path)
    assert {name: p.url for name, p in first.items()} == {
        name: f"http://127.0.0.1:{port}" for name, port in DEMO_PORTS.items()
    }
    assert demo_config(tmp_path) == first
    assert len({p.api_key for p in first.values()}) == 3
    assert (tmp_path / "providers.json").stat().st_mode & 0o777 == 0o600


def _serve_error(db: Path, key: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PRACHA_PROVIDER_KEY"}
    command = [sys.executable, "-m", "pracha_providers", "sso", "serve", "--port", "0", "--db", str(db)]
    done = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env={**env, "PRACHA_PROVIDER_KEY": key} if key else env,
        timeout=60,
    )
    assert done.returncode != 0
    return done.stderr


def test_a_provider_will_not_start_without_a_key_or_a_database(tmp_path):
    with pytest.raises(ValueError, match="Unknown providers"), launch(["land_office"], tmp_path):
        pass
    assert "run `seed` first" in _serve_error(tmp_path / "none.sqlite3", key="k")
    _seed("sso", tmp_path / "sso.sqlite3", 5)
    assert "needs an API key" in _serve_error(tmp_path / "sso.sqlite3", key=None)
