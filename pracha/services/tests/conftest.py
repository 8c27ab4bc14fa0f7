import copy
from pathlib import Path

import pytest
import yaml

from pracha.services.catalogue import DEFINITIONS_DIR
from pracha.workflow.definitions import parse_file

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def test_processes() -> dict:
    """A stand-in `eservice` process with contract B's states, so that the loader's tests do not
    depend on the applications app's process file."""
    return {"eservice": parse_file(HERE / "processes" / "eservice.yaml")}


@pytest.fixture(scope="session")
def rice_data() -> dict:
    return yaml.safe_load((DEFINITIONS_DIR / "rice-trading-licence.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def definition(rice_data) -> dict:
    """A valid definition to break in one place."""
    return copy.deepcopy(rice_data)


@pytest.fixture
def write(tmp_path):
    """Write a definition (dict or YAML text) as <code>.yaml in a temporary directory."""

    def _write(data, name: str | None = None) -> Path:
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        path = tmp_path / f"{name or data['code']}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return _write
