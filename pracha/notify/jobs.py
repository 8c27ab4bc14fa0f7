"""Delivery of queued notifications by the worker."""

from pracha.core.queue import batch, job


def _attempt_failed(payload: dict, error: Exception, gave_up: bool) -> None:
    from .delivery import record_failed_attempt

    record_failed_attempt(payload["notification_id"], error, gave_up)


@job("notify.deliver", on_failure=_attempt_failed)
def deliver(payload: dict) -> None:
    from .delivery import deliver_notification

    deliver_notification(payload["notification_id"])


@batch("notify.deliver")
def deliver_many(payloads: list[dict]) -> dict[int, Exception]:
    """A burst of messages in one transaction; those that failed are retried alone (the others were
    sent and must not be sent again)."""
    from .delivery import deliver_notifications

    _notes, failed = deliver_notifications([p["notification_id"] for p in payloads])
    return failed
