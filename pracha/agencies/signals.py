"""Signals of the agency registry for apps that keep answers derived from it."""

from django.dispatch import Signal

# Sent after the registry's agencies, units or coverage, or the geography, were loaded or changed
# (bulk writes send no model signals); receivers drop what they derived from them (routing's units,
# the areas kept by code).
registry_changed = Signal()


def _changed(sender: type, **_kwargs: object) -> None:
    registry_changed.send(sender=sender)


def connect() -> None:
    """One row saved or deleted (an administrator's edit) counts as a change too."""
    from django.db.models.signals import post_delete, post_save

    from .models import Agency, ContactPoint, Coverage, District, Province, Subdistrict

    for model in (Agency, ContactPoint, Coverage, Province, District, Subdistrict):
        post_save.connect(_changed, sender=model, dispatch_uid=f"registry_changed_{model.__name__}_save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"registry_changed_{model.__name__}_delete")
