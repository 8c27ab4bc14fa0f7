"""Signals of the agency registry for apps that keep answers derived from it."""

from django.dispatch import Signal

# Sent after the registry's agencies, units or coverage were loaded or changed in bulk (bulk writes
# send no model signals); receivers drop what they derived from the registry (e.g. routing's units).
registry_changed = Signal()


def _changed(sender: type, **_kwargs: object) -> None:
    registry_changed.send(sender=sender)


def connect() -> None:
    """One row saved or deleted (an administrator's edit) counts as a change too."""
    from django.db.models.signals import post_delete, post_save

    from .models import Agency, ContactPoint, Coverage

    for model in (Agency, ContactPoint, Coverage):
        post_save.connect(_changed, sender=model, dispatch_uid=f"registry_changed_{model.__name__}_save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"registry_changed_{model.__name__}_delete")
