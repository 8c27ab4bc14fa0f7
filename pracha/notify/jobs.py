"""Delivery of queued notifications by the worker."""

from pracha.core.queue import batch, enqueue_many, job


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
    sent and must not be sent again), those the burst had no time for get jobs of their own."""
    from .delivery import deliver_notifications

    burst = deliver_notifications([p["notification_id"] for p in payloads])
    enqueue_many("notify.deliver", [{"notification_id": pk} for pk in burst.deferred])
    return burst.failed
