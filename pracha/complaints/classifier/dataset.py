"""Training examples: the Traffy Fondue sample, the hand-labelled intents and topics, officers' corrections.

Files live in the data directory: setting PRACHA_DATA_DIR, else `<repo>/../shared/data`, in
`traffy/`. Every text is masked (pracha.core.masking) as it is read, so nothing a model keeps
(its vocabulary) can hold a phone number, an e-mail address or an ID number.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings

from pracha.core.masking import mask_text

from .vocabulary import INTENTS, codes_for_traffy_types, traffy_list_of

log = logging.getLogger(__name__)

TRAFFY_FILE = "traffy/bangkok_complaints_2023q4.csv"
LABELLED_FILE = "traffy/labelled_intent_topics.csv"
# Traffy shows this instead of a text the complainant chose not to publish: it says nothing.
PLACEHOLDERS = frozenset({"ไม่แสดงรายละเอียด"})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    text: str
    categories: tuple[str, ...]
    intent: str | None
    source: str  # "traffy" | "labelled" | "correction" | "extra"
    at: dt.datetime | None = None
    weight: float = 1.0
    # The list the categories were chosen from: "older" or "newer" (Traffy's two type lists,
    # decision 0510), "labelled" (the hand-labelled file's topics), None when unknown (corrections).
    type_list: str | None = None


@dataclass
class Dataset:
    traffy: list[Example] = field(default_factory=list)
    labelled: list[Example] = field(default_factory=list)
    extra: list[Example] = field(default_factory=list)  # corrections and examples given to train()
    files: list[dict] = field(default_factory=list)  # name, sha256, rows
    unknown_types: dict[str, int] = field(default_factory=dict)

    @property
    def all(self) -> list[Example]:
        return [*self.traffy, *self.labelled, *self.extra]

    def digest(self) -> str:
        """sha256 over the data files and the extra examples: part of the model's version."""
        h = hashlib.sha256()
        for f in self.files:
            h.update(f"{f['name']}:{f['sha256']}\n".encode())
        for e in self.extra:
            h.update(json.dumps([e.text, e.categories, e.intent, e.weight], ensure_ascii=False).encode())
        return h.hexdigest()


def data_dir() -> Path:
    configured = getattr(settings, "PRACHA_DATA_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent.parent / "shared" / "data"


def text_key(text: str) -> str:
    """Texts that differ only in spacing are the same complaint (used to keep splits apart)."""
    return _SPACE.sub(" ", text).strip()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _timestamp(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def load(directory: Path | None = None, extra: Iterable[Example] = ()) -> Dataset:
    """Read both files of `directory` (the data directory by default); `extra` is added as given."""
    directory = Path(directory) if directory else data_dir()
    ds = Dataset(extra=list(extra))
    unknown: dict[str, int] = {}
    for name, rows_of in ((TRAFFY_FILE, "traffy"), (LABELLED_FILE, "labelled")):
        path = directory / name
        if not path.is_file():
            raise FileNotFoundError(
                f"Training data file not found: {path} (set PRACHA_DATA_DIR or --data-dir)"
            )
        rows = _read_csv(path)
        ds.files.append({"name": name, "sha256": _sha256(path), "rows": len(rows)})
        seen: set[tuple] = set()
        for row in rows:
            if rows_of == "traffy":
                raw_text, types, at = (
                    row.get("comment", ""),
                    row.get("type", ""),
                    _timestamp(row.get("timestamp")),
                )
                codes, intent, bad = codes_for_traffy_types(types)
            else:
                raw_text, at = row.get("text", ""), None
                codes, _, bad = codes_for_traffy_types(row.get("topics", ""))
                intent = {v["th"]: k for k, v in INTENTS.items()}.get((row.get("intent") or "").strip())
            for t in bad:
                unknown[t] = unknown.get(t, 0) + 1
            text = mask_text(raw_text or "").strip()
            if not text or text_key(text) in PLACEHOLDERS:
                continue
            key = (text_key(text), tuple(codes), intent)
            if key in seen:  # the same complaint filed twice with the same choice
                continue
            seen.add(key)
            if rows_of == "traffy":
                ds.traffy.append(
                    Example(text, tuple(codes), intent, rows_of, at, type_list=traffy_list_of(types))
                )
            else:
                ds.labelled.append(Example(text, tuple(codes), intent, rows_of, at, type_list="labelled"))
    ds.unknown_types = dict(sorted(unknown.items(), key=lambda kv: -kv[1]))
    ds.traffy = _fill_type_lists(ds.traffy)
    return ds


def _fill_type_lists(rows: list[Example]) -> list[Example]:
    """Rows whose types are in both lists (ถนน, ทางเท้า…) take the list of the day's other rows: an
    export uses one list (decision 0510). A day with no telling row leaves them unknown."""
    by_day: dict[dt.date, Counter] = {}
    for e in rows:
        if e.type_list and e.at:
            by_day.setdefault(e.at.date(), Counter())[e.type_list] += 1
    out = []
    for e in rows:
        if e.type_list is None and e.at and (seen := by_day.get(e.at.date())):
            e = replace(e, type_list=seen.most_common(1)[0][0])
        out.append(e)
    return out


def examples_from(items: Iterable[tuple], source: str = "extra", weight: float = 1.0) -> list[Example]:
    """Examples from (text, categories, intent) tuples, such as officers' corrections.

    Categories may be codes or Traffy type names; unknown ones are dropped. An intent that is not a
    known code (or "") means none.
    """
    out = []
    for item in items:
        text, categories, intent = [*item, None][:3]
        codes, _, _ = codes_for_traffy_types(list(categories or []))
        text = mask_text(str(text or "")).strip()
        intent = intent if intent in INTENTS else None
        if text and (codes or intent):
            out.append(Example(text, tuple(codes), intent, source, None, weight))
    return out


def corrections(weight: float) -> list[Example]:
    """Officers' corrections from pracha.complaints.corrections, when that module exists."""
    try:
        from pracha.complaints.corrections import training_examples
    except ImportError:
        return []
    found = examples_from(training_examples(), source="correction", weight=weight)
    log.info("complaint classifier: %d officers' corrections used", len(found))
    return found
