"""Delivery of queued notifications by the worker."""

from pracha.core.queue import job


@job("notify.deliver")
def deliver(payload: dict) -> None:
    from .delivery import deliver_notification

    deliver_notification(payload["notification_id"])
