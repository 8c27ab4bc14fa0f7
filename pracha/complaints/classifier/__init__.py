"""Automatic categorisation of complaints: categories, intent and urgency, each with a confidence.

    from pracha.complaints.classifier import classify
    p = classify("น้ำท่วมขังหน้าบ้านสูง 30 ซม.")
    p.categories     # [("flooding", 0.83), ...]  best first
    p.intent         # ("complaint", 0.97)
    p.urgency        # ("normal", 0.61)
    p.model_version  # the artefact's version

The model is an artefact built by `pracha train-complaint-model` (see training.py, decision 0500);
it is loaded once per process and shared by threads. Empty or meaningless text gives a prediction
with low confidences, never an exception; a missing model raises ModelNotFoundError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .store import LoadedModel, ModelNotFoundError, clear_cache, load_model
from .training import TrainResult, train
from .urgency import assess
from .vocabulary import CATEGORIES, INTENTS, OTHER, URGENCIES, codes_for_traffy_types

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "OTHER",
    "URGENCIES",
    "LoadedModel",
    "ModelNotFoundError",
    "Prediction",
    "TrainResult",
    "classify",
    "classify_many",
    "clear_cache",
    "codes_for_traffy_types",
    "load_model",
    "train",
]


@dataclass(frozen=True, slots=True)
class Prediction:
    categories: list[tuple[str, float]]  # best first; at least one
    intent: tuple[str, float]
    urgency: tuple[str, float]
    model_version: str
    urgency_reasons: tuple[str, ...] = ()  # the cues that set the urgency (decision 0500)


def classify_many(texts: Iterable[str], model: LoadedModel | None = None) -> list[Prediction]:
    """Predictions for many texts at once (one vectorisation and one matrix product for all)."""
    texts = ["" if t is None else str(t) for t in texts]
    if not texts:
        return []
    loaded = model or load_model()
    out = []
    for raw in loaded.model.predict(texts):
        if raw.signal:
            level, confidence, reasons = assess(raw.prepared, raw.categories, raw.intent)
        else:
            level, confidence, reasons = "normal", round(1 / len(URGENCIES), 4), ()
        out.append(Prediction(raw.categories, raw.intent, (level, confidence), loaded.version, reasons))
    return out


def classify(text: str, model: LoadedModel | None = None) -> Prediction:
    return classify_many([text], model)[0]
