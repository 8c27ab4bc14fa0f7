"""The providers of `pracha demo`: fixed ports and keys kept in `<var>/providers/providers.json`.

The file is written the first time (random keys) and read afterwards, so the exchange hub's demo
data, which records each provider's URL and key in the platform's database, stays valid across
restarts. Edit the ports in the file if they are taken on your machine.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .launcher import RunningProvider, launch
from .records import PROVIDERS

DEMO_PORTS = {"civil_registry": 8701, "sso": 8702, "doe_abroad": 8703}
DEMO_RECORDS = 5000
CONFIG_NAME = "providers.json"


def demo_config(providers_dir: Path) -> dict[str, RunningProvider]:
    """The demo providers' URLs and keys (the same before and after they are started)."""
    path = providers_dir / CONFIG_NAME
    if not path.exists():
        providers_dir.mkdir(parents=True, exist_ok=True)
        fresh = {
            name: {"url": f"http://127.0.0.1:{port}", "api_key": secrets.token_urlsafe(32)}
            for name, port in DEMO_PORTS.items()
        }
        path.write_text(json.dumps(fresh, indent=2))
        path.chmod(0o600)
    saved = json.loads(path.read_text())
    return {
        name: RunningProvider(
            name=name,
            service_code=PROVIDERS[name].service_code,
            agency_code=PROVIDERS[name].agency_code,
            url=saved[name]["url"],
            api_key=saved[name]["api_key"],
            db_path=providers_dir / f"{name}.sqlite3",
        )
        for name in PROVIDERS
    }


@contextmanager
def launch_demo(providers_dir: Path) -> Iterator[dict[str, RunningProvider]]:
    config = demo_config(providers_dir)
    ports = {name: int(p.url.rsplit(":", 1)[1]) for name, p in config.items()}
    keys = {name: p.api_key for name, p in config.items()}
    with launch(config, providers_dir, records=DEMO_RECORDS, ports=ports, keys=keys, workers=2) as running:
        yield running
