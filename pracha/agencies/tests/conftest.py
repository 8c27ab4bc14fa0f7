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


@pytest.fixture(autouse=True)
def _forget_place_points():
    """Each test's points are rolled back with its database; the per-process index must go with them."""
    yield
    from pracha.agencies import places

    places.invalidate()


@pytest.fixture
def traffy_points(geography):
    """The Traffy sample's reference points (skipped where the file is not on the machine)."""
    from pracha.agencies import places

    result = places.load_reference_points()
    if result is None:
        pytest.skip("the Traffy sample is not on this machine (PRACHA_DATA_DIR)")
    return result
