"""Batch extracts: a granted service's records in bulk, made by a chain of page jobs (decision 1303).

Each `exchange.extract_page` job reads up to PAGES_PER_JOB pages from the provider, strips every
record to the granted fields, appends one zlib-compressed chunk of the file to the database, moves
the cursor and enqueues the next job, all in the job's one transaction. So progress is visible as
it goes, a worker that dies loses at most one job's pages (the next claim redoes them from the
stored cursor), and nothing lives on a local disk: any web process can stream the download.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from pracha.audit.chain import record
from pracha.core.errors import PrachaError
from pracha.core.queue import enqueue, job
from pracha.core.thai_id import id_problem, normalize_id

from . import provider_client
from .calls import Caller, _grants, _has_consent, authorise, parse_fields, person_ref, write_transaction
from .models import BatchExtract, ExtractChunk, LawfulBasis, Member, Transaction
from .services import caller_for_member

PAGE_SIZE = 10_000  # records per provider page (the providers' maximum)
PAGES_PER_JOB = 5  # pages per job (one stored chunk)
ID_PAGE_SIZE = 500  # people looked up one by one per page of an ID-list extract
MAX_IDS = 100_000


def _clean_ids(ids: list[str]) -> list[str]:
    bad = [i for i in ids if id_problem(str(i))]
    if bad or len(ids) > MAX_IDS:
        raise PrachaError("exchange_batch_ids_invalid", fields={"ids": "invalid"})
    return list(dict.fromkeys(normalize_id(str(i)) for i in ids))


def request_extract(
    *,
    member: Member,
    service_code: str,
    purpose: str,
    fields: list[str] | str | None = None,
    ids: list[str] | None = None,
    changed_since=None,
    file_format: str = BatchExtract.Format.CSV,
    actor: str = "",
) -> BatchExtract:
    """Check the grant like a call, then queue the extract. Refusals are recorded like a call's."""
    caller = caller_for_member(member, channel=Transaction.Channel.BATCH)
    if file_format not in BatchExtract.Format.values:
        raise PrachaError("validation_error", fields={"format": "invalid"})
    purpose = (purpose or "").strip()
    if not purpose:
        raise PrachaError("exchange_purpose_required", status=400, fields={"purpose": "required"})
    id_list = _clean_ids(ids) if ids else []
    service, grants = _grants(caller, service_code)
    asked = parse_fields(fields)
    try:
        grant, granted_fields = authorise(service, grants, purpose, asked)
        # Consent is per person: an extract of "everyone changed since" cannot rest on it.
        if grant.lawful_basis == LawfulBasis.CONSENT and not id_list:
            raise PrachaError("exchange_consent_required", status=403, agreement=grant.consent_agreement)
    except PrachaError as exc:
        write_transaction(
            caller,
            service_code=service_code,
            service=service,
            grant=None,
            purpose=purpose,
            fields=asked or [],
            id_number="",
            outcome=Transaction.Outcome.REFUSED,
            status=exc.status,
            error_code=exc.code,
            records=0,
        )
        raise
    with transaction.atomic():
        extract = BatchExtract.objects.create(
            consumer=member,
            grant=grant,
            purpose=purpose,
            fields=granted_fields,
            format=file_format,
            ids=id_list,
            changed_since=changed_since,
            records_total=len(id_list) or None,
            requested_by=actor or caller.actor,
        )
        record(
            "exchange.extract_requested",
            extract,
            {"service": service.code, "purpose": purpose, "fields": granted_fields, "ids": len(id_list)},
            caller.actor,
        )
        enqueue("exchange.extract_page", {"extract": extract.pk})
    return extract


def _writer(extract: BatchExtract):
    """A function turning a list of records into the bytes of the file (CSV or NDJSON)."""
    fields = extract.fields
    if extract.format == BatchExtract.Format.NDJSON:
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode

        def ndjson(records: list[dict]) -> bytes:
            return "".join(encode({f: r.get(f) for f in fields}) + "\n" for r in records).encode()

        return ndjson

    def as_cell(value):
        return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value

    def csv_rows(records: list[dict]) -> bytes:
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerows([as_cell(r.get(f)) for f in fields] for r in records)
        return buf.getvalue().encode()

    return csv_rows


def _header(extract: BatchExtract) -> bytes:
    if extract.format != BatchExtract.Format.CSV:
        return b""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(extract.fields)
    return buf.getvalue().encode()


def _fail(extract: BatchExtract, code: str) -> None:
    extract.status, extract.error, extract.finished_at = BatchExtract.Status.FAILED, code, timezone.now()
    extract.save(update_fields=["status", "error", "finished_at"])
    record("exchange.extract_failed", extract, {"error": code})


def _consented(extract: BatchExtract, ids: list[str]) -> list[str]:
    grant = extract.grant
    if grant.lawful_basis != LawfulBasis.CONSENT:
        return ids
    return [i for i in ids if _has_consent(i, grant.consent_agreement)]


def _record_people(extract: BatchExtract, caller: Caller, ids: list[str]) -> None:
    """One transaction row per person of an ID-list extract, so each sees the use on "my data"."""
    service = extract.grant.service
    Transaction.objects.bulk_create(
        [
            Transaction(
                channel=Transaction.Channel.BATCH,
                consumer=extract.consumer,
                consumer_agency=caller.agency,
                service=service,
                service_code=service.code,
                provider_agency=service.provider.agency,
                grant=extract.grant,
                purpose=extract.purpose,
                fields=extract.fields,
                person_ref=person_ref(i),
                person_masked="",
                outcome=Transaction.Outcome.OK,
                status=200,
                actor=caller.actor,
            )
            for i in ids
        ],
        batch_size=1000,
    )


def _records_of(service, ids: list[str], kw: dict) -> list[dict]:
    """Each person's record by the real-time path (providers list by cursor, not by IDs); a person the
    provider does not know is left out of the file."""
    found = []
    for id_number in ids:
        try:
            found.append(provider_client.get_record(service, id_number, **kw))
        except PrachaError as exc:
            if exc.code != "exchange_record_not_found":
                raise
    return found


@job("exchange.extract_page")
def extract_page(payload: dict) -> None:
    extract = (
        BatchExtract.objects.select_for_update()
        .select_related("grant__service__provider__agency", "consumer__agency")
        .filter(pk=payload["extract"])
        .first()
    )
    if extract is None or extract.status in (BatchExtract.Status.DONE, BatchExtract.Status.FAILED):
        return
    grant, service = extract.grant, extract.grant.service
    if not grant.is_current() or extract.consumer.status != Member.Status.APPROVED:
        _fail(extract, "exchange_grant_expired" if grant.revoked_at is None else "exchange_not_granted")
        return
    if extract.status == BatchExtract.Status.QUEUED:
        extract.status, extract.started_at = BatchExtract.Status.RUNNING, timezone.now()
    caller = Caller(
        members=[extract.consumer],
        agency=extract.consumer.agency,
        channel=Transaction.Channel.BATCH,
        actor=extract.requested_by or "system",
    )
    write = _writer(extract)
    parts = [_header(extract)] if extract.chunks == 0 else []
    cursor, done, count = extract.cursor, False, 0
    kw = {
        "consumer_agency": caller.agency.code,
        "purpose": extract.purpose,
        "reference": f"extract:{extract.pk}",
    }
    changed = extract.changed_since.isoformat() if extract.changed_since else ""
    try:
        for _ in range(PAGES_PER_JOB):
            if extract.ids:
                start = int(cursor or 0)
                wanted = _consented(extract, extract.ids[start : start + ID_PAGE_SIZE])
                items = _records_of(service, wanted, kw)
                _record_people(extract, caller, [r["id_number"] for r in items if r.get("id_number")])
                page = provider_client.Page(items=items, next_cursor="", total=None)
                nxt = start + ID_PAGE_SIZE
                cursor, done = str(nxt), nxt >= len(extract.ids)
            else:
                page = provider_client.list_page(
                    service, cursor=cursor, limit=PAGE_SIZE, changed_since=changed, **kw
                )
                cursor, done = page.next_cursor, not page.next_cursor
                if page.total is not None:
                    extract.records_total = page.total
            parts.append(write(page.items))
            count += len(page.items)
            if done:
                break
    except PrachaError as exc:
        if exc.status >= 500:
            raise  # the provider failed: the queue retries this job from the stored cursor
        _fail(extract, exc.code)
        return
    data = b"".join(parts)
    ExtractChunk.objects.create(extract=extract, seq=extract.chunks, data=zlib.compress(data, 1))
    extract.chunks += 1
    extract.bytes_written += len(data)
    extract.records_done += count
    extract.cursor = cursor
    if done:
        extract.status, extract.finished_at = BatchExtract.Status.DONE, timezone.now()
        latency = (extract.finished_at - (extract.started_at or extract.created_at)).total_seconds() * 1000
        write_transaction(
            caller,
            service_code=service.code,
            service=service,
            grant=grant,
            purpose=extract.purpose,
            fields=extract.fields,
            id_number="",
            outcome=Transaction.Outcome.OK,
            status=200,
            latency_ms=latency,
            records=extract.records_done,
        )
    else:
        enqueue("exchange.extract_page", {"extract": extract.pk})
    extract.save()


def file_chunks(extract: BatchExtract) -> Iterator[bytes]:
    """The extract's file, piece by piece (one chunk in memory at a time)."""
    if extract.status != BatchExtract.Status.DONE:
        raise PrachaError("exchange_batch_not_ready", status=409, done=extract.records_done)
    ids = list(ExtractChunk.objects.filter(extract=extract).order_by("seq").values_list("pk", flat=True))
    for pk in ids:
        data = ExtractChunk.objects.values_list("data", flat=True).get(pk=pk)
        yield zlib.decompress(bytes(data))
