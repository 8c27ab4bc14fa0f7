"""Fixtures shared by the complaint system's tests. Keep this file small and additive."""

import pytest

from pracha.agencies.geography import load_geography
from pracha.agencies.registry import load_agencies


@pytest.fixture
def places(db):
    """Thailand's geography (geothai) and the shipped agency registry: what routing needs (~0.5 s)."""
    load_geography()
    load_agencies()


@pytest.fixture(scope="session")
def complaint_model_dir(tmp_path_factory):
    """A classifier model trained once per test session on the shared Traffy data (about 40 s)."""
    from pracha.complaints.classifier import train

    out = tmp_path_factory.mktemp("complaint-models")
    train(out_dir=out, evaluate=False, use_corrections=False)
    return out


@pytest.fixture
def classifier(complaint_model_dir, settings):
    """The real classifier for this test, with the session's model."""
    from pracha.complaints.classifier import clear_cache

    settings.PRACHA_MODEL_DIR = str(complaint_model_dir)
    clear_cache()
    yield
    clear_cache()
