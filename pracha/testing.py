"""Helpers for tests that need real concurrency (several database connections at once)."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection


def needs_postgres(why: str = "concurrent writers need PostgreSQL (SQLite serialises them)") -> None:
    if connection.vendor != "postgresql":
        pytest.skip(why)


def in_threads(count: int, target: Callable[[int], object], timeout: float = 120) -> list:
    """Run target(i) in `count` threads started together; each thread has its own DB connection."""
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not errors, errors
    return results
