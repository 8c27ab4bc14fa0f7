"""Background work of the complaint system, run by `pracha worker`."""

from __future__ import annotations

import logging

from pracha.core.queue import batch, job

log = logging.getLogger("pracha.complaints")


def _gave_up(payload: dict, error: Exception, dead: bool) -> None:
    """When routing has failed for good, people take over: the complaint must not wait unseen."""
    if not dead:
        return
    from . import services

    services.route_to_triage(payload["complaint_id"], "routing_failed")


@job("complaints.route", on_failure=_gave_up)
def route(payload: dict) -> None:
    """Classify and route one filed complaint (enqueued by file_complaint in its own transaction)."""
    from . import services
    from .models import Complaint

    if not Complaint.objects.filter(pk=payload["complaint_id"]).exists():
        log.warning("complaint %s to route no longer exists", payload["complaint_id"])
        return
    services.route(payload["complaint_id"])


@batch("complaints.route")
def route_many(payloads: list[dict]) -> None:
    """Route a burst of filed complaints together (the worker falls back to `route` one by one if
    this fails). Complaints deleted meanwhile or already routed are skipped."""
    from . import services

    services.route_many([p["complaint_id"] for p in payloads])


@job("complaints.flag_duplicates")
def flag_duplicates(payload: dict) -> None:
    """Look for open complaints like a newly routed one (enqueued by routing, so intake stays fast)."""
    from . import duplicates
    from .models import Complaint

    complaint = Complaint.objects.filter(pk=payload["complaint_id"]).first()
    if complaint is not None:
        duplicates.flag_duplicates(complaint)


@batch("complaints.flag_duplicates")
def flag_duplicates_many(payloads: list[dict]) -> None:
    """The duplicate checks of a burst of routed complaints together (one by one if this fails)."""
    from . import duplicates
    from .models import Complaint

    complaints = Complaint.objects.select_related("subdistrict").filter(
        pk__in=[p["complaint_id"] for p in payloads]
    )
    duplicates.flag_many(list(complaints.order_by("pk")))
