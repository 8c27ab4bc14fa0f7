"""Batch extracts through the hub from a real provider process: queued as page jobs, delivered as a
file with only the granted fields; refusals are recorded like a call's."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from pracha.consent import services as consent
from pracha.core.queue import claim, run_job
from pracha.exchange import batch
from pracha.exchange.models import BatchExtract, Transaction

from .conftest import grant
from .test_hub import POP, SOMCHAI, SSO, agreements  # noqa: F401  (the agreements fixture)

pytest_plugins = ("pracha_providers.testing",)


def run_jobs() -> int:
    ran = 0
    while jobs := claim(limit=10):
        for j in jobs:
            assert run_job(j), j.last_error
            ran += 1
    return ran


def provider_count(providers, name: str) -> int:
    with sqlite3.connect(providers[name].db_path) as db:
        return db.execute("SELECT count(*) FROM records").fetchone()[0]


def bearer(hub) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {hub.token}"}


def test_extract_of_all_records_has_only_granted_fields(client, hub, providers, monkeypatch):
    monkeypatch.setattr(batch, "PAGE_SIZE", 100)  # several pages and several jobs (chunks)
    monkeypatch.setattr(batch, "PAGES_PER_JOB", 2)
    grant(hub, SSO, purpose="labour-statistics", fields=["id_number", "insured", "section"])
    answer = client.post(
        "/exchange/hub/batches/",
        {"service": SSO, "purpose": "labour-statistics", "fields": ["insured", "section"], "format": "csv"},
        content_type="application/json",
        **bearer(hub),
    )
    assert answer.status_code == 202, answer.content
    status_url = f"/exchange/hub/batches/{answer.json()['id']}/"
    assert client.get(status_url, **bearer(hub)).json()["status"] == "queued"
    assert client.get(status_url + "file", **bearer(hub)).status_code == 409
    assert run_jobs() > 2
    status = client.get(status_url, **bearer(hub)).json()
    total = provider_count(providers, "sso")
    assert status["status"] == "done" and status["records_done"] == total
    file = client.get(status_url + "file", **bearer(hub))
    assert file.status_code == 200 and file["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(file.streaming_content).decode())))
    assert rows[0] == ["insured", "section"]
    assert len(rows) == total + 1 and all(len(r) == 2 for r in rows)
    tx = Transaction.objects.filter(channel="batch").latest("pk")
    assert tx.outcome == "ok" and tx.records == total and tx.person_ref == ""


def test_extract_by_ids_leaves_out_people_without_consent(client, hub, agreements):  # noqa: F811
    other = "3100600456785"
    grant(hub, POP, purpose="licence-check", fields=["id_number", "first_name", "address"])
    consent.give(hub.citizen, "eservice.dopa.population_record", channel="web")
    extract = batch.request_extract(
        member=hub.consumer,
        service_code=POP,
        purpose="licence-check",
        fields=["first_name", "address"],
        ids=[SOMCHAI, other],
        file_format="ndjson",
    )
    run_jobs()
    extract.refresh_from_db()
    assert extract.status == BatchExtract.Status.DONE and extract.records_done == 1
    lines = b"".join(batch.file_chunks(extract)).decode().splitlines()
    assert len(lines) == 1 and set(json.loads(lines[0])) == {"first_name", "address"}
    # The person in the extract sees it on "my data"; the one left out does not.
    assert (
        Transaction.objects.filter(channel="batch", person_ref__in=[batch.person_ref(SOMCHAI)]).count() == 1
    )
    assert not Transaction.objects.filter(person_ref=batch.person_ref(other)).exists()


def test_extract_refusals(client, hub, agreements):  # noqa: F811
    answer = client.post(
        "/exchange/hub/batches/",
        {"service": SSO, "purpose": "stats"},
        content_type="application/json",
        **bearer(hub),
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "exchange_not_granted"
    assert Transaction.objects.filter(channel="batch", outcome="refused").count() == 1
    grant(hub, POP, purpose="licence-check", fields=["first_name"])
    answer = client.post(
        "/exchange/hub/batches/",
        {"service": POP, "purpose": "licence-check"},
        content_type="application/json",
        **bearer(hub),
    )
    # Consent is per person: "everyone" cannot be extracted from a consent-based service.
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "exchange_consent_required"
    answer = client.post(
        "/exchange/hub/batches/",
        {"service": POP, "purpose": "licence-check", "ids": ["123"]},
        content_type="application/json",
        **bearer(hub),
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "exchange_batch_ids_invalid"
