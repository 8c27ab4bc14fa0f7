"""Training a versioned model artefact (what `pracha train-complaint-model` runs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from pathlib import Path

import joblib

from . import dataset, evaluation, store
from .model import ComplaintModel, Params
from .vocabulary import CATEGORIES, INTENTS, URGENCIES

FORMAT = 1
# The code that shapes a trained model; its hash is part of the version (urgency rules are not: they
# run at prediction time, beside the artefact).


@dataclass(frozen=True)
class TrainResult:
    version: str
    path: Path
    metadata: dict


def _libraries() -> dict[str, str]:
    libs = {"python": platform.python_version()}
    for name in ("scikit-learn", "pythainlp", "numpy", "scipy", "joblib"):
        libs[name] = dist_version(name)
    return libs


def train(
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    extra_examples: Iterable[tuple] = (),
    use_corrections: bool = True,
    evaluate: bool = True,
    params: Params | None = None,
    progress: Callable[[str], None] = lambda s: None,
) -> TrainResult:
    """Train on the data directory's files plus officers' corrections (when the corrections module is
    importable and `use_corrections`) plus `extra_examples` ((text, categories, intent) tuples, each
    weighted as a correction); evaluate on held-out splits unless `evaluate` is false; write the
    artefact under `out_dir` (default PRACHA_MODEL_DIR or var/models) and return where it went."""
    params = params or Params()
    extra = dataset.examples_from(extra_examples, source="extra", weight=params.correction_weight)
    if use_corrections:
        extra += dataset.corrections(params.correction_weight)
    progress("reading the training data")
    ds = dataset.load(Path(data_dir) if data_dir else None, extra)
    version = hashlib.sha256(
        json.dumps(
            {
                "data": ds.digest(),
                "params": params.as_dict(),
                "format": FORMAT,
                "code": store.code_digest(),
                "libraries": _libraries(),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:16]

    metrics = evaluation.evaluate(ds, params, progress) if evaluate else {}
    progress("training the model on all the data")
    model = ComplaintModel(params).fit(ds.all)

    root = store.models_root(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    # Written beside its final place and renamed, so a reader never sees half an artefact.
    work = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root))
    try:
        joblib.dump(model, work / store.MODEL_FILE, compress=3)
        metadata = {
            "version": version,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            "format": FORMAT,
            "code_sha256": store.code_digest(),
            "data_files": ds.files,
            "unknown_types": ds.unknown_types,
            "examples": {
                "traffy": len(ds.traffy),
                "labelled": len(ds.labelled),
                "corrections": sum(e.source == "correction" for e in ds.extra),
                "extra": sum(e.source == "extra" for e in ds.extra),
            },
            "params": params.as_dict(),
            "metrics": metrics,
            "categories": {code: {"th": e["th"], "en": e["en"]} for code, e in CATEGORIES.items()},
            "learned_categories": model.codes,
            "intents": INTENTS,
            "urgencies": URGENCIES,
            "libraries": _libraries(),
            "model_sha256": store.sha256_of(work / store.MODEL_FILE),
        }
        (work / store.METADATA_FILE).write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        final = root / version
        if final.exists():  # the same data and parameters again: the new build replaces it
            shutil.rmtree(final)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    store.clear_cache()
    return TrainResult(version, final, metadata)
