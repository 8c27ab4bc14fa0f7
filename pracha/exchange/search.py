"""Words for the directory search: Thai is written without spaces, so names and queries are cut into
words by pythainlp's newmm segmenter; a query matches a service when every word of it is found."""

from __future__ import annotations

import re
from functools import lru_cache

_KEEP = re.compile(r"[\w\u0e00-\u0e7f.]+")


@lru_cache(maxsize=1024)
def _segment(text: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize  # imported on first use: it loads a dictionary

    return tuple(w for w in word_tokenize(text, engine="newmm", keep_whitespace=False) if _KEEP.fullmatch(w))


def search_words(text: str) -> str:
    """The text lower-cased as written, then its segmented words, space-separated (for `contains`).

    Keeping the text as written as well means a query word that spans two stored words still matches.
    """
    text = (text or "").strip().lower()
    if not text:
        return ""
    words = _segment(text[:500])
    return " ".join([text, *words]) if words else text


def query_words(query: str) -> list[str]:
    """The words a query must all match: its segmented words (not the query as typed, which would
    demand the words side by side)."""
    query = (query or "").strip().lower()
    return list(_segment(query[:200])) if query else []
