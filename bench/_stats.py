"""Percentiles, latency spreads, and timing calls from several threads: what the benchmarks report."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

# The header over print_row's columns.
ROW_HEADER = f"{'':<44}{'rows':>7}{'per s':>12}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}"


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`th percentile (0 to 100) of `values`, nearest rank: always one of the values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def spread(seconds: Sequence[float], unit: float = 1e3) -> dict[str, float]:
    """p50, p95, p99 and max of latencies measured in seconds, in milliseconds (unit=1e6: µs)."""
    return {f"p{q}": percentile(seconds, q) * unit for q in (50, 95, 99)} | {"max": max(seconds) * unit}


def timed_calls(call: Callable[[], object], n: int) -> list[float]:
    """Seconds taken by each of `n` calls of `call`, one after the other."""
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def run_threads(
    items: list, concurrency: int, make_worker: Callable[[], Callable[[object], None]]
) -> tuple[list[float], float, float]:
    """Hand `items` to `concurrency` threads; each runs its own worker (its own connection) and times
    every item. Returns (latencies in seconds, wall-clock seconds, start time as time.time())."""
    lock, latencies, errors = threading.Lock(), [], []
    queue = list(reversed(items))

    def loop() -> None:
        do = make_worker()
        mine = []
        while True:
            with lock:
                if not queue:
                    break
                item = queue.pop()
            started = time.perf_counter()
            try:
                do(item)
            except Exception as exc:
                errors.append(exc)
                break
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    wall_start, started = time.time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} requests failed; the first: {errors[0]!r}")
    return latencies, seconds, wall_start


def print_row(name: str, n: int, seconds: float, lat: dict[str, float] | None) -> None:
    """One row under ROW_HEADER: `n` items done in `seconds`, and their spread (in ms) if any."""
    figures = f"{lat['p50']:>8.1f}{lat['p95']:>8.1f}{lat['p99']:>8.1f}{lat['max']:>8.1f}" if lat else " " * 32
    print(f"{name:<44}{n:>7}{n / seconds:>12,.0f}{figures}", flush=True)
