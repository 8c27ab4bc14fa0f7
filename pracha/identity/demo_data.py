"""Demo Digital ID: the portal's client, and one citizen proofed in person at a counter (IAL2.3)."""

from __future__ import annotations

from .assurance import proof_in_person
from .models import User
from .oidc import portal_client


def seed(users: dict[str, User]) -> str:
    client = portal_client()
    somchai, counter = users.get("somchai"), users.get("counter.chatuchak")
    if somchai is None or counter is None or somchai.person is None:
        return f"identity: OpenID Connect client {client.client_id} for the portal"
    proof_in_person(counter, somchai.person, document="id_card")
    return (
        f"identity: OpenID Connect client {client.client_id} for the portal; "
        f"{somchai.person.name_th} proofed at the Chatuchak counter (IAL2.3), the others self-asserted (IAL1)"
    )
