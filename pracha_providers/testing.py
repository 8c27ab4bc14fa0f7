"""pytest fixture: the three agency systems running for the whole test session.

Use it from any test module with

    pytest_plugins = ("pracha_providers.testing",)

    def test_something(providers):
        dopa = providers["civil_registry"]      # a RunningProvider
        httpx.get(dopa.record_url("1101700203450"), headers=dopa.headers)

Each provider holds the demo citizens plus TEST_RECORDS generated records (about 2% of them
deliberately defective). The keys are random per session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .launcher import TEST_RECORDS, RunningProvider, launch
from .records import PROVIDERS


@pytest.fixture(scope="session")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningProvider]]:
    with launch(PROVIDERS, tmp_path_factory.mktemp("providers"), records=TEST_RECORDS) as running:
        yield running
