"""Background jobs of the payments app."""

from pracha.core.queue import job

from . import services


@job("payments.settled")
def settled(payload: dict) -> None:
    """Tell the app that owns the invoice's subject that it is paid (handler registered by on_settled)."""
    services.run_settled(payload["invoice_id"])
