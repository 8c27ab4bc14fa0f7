"""How well and how fast a map pin finds its subdistrict (pracha.agencies.places), on held-out points.

    .venv/bin/python bench/places_bench.py                # the Traffy sample, 5 folds
    .venv/bin/python bench/places_bench.py --file other.csv --folds 10

Each Traffy report is a point whose khwaeng the reporter's app recorded. The points are split into
folds by a hash of the ticket id; each fold in turn is held out and looked up against the others.
Figures, in the same run:
  (a) the baseline: the single nearest point's subdistrict, always answering;
  (b) the vote as configured (PRACHA_PLACE_* or the defaults) and a few other settings: the share of
      held-out pins answered, the share of answers that are right, and the share of all pins placed
      right (answered and right);
  (c) the look-up time of one pin (the vote, what `subdistrict_at` does after its cache), p50 and p95.
It needs no database.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pracha.settings")
os.environ.setdefault("PRACHA_DEMO", "1")


def fold_of(key: str, folds: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % folds


def main() -> None:
    import django

    django.setup()
    from pracha.agencies import places

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--file", type=Path, default=places.data_dir() / places.TRAFFY_FILE)
    p.add_argument("--folds", type=int, default=5)
    args = p.parse_args()

    points, result = places.read_points(args.file)
    print(f"{args.file.name}: {result.summary()}")
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    configured = {n: places.setting(n) for n in ("neighbours", "max_distance_m", "min_confidence")}
    settings_tried = [
        ("baseline: nearest point", {"neighbours": 1, "max_distance_m": 1e9, "min_confidence": 0.0}),
        ("vote as configured", configured),
        ("vote, no confidence floor", {**configured, "min_confidence": 0.0}),
        ("vote, k=3", {**configured, "neighbours": 3}),
        ("vote, k=5", {**configured, "neighbours": 5}),
        ("vote, k=15", {**configured, "neighbours": 15}),
        ("vote, floor 0.5", {**configured, "min_confidence": 0.5}),
        ("vote, floor 0.8", {**configured, "min_confidence": 0.8}),
        ("vote, max 800 m", {**configured, "max_distance_m": 800.0}),
        ("vote, max 3000 m", {**configured, "max_distance_m": 3000.0}),
    ]
    totals = {name: [0, 0, 0, 0] for name, _ in settings_tried}  # pins, answered, right, district right
    timings: list[float] = []
    for fold in range(args.folds):
        train = [pt for pt in points if fold_of(pt.key, args.folds) != fold]
        test = [pt for pt in points if fold_of(pt.key, args.folds) == fold]
        index = places.PointIndex(
            [pt.latitude for pt in train], [pt.longitude for pt in train], [pt.code for pt in train]
        )
        for name, conf in settings_tried:
            t = totals[name]
            for pt in test:
                started = time.perf_counter()
                vote = index.vote(pt.latitude, pt.longitude, **conf)
                if name == "vote as configured":
                    timings.append(time.perf_counter() - started)
                t[0] += 1
                if vote is not None:
                    t[1] += 1
                    t[2] += vote.code == pt.code
                    t[3] += vote.code[:4] == pt.code[:4]
    print(
        f"\nsettings as configured: k={configured['neighbours']:.0f}, "
        f"max {configured['max_distance_m']:.0f} m, "
        f"floor {configured['min_confidence']:.2f}; {args.folds} folds, {len(points)} held-out pins in all\n"
    )
    print(
        f"{'setting':<28} {'answered':>9} {'right when answered':>20} {'placed right':>13} "
        f"{'district right when answered':>29}"
    )
    for name, (n, answered, right, district) in totals.items():
        print(
            f"{name:<28} {answered / n:>9.1%} {right / max(answered, 1):>20.1%} {right / n:>13.1%} "
            f"{district / max(answered, 1):>29.1%}"
        )
    timings.sort()
    p50 = statistics.median(timings) * 1e6
    p95 = timings[int(len(timings) * 0.95)] * 1e6
    print(f"\none pin (vote as configured): p50 {p50:.0f} µs, p95 {p95:.0f} µs, {len(timings)} pins")

    far = [(18.79, 98.98), (7.88, 98.39), (15.0, 102.1), (13.1, 100.9), (9.5, 99.9)]  # north, south, east
    index = places.PointIndex(
        [pt.latitude for pt in points], [pt.longitude for pt in points], [pt.code for pt in points]
    )
    answered_far = sum(index.vote(lat, lng, **configured) is not None for lat, lng in far)
    print(
        "pins far from Bangkok (Chiang Mai, Phuket, Khorat, Chonburi, Surat Thani): "
        f"{answered_far} of {len(far)} answered"
    )


if __name__ == "__main__":
    main()
