"""Demo: the shipped data agreements, and consents the two demo citizens gave and withdrew."""

from __future__ import annotations

from pracha.identity.models import User

from . import services
from .agreements import load_agreements


def seed(users: dict[str, User]) -> str:
    result = load_agreements()
    somchai, malee = users["somchai"], users["malee"]
    web = services.ConsentRecord.Channel.WEB
    services.give(somchai.person, "eservice.dopa.population_record", channel="eservice", actor=somchai)
    services.give(somchai.person, "eservice.sso.insured_status", channel="eservice", actor=somchai)
    services.give(malee.person, "eservice.dopa.population_record", channel=web, actor=malee)
    services.give(malee.person, "eservice.doe.worker_abroad", channel=web, actor=malee)
    services.withdraw(
        malee.person,
        "eservice.doe.worker_abroad",
        channel=web,
        actor=malee,
        reason="I came back to Thailand and no longer need it.",
    )
    return f"consent: {len(result.loaded)} data agreements; 5 consent revisions by the demo citizens"
