"""Fixtures shared by the complaint system's tests. Keep this file small and additive."""

import pytest

from pracha.agencies.geography import load_geography
from pracha.agencies.registry import load_agencies


@pytest.fixture
def places(db):
    """Thailand's geography (geothai) and the shipped agency registry: what routing needs (~0.5 s)."""
    load_geography()
    load_agencies()
