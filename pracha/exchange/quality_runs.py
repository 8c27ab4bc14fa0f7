"""Data-quality runs: the hub reads a sample of a provider's records page by page and scores them with
`pracha.exchange.quality.assess` (the providers' checks, driven by the published OpenAPI schema).
Only the counts are stored; the records are dropped as soon as they are scored."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery

from pracha.audit.chain import record
from pracha.core.queue import enqueue, job, periodic

from . import provider_client
from .models import ProviderService, QualityRun
from .quality import assess, record_schema

SAMPLE = 20_000  # records read per check: enough for a stable score, bounded load on the provider
PAGE = 5_000


def _sample(service: ProviderService, limit: int) -> Iterator[dict]:
    cursor, read = "", 0
    while read < limit:
        page = provider_client.list_page(
            service,
            cursor=cursor,
            limit=min(PAGE, limit - read),
            consumer_agency="HUB",
            purpose="data-quality",
            reference=f"quality:{service.code}",
        )
        yield from page.items
        read += len(page.items)
        cursor = page.next_cursor
        if not cursor or not page.items:
            return


def check_service(service: ProviderService, *, sample: int = SAMPLE) -> QualityRun:
    """Score a sample of the service's records and keep the report (raises PrachaError 502 when the
    provider does not answer; a service without a published schema cannot be checked: ValueError)."""
    report = assess(_sample(service, sample), record_schema(service.openapi))
    run = QualityRun.objects.create(
        service=service,
        records=report.records,
        score=report.score,
        field_score=report.field_score,
        completeness=report.completeness,
        validity=report.validity,
        report=report.as_dict(),
    )
    record(
        "exchange.quality_checked",
        run,
        {"service": service.code, "records": report.records, "score": run.score},
    )
    return run


@job("exchange.quality_check")
def quality_check_job(payload: dict) -> None:
    service = ProviderService.objects.select_related("provider__agency").filter(pk=payload["service"]).first()
    if service is not None and service.active and service.openapi:
        check_service(service)


@periodic("exchange.quality_checks", every_seconds=24 * 3600)
def queue_quality_checks() -> str:
    """Once a day, a check of every active service (each its own job, retried on its own)."""
    ids = list(ProviderService.objects.filter(active=True).exclude(openapi={}).values_list("pk", flat=True))
    for pk in ids:
        enqueue("exchange.quality_check", {"service": pk})
    return f"{len(ids)} quality checks queued"


def latest_runs() -> list[ProviderService]:
    """Every active service with its latest run as `.latest_quality` (None when never checked)."""
    newest = QualityRun.objects.filter(service=OuterRef("pk")).order_by("-at").values("pk")[:1]
    found = list(
        ProviderService.objects.filter(active=True)
        .select_related("provider__agency")
        .annotate(latest_run=Subquery(newest))
        .order_by("provider__agency__code", "code")
    )
    runs = QualityRun.objects.in_bulk([s.latest_run for s in found if s.latest_run])
    for s in found:
        s.latest_quality = runs.get(s.latest_run)
    return found
