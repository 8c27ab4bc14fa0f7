"""Background work of the complaint system, run by `pracha worker`."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from pracha.audit.chain import Entry, append_many, appended_last
from pracha.core.queue import batch, enqueue_many, job

log = logging.getLogger("pracha.complaints")


def _filing_entries(payloads: list[dict]) -> list[Entry]:
    """The audit entries of the filings, which intake leaves in the routing job's payload for the
    transaction that ends the job to chain (decision 0537). Jobs queued before then carry none:
    their filing was chained at intake."""
    return [
        Entry("complaints.filed", "complaints.complaint", str(p["complaint_id"]), p["filed"], p.get("actor"))
        for p in payloads
        if "filed" in p
    ]


def _gave_up(payload: dict, error: Exception, dead: bool) -> None:
    """When routing has failed for good, people take over: the complaint must not wait unseen."""
    if not dead:
        return
    from . import services
    from .models import Complaint

    with appended_last():
        append_many(_filing_entries([payload]))  # as `route` does, even for a complaint deleted since
        if Complaint.objects.filter(pk=payload["complaint_id"]).exists():
            services.route_to_triage(payload["complaint_id"], "routing_failed")


@job("complaints.route", on_failure=_gave_up)
def route(payload: dict) -> None:
    """Classify and route one filed complaint (enqueued by file_complaint in its own transaction)."""
    from . import services
    from .models import Complaint

    with appended_last():
        # The filing is recorded even if the complaint was deleted meanwhile: it was filed.
        append_many(_filing_entries([payload]))
        if not Complaint.objects.filter(pk=payload["complaint_id"]).exists():
            log.warning("complaint %s to route no longer exists", payload["complaint_id"])
            return
        services.route(payload["complaint_id"])


@batch("complaints.route")
def route_many(payloads: list[dict]) -> None:
    """Route a burst of filed complaints together (the worker falls back to `route` one by one if
    this fails). Complaints deleted meanwhile or already routed are skipped."""
    from . import services

    with appended_last():
        append_many(_filing_entries(payloads))
        services.route_many([p["complaint_id"] for p in payloads])


def _flag(ids: list[int]) -> None:
    from . import duplicates
    from .models import Complaint

    complaints = Complaint.objects.select_related("subdistrict").filter(pk__in=ids).order_by("pk")
    duplicates.flag_many(list(complaints))


def _ids(payloads: list[dict]) -> list[int]:
    # A job names a routed burst ("complaint_ids"); jobs queued by earlier releases name one complaint.
    return [pk for p in payloads for pk in p.get("complaint_ids") or [p["complaint_id"]]]


# Routing has a statutory time limit and a duplicate check does not: under load, the routing of
# complaints filed in the next half minute goes first (decision 0540).
@job("complaints.flag_duplicates", gives_way=dt.timedelta(seconds=30))
def flag_duplicates(payload: dict) -> None:
    """Look for open complaints like the newly routed ones of a burst (queued by routing as one job,
    so that a burst costs one job row, not one per complaint). If the burst's check fails, each
    complaint gets a job of its own, so that one bad complaint holds up no other."""
    ids = _ids([payload])
    if len(ids) == 1:
        _flag(ids)
        return
    try:
        with transaction.atomic():
            _flag(ids)
    except Exception as exc:
        log.warning("duplicate check of %s complaints failed, queued one by one: %s", len(ids), exc)
        enqueue_many("complaints.flag_duplicates", [{"complaint_ids": [pk]} for pk in ids])


@batch("complaints.flag_duplicates")
def flag_duplicates_many(payloads: list[dict]) -> None:
    """The duplicate checks of several routed bursts together (job by job if this fails)."""
    _flag(_ids(payloads))
