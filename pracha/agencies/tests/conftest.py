import io

import pytest

from pracha.agencies.geography import load_geography
from pracha.agencies.registry import load_agencies


@pytest.fixture
def geography(db):
    return load_geography()


@pytest.fixture
def registry(geography):
    """The whole shipped registry: geography, then every YAML data file."""
    return load_agencies()


@pytest.fixture
def out():
    return io.StringIO()
