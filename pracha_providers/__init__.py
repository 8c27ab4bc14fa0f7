"""Agency systems the platform does not own, for the demo, the tests and the benchmarks.

Three providers, each a separate HTTP service (gunicorn) with its own SQLite database: the DOPA civil
registry (`civil_registry`, service `dopa.population_record`), the Social Security Office (`sso`,
`sso.insured_status`) and the Department of Employment's registry of workers abroad (`doe_abroad`,
`doe.worker_abroad`). The exchange hub reaches them only over HTTP with their API keys.
"""

from .launcher import RunningProvider, launch
from .records import PROVIDERS

__all__ = ["PROVIDERS", "RunningProvider", "launch"]
