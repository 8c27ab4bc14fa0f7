"""Delivery of queued notifications by the worker."""

from pracha.core.queue import job


def _attempt_failed(payload: dict, error: Exception, gave_up: bool) -> None:
    from .delivery import record_failed_attempt

    record_failed_attempt(payload["notification_id"], error, gave_up)


@job("notify.deliver", on_failure=_attempt_failed)
def deliver(payload: dict) -> None:
    from .delivery import deliver_notification

    deliver_notification(payload["notification_id"])
