"""Search of the e-service catalogue: Thai word segmentation (pythainlp newmm) of the index and the
query, ranking by the weight of the field a word is found in (docs/decisions/0801).

The catalogue is small (tens to a few thousand services), so the index is built in memory from the
definitions, once per content of the catalogue, and a query is a scan of it: no search server.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
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
# A query word that is only the start of an indexed word ("licen" of "licence") or only inside a
# longer Thai compound word counts for less than a whole word.
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
    """A service's words, each with the weight of the heaviest field it is found in."""

    service: ServiceDefinition
    weights: dict[str, float]


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


@lru_cache(maxsize=1024)
def _agency_names(code: str) -> tuple[str, ...]:
    from .agency_info import agency_info

    info = agency_info(code)
    return (info.name.get("th", ""), info.name.get("en", ""), info.abbr_th, info.abbr_en)


def build_entry(service: ServiceDefinition) -> Entry:
    weights: dict[str, float] = {}
    for name, texts in _texts(service, _agency_names(service.agency)).items():
        for text in texts:
            for word in words(text):
                weights[word] = max(weights.get(word, 0.0), WEIGHTS[name])
    return Entry(service, weights)


_entries: dict[tuple[str, str], Entry] = {}


def _entry(service: ServiceDefinition) -> Entry:
    """Each content of a service is indexed once per process."""
    key = (service.code, service.content_hash)
    if key not in _entries:
        _entries[key] = build_entry(service)
    return _entries[key]


@dataclass(frozen=True)
class Index:
    """Inverted index of a list of services: word -> (position in the list, weight)."""

    services: tuple[ServiceDefinition, ...]
    postings: dict[str, list[tuple[int, float]]]
    vocabulary: list[str]  # sorted, for words that start with a query word


def build_index(services: list[ServiceDefinition]) -> Index:
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, service in enumerate(services):
        for word, weight in _entry(service).weights.items():
            postings.setdefault(word, []).append((i, weight))
    return Index(tuple(services), postings, sorted(postings))


_indexes: dict[tuple, Index] = {}
KEEP_INDEXES = 16  # the whole catalogue and its filtered views


def _index(services: list[ServiceDefinition]) -> Index:
    key = tuple((s.code, s.content_hash) for s in services)
    if key not in _indexes:
        if len(_indexes) >= KEEP_INDEXES:
            _indexes.pop(next(iter(_indexes)))
        _indexes[key] = build_index(services)
    return _indexes[key]


def _matches(index: Index, qw: str) -> dict[int, float]:
    """The best weight of the query word in each service that has it, whole or in part."""
    best: dict[int, float] = {}

    def take(word: str, factor: float) -> None:
        for i, weight in index.postings[word]:
            best[i] = max(best.get(i, 0.0), weight * factor)

    if qw in index.postings:
        take(qw, 1.0)
    if len(qw) >= 2:
        at = bisect_left(index.vocabulary, qw)
        while at < len(index.vocabulary) and index.vocabulary[at].startswith(qw):
            if index.vocabulary[at] != qw:
                take(index.vocabulary[at], PREFIX_FACTOR)
            at += 1
    if len(qw) >= INSIDE_MIN:
        for word in index.vocabulary:
            if qw in word and not word.startswith(qw):
                take(word, INSIDE_FACTOR)
    return best


def rank(services: list[ServiceDefinition], query: str, lang: str | None = None) -> list[ServiceDefinition]:
    """The services that match the query, best first: those that contain every word of the query;
    when none does, those that contain the most of them. An empty query keeps the given order."""
    query_words = tuple(dict.fromkeys(words(query or "")))
    if not query_words:
        stripped = _normalise(query or "").strip()
        if not stripped:
            return list(services)
        query_words = (stripped,)  # only stop words: search them as they are
    index = _index(services)
    matched: dict[int, int] = {}
    score: dict[int, float] = {}
    for qw in query_words:
        for i, weight in _matches(index, qw).items():
            matched[i] = matched.get(i, 0) + 1
            score[i] = score.get(i, 0.0) + weight
    if not matched:
        return []
    most = max(matched.values())
    lang = lang or "th"
    found = [i for i in matched if matched[i] == most]
    found.sort(
        key=lambda i: (-score[i], str(index.services[i].name.get(lang) or index.services[i].name["th"]))
    )
    return [index.services[i] for i in found]
