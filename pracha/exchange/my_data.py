"""The hub's source for the consent app's "my data" page: every call that used a person's data."""

from __future__ import annotations

from pracha.consent.services import DataUse
from pracha.identity.models import Person

from .services import uses_of_person


def data_uses(person: Person, offset: int, limit: int) -> tuple[list[DataUse], int]:
    """The person's uses, newest first (a page of them) and how many there are in all."""
    if not person.id_number:
        return [], 0
    found = uses_of_person(person.id_number).select_related("consumer")
    total = found.count()
    uses = [
        DataUse(
            at=tx.at,
            consumer_agency=tx.consumer_agency.name,
            system=tx.consumer.name if tx.consumer else "",
            service=tx.service.name if tx.service else tx.service_code,
            purpose=tx.grant.request.purpose_text if tx.grant else tx.purpose,
            fields=[tx.service.field_label(f) for f in tx.fields] if tx.service else list(tx.fields),
            outcome=tx.outcome,
            provider_agency=tx.provider_agency.name if tx.provider_agency else "",
            reference=str(tx.pk),
        )
        for tx in found[offset : offset + limit]
    ]
    return uses, total
