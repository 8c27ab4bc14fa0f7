"""Benchmark of the complaint classifier against the plain TF-IDF baseline, and its speed.

    .venv/bin/python bench/complaint_classifier_bench.py [--data-dir D] [--json FILE] [--speed-only]

Accuracy, all in the same run, on data the models did not train on (pracha.complaints.classifier.evaluation):
  - time split, last week: train on the Traffy rows before the last ISO week of the data, test on it;
  - time split, last day: train before the last calendar day, test on it;
  - random: stratified 5-fold cross-validation over the Traffy rows (mean and standard deviation);
  - intent: stratified 5-fold cross-validation over the hand-labelled file.
For each: our model, the same model without the hand-labelled file, and the plain baseline (newmm
words, TF-IDF, one-vs-rest logistic regression with default settings, Traffy rows only).

Speed, with the model of the last-week split classifying that week's texts (each text once, so the
tokenizer's cache never helps): newmm tokenization alone, one classify() call, and classify_many()
in batches of 100, on one core of this machine. The load average is printed with the figures: the
machine has 2 cores, and anything else running slows the timings (not the accuracy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pracha.settings")
    os.environ.setdefault("PRACHA_DEMO", "1")
    os.environ.setdefault("PRACHA_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def speed(train: list, test: list) -> dict:
    from pracha.complaints.classifier import LoadedModel, classify, classify_many
    from pracha.complaints.classifier import text as T
    from pracha.complaints.classifier.model import ComplaintModel

    model = LoadedModel(ComplaintModel().fit(train), {"version": "bench"}, Path("."))
    texts = [e.text for e in test]
    classify("warm-up", model)
    T.words.cache_clear()
    tokenize = []
    for t in texts:
        start = time.perf_counter()
        T.words(T.prepare(t))
        tokenize.append(time.perf_counter() - start)
    T.words.cache_clear()
    single = []
    for t in texts:
        start = time.perf_counter()
        classify(t, model)
        single.append(time.perf_counter() - start)
    T.words.cache_clear()
    start = time.perf_counter()
    for i in range(0, len(texts), 100):
        classify_many(texts[i : i + 100], model)
    batch_seconds = time.perf_counter() - start
    chars = [len(t) for t in texts]
    return {
        "texts": len(texts),
        "median_chars": statistics.median(chars),
        "tokenize_ms": {"p50": percentile(tokenize, 50) * 1e3, "p99": percentile(tokenize, 99) * 1e3},
        "classify_ms": {"p50": percentile(single, 50) * 1e3, "p99": percentile(single, 99) * 1e3},
        "classify_per_s": len(texts) / sum(single),
        "classify_many_per_s": len(texts) / batch_seconds,
    }


def table(results: dict) -> str:
    rows = [
        "| split | test rows | model | top-1 | top-1 specific | micro-F1 |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    names = {"model": "ours", "model_traffy_only": "ours, Traffy rows only", "baseline": "plain TF-IDF"}
    for split in ("time_last_week", "time_last_day", "random_5fold"):
        r = results[split]
        for key, label in names.items():
            m = r[key]

            def sd(k: str, m: dict = m) -> str:
                return f" ± {m[k + '_sd']:.1%}" if k + "_sd" in m else ""

            rows.append(
                f"| {split} | {m['rows']} | {label} | {m['top1']:.1%}{sd('top1')} | "
                f"{m['top1_specific']:.1%}{sd('top1_specific')} | {m['micro_f1']:.3f}{sd('micro_f1')} |"
            )
    i = results["intent"]
    rows.append("")
    rows.append("| intent (5-fold CV) | accuracy | macro-F1 | recall complaint / suggestion / question |")
    rows.append("| --- | ---: | ---: | --- |")
    for key, label in (("model", "ours"), ("baseline", "plain TF-IDF")):
        r = i[key]["recall"]
        rows.append(
            f"| {label} | {i[key]['accuracy']:.1%} | {i[key]['macro_f1']:.3f} | "
            f"{r['complaint']:.0%} / {r['suggestion']:.0%} / {r['question']:.0%} |"
        )
    counts = ", ".join(f"{n} {c}" for c, n in i["counts"].items())
    rows.append(f"| always “complaint” | {i['majority_accuracy']:.1%} | | ({counts}) |")
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, help="folder holding traffy/*.csv (default PRACHA_DATA_DIR)")
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument("--speed-only", action="store_true", help="measure speed only (skips the evaluation)")
    args = p.parse_args()
    setup()
    from pracha.complaints.classifier import dataset, evaluation
    from pracha.complaints.classifier.model import Params

    started = time.monotonic()
    ds = dataset.load(args.data_dir)
    results = {}
    if not args.speed_only:
        results = evaluation.evaluate(
            ds, Params(), progress=lambda s: print(f"… {s}", flush=True), ablation=True
        )
    (train, test), _ = evaluation.time_split(ds, "week")
    print("… speed", flush=True)
    load_before = os.getloadavg()[0]
    results["speed"] = speed([*train, *ds.labelled], test)
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if not args.speed_only:
        print()
        print(table(results))
    s = results["speed"]
    print()
    tok, one = s["tokenize_ms"], s["classify_ms"]
    print(f"speed ({s['texts']} texts, median {s['median_chars']} characters):")
    print(f"  tokenize      p50 {tok['p50']:.2f} ms  p99 {tok['p99']:.2f} ms")
    print(f"  classify()    p50 {one['p50']:.2f} ms  p99 {one['p99']:.2f} ms  {s['classify_per_s']:.0f}/s")
    print(f"  classify_many()  {s['classify_many_per_s']:.0f}/s (batches of 100)")
    print(f"  load average before/after: {results['machine']['load_average']}")
    print(f"total {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
