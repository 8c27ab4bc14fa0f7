"""Search of the e-service catalogue: Thai word segmentation (pythainlp newmm) of the index and the
query, ranking by the weight of the field a word is found in (docs/decisions/0801).

The catalogue is small (tens to a few thousand services), so the index is built in memory from the
definitions, once per content of the catalogue, and a query is a scan of it: no search server.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from .catalogue import ServiceDefinition

# How much a word counts by where it is found: the name says what the service is; keywords are
# what people call it; the agency and the certificate, who and what; the rest, context.
WEIGHTS = {
    "name": 10.0,
    "keywords": 6.0,
    "certificate": 4.0,
    "agency": 4.0,
    "summary": 3.0,
    "legal_basis": 1.5,
    "eligibility": 1.0,
    "documents": 1.0,
}
# A query word that is only the start of an indexed word ("licen" of "licence") or only part of a
# longer Thai compound counts for less than a whole word.
PREFIX_FACTOR = 0.6
INSIDE_FACTOR = 0.4
# Shorter words are found inside too many others ("ดิน", soil, inside "ที่ดิน", land).
INSIDE_MIN = 4
_WORD = re.compile(r"\w", re.UNICODE)
# Thai function words that would match every service ("การ", "ขอ" and "ของ" are in the names of
# most manuals); pythainlp's list minus the words that carry meaning in service names.
_KEEP = {"ผู้", "สูง", "อายุ", "ทำงาน", "งาน", "เงิน", "ดิน"}


@cache
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) - _KEEP | {
        "the",
        "a",
        "an",
        "of",
        "for",
        "to",
        "and",
        "or",
        "in",
        "on",
    }


def _normalise(text: str) -> str:
    from pythainlp.util import normalize

    return normalize(unicodedata.normalize("NFC", text or "")).lower()


def _stem(word: str) -> str:
    """English plural and British/American spelling, so "permits" finds "permit" and "license" finds
    "licence"."""
    if word.isascii():
        if word.endswith("license"):
            word = word[:-7] + "licence"
        if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    return word


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words of a text: newmm segments, lower-cased, without spaces, punctuation and stop words."""
    from pythainlp.tokenize import word_tokenize

    stop = _stopwords()
    out = []
    for token in word_tokenize(_normalise(text), engine="newmm", keep_whitespace=False):
        token = token.strip()
        if token and _WORD.search(token) and token not in stop:
            out.append(_stem(token))
    return tuple(out)


@dataclass(frozen=True)
class Entry:
    service: ServiceDefinition
    fields: tuple[tuple[float, frozenset[str], str], ...]  # (weight, words, normalised text)


def _texts(service: ServiceDefinition, agency_names: Iterable[str]) -> dict[str, list[str]]:
    both = lambda t: [t.get("th", ""), t.get("en", "")]  # noqa: E731
    cert = service.certificate
    return {
        "name": [*both(service.name), service.code.replace("-", " ")],
        "keywords": [w for words_ in service.keywords.values() for w in words_],
        "certificate": both(cert.title) if cert else [],
        "agency": [service.agency, *agency_names],
        "summary": both(service.summary),
        "legal_basis": [t for lb in service.legal_basis for t in both(lb)],
        "eligibility": both(service.eligibility),
        "documents": [t for d in service.documents for t in both(d.name)],
    }


def build_entry(service: ServiceDefinition) -> Entry:
    from .agency_info import agency_info

    info = agency_info(service.agency)
    agency_names = [info.name.get("th", ""), info.name.get("en", ""), info.abbr_th, info.abbr_en]
    fields = []
    for name, texts in _texts(service, agency_names).items():
        joined = " ".join(t for t in texts if t)
        fields.append((WEIGHTS[name], frozenset(w for t in texts for w in words(t)), _normalise(joined)))
    return Entry(service, tuple(fields))


_entries: dict[tuple[str, str], Entry] = {}


def _entry(service: ServiceDefinition) -> Entry:
    """Each content of a service is indexed once per process."""
    key = (service.code, service.content_hash)
    if key not in _entries:
        _entries[key] = build_entry(service)
    return _entries[key]


def _score(entry: Entry, query_words: tuple[str, ...]) -> tuple[int, float]:
    """(how many query words were found, their summed weight)."""
    matched, total = 0, 0.0
    for qw in query_words:
        best = 0.0
        for weight, field_words, text in entry.fields:
            if qw in field_words:
                best = max(best, weight)
            elif len(qw) >= 2 and any(w.startswith(qw) for w in field_words):
                best = max(best, weight * PREFIX_FACTOR)
            elif len(qw) >= INSIDE_MIN and qw in text:
                best = max(best, weight * INSIDE_FACTOR)
        if best:
            matched += 1
            total += best
    return matched, total


def rank(services: list[ServiceDefinition], query: str, lang: str | None = None) -> list[ServiceDefinition]:
    """The services that match the query, best first: those that contain every word of the query;
    when none does, those that contain the most of them. An empty query keeps the given order."""
    query_words = tuple(dict.fromkeys(words(query or "")))
    if not query_words:
        stripped = _normalise(query or "").strip()
        if not stripped:
            return list(services)
        query_words = (stripped,)  # only stop words: search them as they are
    scored = []
    for service in services:
        matched, score = _score(_entry(service), query_words)
        if matched:
            name = str(service.name.get(lang or "th") or service.name.get("th"))
            scored.append((matched, score, name, service))
    if not scored:
        return []
    most = max(m for m, *_ in scored)
    return [s for m, _score_, _n, s in sorted(scored, key=lambda r: (-r[0], -r[1], r[2])) if m == most]
