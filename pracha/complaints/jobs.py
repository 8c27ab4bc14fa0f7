"""Background work of the complaint system, run by `pracha worker`."""

from __future__ import annotations

import logging

from pracha.core.queue import job

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
