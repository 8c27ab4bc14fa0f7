"""Officers' corrections as training data for the classifier's retraining command.

Each correction that names categories says what a complaint's text really was about (a transfer
with corrected categories, or a correction of the categories alone). Only the latest correction of
a complaint counts, so that an officer who corrects a correction is the one believed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .models import Correction

Example = tuple[str, list[str], str]  # (text, categories, intent)


def training_examples(since: dt.datetime | None = None) -> Iterator[Example]:
    """(text, categories, intent) from officers' corrections, oldest complaint first. `intent` is ""
    when no intent is known. `since` keeps only corrections made from that moment on."""
    corrections = Correction.objects.exclude(categories=[]).order_by("complaint_id", "-created_at", "-id")
    if since is not None:
        corrections = corrections.filter(created_at__gte=since)
    last_complaint = None
    for text, categories, intent, complaint_id in corrections.values_list(
        "complaint__text", "categories", "intent", "complaint_id"
    ).iterator(chunk_size=2000):
        if complaint_id == last_complaint:
            continue  # an older correction of the same complaint
        last_complaint = complaint_id
        codes = [str(c[0] if isinstance(c, list | tuple) else c) for c in categories or []]
        if text and codes:
            yield text, codes, intent or ""
