"""The agencies' part of `pracha demo`: the reference points that place map pins in subdistricts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pracha.agencies import places

if TYPE_CHECKING:  # agencies imports no app above it; the type is only for the reader
    from pracha.identity.models import User


def seed(users: dict[str, User]) -> str:
    result = places.load_reference_points()
    if result is None:
        return "Place points: no Traffy sample on this machine, map pins keep no subdistrict."
    return f"Place points: {result.summary()}."
