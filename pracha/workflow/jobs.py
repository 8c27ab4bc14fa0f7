"""Background work of the workflow engine, run by `pracha worker`."""

from pracha.core.queue import periodic


@periodic("workflow.sweep", every_seconds=60)
def sweep() -> dict[str, int]:
    from .sweep import sweep as run_sweep

    return run_sweep()
