"""Held-out evaluation: splits by time and at random, the issue's metrics, and the plain baseline.

The complainant's own category set is the truth. Metrics, on rows that have at least one category:
- top1: the best category is one of the complainant's;
- top1_specific: the best category other than `other` is one of the complainant's, on rows that
  name a category besides `other` (so a model cannot score by answering "other");
- micro_f1: of the predicted set (the best category plus those above the threshold) against the
  complainant's set, over every category.
A test row whose text (up to spacing) is also in the training rows is left out: it is not unseen.
Intent: stratified 5-fold cross-validation over the hand-labelled file (every row held out once);
the Traffy rows whose types name an intent are added to the training folds only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from .dataset import Dataset, Example, text_key
from .model import BaselineModel, ComplaintModel, Params
from .vocabulary import INTENTS, OTHER

Split = tuple[list[Example], list[Example]]


def category_metrics(
    scores: np.ndarray, codes: Sequence[str], test: Sequence[Example], threshold: float
) -> dict:
    codes = list(codes)
    other = codes.index(OTHER) if OTHER in codes else -1
    order = np.argsort(-scores, axis=1)
    top1, specific, tp, fp, fn = [], [], 0, 0, 0
    for row, ranked, example in zip(scores, order, test, strict=True):
        truth = set(example.categories)
        top1.append(codes[ranked[0]] in truth)
        if truth - {OTHER}:
            best = next((codes[j] for j in ranked if j != other), None)
            specific.append(best in truth)
        predicted = {codes[ranked[0]]} | {codes[j] for j in np.flatnonzero(row >= threshold)}
        tp += len(predicted & truth)
        fp += len(predicted - truth)
        fn += len(truth - predicted)
    return {
        "rows": len(test),
        "top1": round(float(np.mean(top1)), 4) if top1 else None,
        "top1_specific": round(float(np.mean(specific)), 4) if specific else None,
        "micro_f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else None,
    }


def _unseen(train: list[Example], test: list[Example], also_seen: Sequence[Example] = ()) -> list[Example]:
    seen = {text_key(e.text) for e in (*train, *also_seen)}
    return [e for e in test if e.categories and text_key(e.text) not in seen]


def time_split(ds: Dataset, last: str) -> tuple[Split, str]:
    """Train on the Traffy rows before the cut, test on those from it: `last` is "week" (the last ISO
    week in the data) or "day" (the last calendar day)."""
    dated = [e for e in ds.traffy if e.at is not None]
    newest = max(e.at for e in dated).date()
    cut = newest - dt.timedelta(days=newest.weekday()) if last == "week" else newest
    train = [e for e in dated if e.at.date() < cut]
    test = [e for e in dated if e.at.date() >= cut]
    return (train, _unseen(train, test, ds.labelled)), cut.isoformat()


def random_folds(ds: Dataset, folds: int = 5, seed: int = 0) -> list[Split]:
    """Random splits of the Traffy rows (stratified group k-fold): every row is tested once, the folds
    are stratified by each text's first category, and copies of a text stay in one fold."""
    rows = [e for e in ds.traffy if e.categories]
    keys = [text_key(e.text) for e in rows]
    first: dict[str, str] = {}
    for e, k in zip(rows, keys, strict=True):
        first.setdefault(k, sorted(e.categories)[0])
    counts = Counter(first.values())
    strata = [first[k] if counts[first[k]] >= folds else "rare" for k in keys]
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    out = []
    for train_idx, test_idx in splitter.split(rows, strata, groups=keys):
        train = [rows[i] for i in train_idx]
        out.append((train, _unseen(train, [rows[i] for i in test_idx], ds.labelled)))
    return out


def compare(
    train: list[Example], test: list[Example], ds: Dataset, params: Params, ablation: bool = False
) -> dict:
    """The model (trained with the labelled file and any extra examples) and the plain baseline
    (Traffy rows only), on the same test rows."""
    texts = [e.text for e in test]
    model = ComplaintModel(params).fit([*train, *ds.labelled, *ds.extra])
    base = BaselineModel().fit(train)
    out = {
        "train_rows": len(train),
        "model": category_metrics(model.category_scores(texts), model.codes, test, params.predict_threshold),
        "baseline": category_metrics(base.category_scores(texts), base.codes, test, params.predict_threshold),
    }
    if ablation:  # the same model without the hand-labelled file: what the extra data adds
        alone = ComplaintModel(params).fit([*train, *ds.extra])
        out["model_traffy_only"] = category_metrics(
            alone.category_scores(texts), alone.codes, test, params.predict_threshold
        )
    return out


def _mean_of(per_fold: list[dict]) -> dict:
    """Mean and standard deviation over folds of each model's metrics (and the folds themselves)."""
    out: dict = {"train_rows": round(float(np.mean([f["train_rows"] for f in per_fold])))}
    for name in per_fold[0]:
        if name == "train_rows":
            continue
        out[name] = {"rows": sum(f[name]["rows"] for f in per_fold)}
        for metric in ("top1", "top1_specific", "micro_f1"):
            values = [f[name][metric] for f in per_fold]
            out[name][metric] = round(float(np.mean(values)), 4)
            out[name][f"{metric}_sd"] = round(float(np.std(values)), 4)
    out["folds"] = per_fold
    return out


def intent_cv(ds: Dataset, params: Params, folds: int = 5, seed: int = 0) -> dict:
    rows = [e for e in ds.labelled if e.intent]
    weak = [e for e in ds.traffy if e.intent]
    y = np.array([e.intent for e in rows])
    predicted = np.empty(len(rows), dtype=object)
    plain = np.empty(len(rows), dtype=object)
    n_splits = max(2, min(folds, min(Counter(y).values())))
    for train_idx, test_idx in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(rows, y):
        train = [rows[i] for i in train_idx]
        test = [rows[i].text for i in test_idx]
        # Only the intent part is wanted: categories are dropped so the fit is quick.
        model = ComplaintModel(params)
        model.fit_intent_only([*train, *weak])
        predicted[test_idx] = model.intent_of(test)
        plain[test_idx] = _plain_intent([*train, *weak], test)

    def summary(pred: np.ndarray) -> dict:
        return {
            "accuracy": round(float(np.mean(pred == y)), 4),
            "macro_f1": round(float(f1_score(y, pred, average="macro", labels=list(INTENTS))), 4),
            "recall": {c: round(float(recall_score(y == c, pred == c, zero_division=0)), 4) for c in INTENTS},
        }

    majority = Counter(y).most_common(1)[0][0]
    return {
        "rows": len(rows),
        "counts": {str(c): n for c, n in Counter(y).items()},
        "folds": n_splits,
        "model": summary(predicted),
        "baseline": summary(plain),
        "majority_accuracy": round(float(np.mean(y == majority)), 4),
    }


def _plain_intent(train: list[Example], test: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from .text import plain_words

    vec = TfidfVectorizer(analyzer=plain_words)
    clf = LogisticRegression(max_iter=3000).fit(
        vec.fit_transform([e.text for e in train]), [e.intent for e in train]
    )
    return clf.predict(vec.transform(test))


def evaluate(
    ds: Dataset, params: Params, progress: Callable[[str], None] = lambda s: None, ablation: bool = False
) -> dict:
    """Every held-out figure the artefact's metadata and the benchmark report."""
    results: dict = {}
    for last in ("week", "day"):
        (train, test), cut = time_split(ds, last)
        progress(f"time split: last {last} (from {cut})")
        results[f"time_last_{last}"] = {"test_from": cut, **compare(train, test, ds, params, ablation)}
    per_fold = []
    for i, (train, test) in enumerate(random_folds(ds), start=1):
        progress(f"random split: fold {i} of 5")
        per_fold.append(compare(train, test, ds, params, ablation))
    results["random_5fold"] = _mean_of(per_fold)
    progress("intent cross-validation")
    results["intent"] = intent_cv(ds, replace(params))
    return results
