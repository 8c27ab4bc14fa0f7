"""Possible duplicates: a complaint that repeats one still open.

Two complaints match when they are near each other and share a category (within
PRACHA_COMPLAINT_DUPLICATE_METRES by haversine distance when both have coordinates, else in the same
subdistrict; received within PRACHA_COMPLAINT_DUPLICATE_DAYS of each other), or when their texts are
very similar (TF-IDF cosine over pythainlp `newmm` words without stop words, at least
PRACHA_COMPLAINT_DUPLICATE_TEXT_SIMILARITY). Each candidate gets a score in 0..1 (see `_score`);
`flag_duplicates` stores them for the officers, who merge or dismiss them on the complaint page.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from scipy import sparse

from pracha.audit.chain import Entry, append_many, object_ref

from .models import Complaint, DuplicateCandidate

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
METRES_PER_DEGREE = 111_320.0


def distance_limit_m() -> float:
    return float(getattr(settings, "PRACHA_COMPLAINT_DUPLICATE_METRES", 200))


def days_limit() -> int:
    return int(getattr(settings, "PRACHA_COMPLAINT_DUPLICATE_DAYS", 14))


def text_threshold() -> float:
    return float(getattr(settings, "PRACHA_COMPLAINT_DUPLICATE_TEXT_SIMILARITY", 0.6))


def text_pool_size() -> int:
    """At most this many recent open complaints are compared by text (bounds the work per complaint)."""
    return int(getattr(settings, "PRACHA_COMPLAINT_DUPLICATE_TEXT_POOL", 500))


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS 84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords())


def words(text: str) -> list[str]:
    """Thai (and any other) words by pythainlp's newmm, without stop words and punctuation. Word
    order is left out: people tell the same problem in different orders. The words are the
    classifier's (its prepared text: masked, normalised, lower-case), so routing segments a
    complaint once for both."""
    from .classifier.text import prepare
    from .classifier.text import words as segmented

    stop = _stopwords()
    return [t for t in segmented(prepare(text)) if t not in stop and any(ch.isalnum() for ch in t)]


def words_of(complaint: Complaint) -> str:
    """The complaint's words as kept at routing; segmented now for one routed before they were kept."""
    return complaint.text_words or " ".join(words(complaint.text))


def text_similarities(text: str, others: list[str]) -> list[float]:
    """Cosine similarity of `text` to each of `others` in one TF-IDF space."""
    texts = [text, *others]
    space = _Space({i: " ".join(words(t)) for i, t in enumerate(texts)})
    return space.similarities([0], [list(range(1, len(texts)))])[0]


@dataclass
class Candidate:
    """An open complaint this one may repeat. `fields` are what the check read of it; the complaint
    itself is built only when asked for (a check reads many nearby rows and keeps a few)."""

    fields: dict[str, Any]
    score: float
    distance_m: float | None = None
    text_similarity: float | None = None
    reasons: list[str] = field(default_factory=list)
    built: Complaint | None = field(default=None, repr=False)

    @property
    def complaint(self) -> Complaint:
        if self.built is None:
            self.built = Complaint(**self.fields)
        return self.built


def _codes(categories: list | None) -> set[str]:
    """The category codes of stored categories ([[code, confidence], ...])."""
    return {str(c[0]) for c in categories or [] if c}


def _coords(latitude: object, longitude: object) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    return float(latitude), float(longitude)


def _score(near: bool, place_closeness: float, similarity: float) -> float:
    """Near and of the same category: 0.5 plus up to 0.3 for closeness and 0.2 for similar text.
    Similar text alone: the similarity itself. The better of the two counts."""
    near_score = 0.5 + 0.3 * place_closeness + 0.2 * similarity if near else 0.0
    text_score = similarity if similarity >= text_threshold() else 0.0
    return round(max(near_score, text_score), 4)


def find_candidates(complaint: Complaint, limit: int = 5) -> list[Candidate]:
    """The open complaints this one may repeat, best first."""
    return find_candidates_many([complaint], limit)[0]


def find_candidates_many(complaints: list[Complaint], limit: int = 5) -> list[list[Candidate]]:
    """`find_candidates` of each complaint of a burst. The open complaints come from the process's
    index of them (`_LiveIndex`), brought up to date once per burst; their texts are compared in one
    TF-IDF space made of every text involved, so each open complaint's words are weighed once per
    burst, not once per new complaint that might repeat it. The candidates kept are checked to be
    still open in one query at the end."""
    with _LIVE.lock:
        gathered = _gather(complaints)
    involved: dict[int, _Open] = {}
    for _found, pool in gathered:
        involved.update(pool)
    words_by_pk = {pk: entry.words for pk, entry in involved.items()}
    words_by_pk.update((complaint.pk, words_of(complaint)) for complaint in complaints)
    unsegmented = [pk for pk, kept in words_by_pk.items() if not kept]
    if unsegmented:  # routed before words were kept
        for pk, text in Complaint.objects.filter(pk__in=unsegmented).values_list("pk", "text"):
            words_by_pk[pk] = " ".join(words(text))
    pools_by_complaint = [list(pool) for _found, pool in gathered]
    similarities = _Space(words_by_pk).similarities([c.pk for c in complaints], pools_by_complaint)
    # A few more than asked for, in case some were closed or merged since the index last saw them.
    ranked = [
        _rank(found, dict(zip(pks, sims, strict=True)), pool, limit * 2)
        for (found, pool), pks, sims in zip(gathered, pools_by_complaint, similarities, strict=True)
    ]
    kept = {c.fields["pk"] for candidates in ranked for c in candidates}
    still_open = (
        set(_open(Complaint.objects.filter(pk__in=kept)).values_list("pk", flat=True)) if kept else set()
    )
    if kept - still_open:
        _LIVE.forget_closed(kept - still_open)
    return [[c for c in candidates if c.fields["pk"] in still_open][:limit] for candidates in ranked]


def _open(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Those that a new complaint may repeat: routed, their case not closed, not merged into another."""
    return complaints.filter(case__isnull=False, case__closed_at__isnull=True, duplicate_of__isnull=True)


class _TermCounts:
    """Word lists (space-separated, fixed once a complaint is routed) as columns and counts over one
    vocabulary, kept per process: a burst's pools are mostly the previous burst's, so an open
    complaint's words are counted once, not once per burst. When `limit` lists are kept, all are
    dropped before the next space is built; a space whose lists were dropped meanwhile (by another
    thread) is counted again, so no space ever mixes two vocabularies."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.vocabulary: dict[str, int] = {}
        self.lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.generation = 0
        self.lock = threading.Lock()  # two threads must not give two words one column

    def rows(self, texts: Iterable[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        texts = list(texts)
        while True:
            with self.lock:
                if len(self.lists) >= self.limit:
                    self.lists, self.vocabulary = {}, {}
                    self.generation += 1
                generation = self.generation
            rows = [self.lists.get(t) or self._count(t) for t in texts]
            if generation == self.generation:
                return rows

    def _count(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(text.split())
        with self.lock:
            columns = [self.vocabulary.setdefault(w, len(self.vocabulary)) for w in counts]
            row = self.lists[text] = (
                np.array(columns, dtype=np.int64),
                np.fromiter(counts.values(), dtype=np.float64, count=len(counts)),
            )
        return row


_TERM_COUNTS = _TermCounts(limit=50_000)  # a few hundred bytes a list


class _Space:
    """The TF-IDF space of some texts (by complaint id), as scikit-learn's TfidfVectorizer makes it
    (sublinear tf, smooth idf, rows L2-normalised: dot products are cosines), from cached counts."""

    def __init__(self, words_by_pk: dict[int, str]) -> None:
        self.index = {pk: i for i, pk in enumerate(words_by_pk)}
        rows = _TERM_COUNTS.rows(words_by_pk.values())
        lengths = np.array([len(c) for c, _ in rows], dtype=np.int64)
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        columns = np.concatenate([c for c, _ in rows]) if rows else np.empty(0, dtype=np.int64)
        counts = np.concatenate([n for _, n in rows]) if rows else np.empty(0)
        width = int(columns.max()) + 1 if len(columns) else 0
        df = np.bincount(columns, minlength=width)
        values = (1 + np.log(counts)) * (np.log((1 + len(rows)) / (1 + df)) + 1)[columns]
        # Every value is positive, so a row with any word has a norm above zero.
        row_of = np.repeat(np.arange(len(rows)), lengths)
        values /= np.sqrt(np.bincount(row_of, weights=values**2, minlength=len(rows)))[row_of]
        self.matrix = sparse.csr_matrix((values, columns, indptr), shape=(len(rows), width))

    def similarities(self, pks: list[int], others: list[list[int]]) -> list[list[float]]:
        """For each of `pks`, the cosines of its text to the texts of its `others`."""
        if not pks:
            return []
        products = (self.matrix[[self.index[pk] for pk in pks]] @ self.matrix.T).toarray()
        return [products[i, [self.index[o] for o in row]].tolist() for i, row in enumerate(others)]


# --- The open complaints a check compares with ---------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Open:
    """What a check reads of an open complaint."""

    pk: int
    agency_id: int | None
    district_id: int | None
    subdistrict_id: int | None
    received_at: dt.datetime
    latitude: Any
    longitude: Any
    categories: list
    words: str
    codes: set[str] = field(init=False)
    coords: tuple[float, float] | None = field(init=False)
    gone: bool = False  # closed or merged since it was read (left out until the next reload)

    def __post_init__(self) -> None:
        self.codes = _codes(self.categories)
        self.coords = _coords(self.latitude, self.longitude)

    def fields(self) -> dict[str, Any]:
        return {
            "pk": self.pk,
            "categories": self.categories,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "received_at": self.received_at,
            "text_words": self.words,
        }


def _newest(entry: _Open) -> tuple[dt.datetime, int]:
    return entry.received_at, entry.pk


_OPEN_FIELDS = (
    "pk",
    "agency_id",
    "subdistrict__district_id",
    "subdistrict_id",
    "received_at",
    "latitude",
    "longitude",
    "categories",
    "text_words",
)


class _OpenIndex:
    """Open complaints received since `since`, by subdistrict and category, by agency and by district
    (lists kept oldest first, handed out newest first) and by latitude (those with a pin), so that a
    complaint visits only those of its place."""

    def __init__(self, since: dt.datetime) -> None:
        self.since = since
        self.entries: dict[int, _Open] = {}
        self.by_place: dict[tuple[int | None, str], list[_Open]] = {}  # by subdistrict and category
        self.by_agency: dict[int | None, list[_Open]] = {}
        self.by_district: dict[int | None, list[_Open]] = {}
        self.newest: list[_Open] = []
        self.latitudes: list[float] = []
        self.pinned: list[_Open] = []
        self._unsorted: dict[int, list[_Open]] = {}

    @classmethod
    def read(cls, since: dt.datetime, until: dt.datetime | None = None) -> _OpenIndex:
        index = cls(since)
        window = Q(received_at__gte=since) & (Q(received_at__lte=until) if until else Q())
        rows = (
            _open(Complaint.objects.filter(window)).order_by("received_at", "pk").values_list(*_OPEN_FIELDS)
        )
        index.add_rows(rows.iterator(2000))
        return index

    def add_rows(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            if row[0] not in self.entries and row[4] >= self.since:
                self._add(_Open(*row))

    def _add(self, entry: _Open) -> None:
        self.entries[entry.pk] = entry
        for code in entry.codes:
            self._append(self.by_place.setdefault((entry.subdistrict_id, code), []), entry)
        self._append(self.by_agency.setdefault(entry.agency_id, []), entry)
        self._append(self.by_district.setdefault(entry.district_id, []), entry)
        self._append(self.newest, entry)
        if entry.coords:
            at = bisect.bisect_right(self.latitudes, entry.coords[0])
            self.latitudes.insert(at, entry.coords[0])
            self.pinned.insert(at, entry)

    def _append(self, entries: list[_Open], entry: _Open) -> None:
        # Most come newest; a list is sorted again only when one did not (a letter keyed in late).
        if entries and _newest(entry) < _newest(entries[-1]):
            self._unsorted[id(entries)] = entries
        entries.append(entry)

    def _newest_first(self, entries: list[_Open]) -> Iterator[_Open]:
        if self._unsorted.pop(id(entries), None) is not None:
            entries.sort(key=_newest)
        return reversed(entries)

    def of(self, lists: dict[Any, list[_Open]], key: Any) -> Iterator[_Open]:
        """Those of one agency, district or (subdistrict, category), newest first."""
        return self._newest_first(lists.get(key, []))

    def everywhere(self) -> Iterator[_Open]:
        return self._newest_first(self.newest)

    def around(
        self, here: tuple[float, float] | None, dlat: float, subdistrict: int | None, codes: set[str]
    ) -> list[_Open]:
        """Those of a category in `codes`, newest first: in the latitude band around a pin, and the
        unpinned ones of the subdistrict; without a pin, every one of the subdistrict."""
        in_place: list[_Open] = []
        if subdistrict is not None:
            lists = [self.of(self.by_place, (subdistrict, code)) for code in sorted(codes)]
            # An entry of two of the categories is in two lists: once is enough.
            if len(lists) == 1:
                in_place = list(lists[0])
            else:
                in_place = list(dict.fromkeys(heapq.merge(*lists, key=_newest, reverse=True)))
        if not here:
            return in_place
        low = bisect.bisect_left(self.latitudes, here[0] - dlat)
        high = bisect.bisect_right(self.latitudes, here[0] + dlat)
        band = [e for e in self.pinned[low:high] if e.codes & codes] + [
            e for e in in_place if e.coords is None
        ]
        return sorted(band, key=_newest, reverse=True)


class _LiveIndex:
    """The open complaints of the last days, kept by each process and brought up to date before each
    check: complaints filed since (`top`) and those still waiting to be routed at the last look
    (`waiting`) are read, a few rows a burst instead of thousands. Read again whole every
    RELOAD_SECONDS, which drops the complaints closed, merged, re-categorised or transferred
    meanwhile (a check confirms its candidates open; the others wait at most that long), and those
    whose routing took longer than WAITING_LIMIT."""

    RELOAD_SECONDS = 60.0
    WAITING_LIMIT = dt.timedelta(minutes=10)

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.index: _OpenIndex | None = None
        self.read_at = 0.0
        self.days = 0
        self.top = 0
        self.waiting: set[int] = set()

    def forget(self) -> None:
        with self.lock:
            self.index = None

    def forget_closed(self, pks: Iterable[int]) -> None:
        with self.lock:
            for pk in pks:
                entry = self.index.entries.get(pk) if self.index else None
                if entry is not None:
                    entry.gone = True

    def covering(self, since: dt.datetime) -> _OpenIndex | None:
        """The index, up to date, if it holds every open complaint received since `since`."""
        now = timezone.now()
        span = dt.timedelta(days=days_limit())
        if since < now - span - _SHARED_WINDOW:
            return None  # an old group (a letter keyed in late): read on its own
        if (
            self.index is None
            or time.monotonic() - self.read_at > self.RELOAD_SECONDS
            or self.days != span.days
        ):
            self._reload(now, span)
        else:
            self._catch_up(now)
        return self.index if since >= self.index.since else None

    def _reload(self, now: dt.datetime, span: dt.timedelta) -> None:
        # The marks first: whatever is routed after them is read by the next catch-up.
        self.top = Complaint.objects.aggregate(top=Max("pk"))["top"] or 0
        self.waiting = set(
            Complaint.objects.filter(
                routing=Complaint.Routing.PENDING, created_at__gte=now - self.WAITING_LIMIT, pk__lte=self.top
            ).values_list("pk", flat=True)
        )
        self.read_at, self.days = time.monotonic(), span.days
        self.index = _OpenIndex.read(now - span - 2 * _SHARED_WINDOW)

    def _catch_up(self, now: dt.datetime) -> None:
        # A long routing queue (after an outage) is read as a range, not as thousands of ids.
        waiting = Q(pk__in=self.waiting) if len(self.waiting) <= 500 else Q(pk__gte=min(self.waiting))
        rows = list(
            Complaint.objects.filter(Q(pk__gt=self.top) | waiting).values_list(
                *_OPEN_FIELDS, "case_id", "case__closed_at", "duplicate_of_id", "created_at"
            )
        )
        if not rows:
            return
        self.top = max(self.top, max(row[0] for row in rows))
        recent = now - self.WAITING_LIMIT
        self.waiting = {row[0] for row in rows if row[-4] is None and row[-1] >= recent}
        self.index.add_rows(
            row[:-4] for row in rows if row[-4] is not None and row[-3] is None and row[-2] is None
        )


_LIVE = _LiveIndex()


def forget_open_complaints() -> None:
    """Drop the process's index of open complaints (tests: a rolled-back database sends no signal)."""
    _LIVE.forget()


def _gather(complaints: list[Complaint]) -> list[tuple[dict[int, Candidate], dict[int, _Open]]]:
    """For each complaint, the open complaints near it and of its category (as candidates) and those
    its text is compared with (by id). Each group of complaints received within an hour of each other
    uses the process's index, or one read for it alone when it reaches further back."""
    out: dict[int, tuple[dict[int, Candidate], dict[int, _Open]]] = {}
    span = dt.timedelta(days=days_limit())
    for group in _groups(complaints):
        since, until = group[0].received_at - span, group[-1].received_at + span
        index = _LIVE.covering(since) or _OpenIndex.read(since, until)
        pools = _Pools(index, since, until)
        for complaint in group:
            found, pool = _near(complaint, index), pools.of(complaint)
            pool.update((pk, index.entries[pk]) for pk in found)  # their texts are compared too
            out[id(complaint)] = (found, pool)
    return [out[id(c)] for c in complaints]


def _groups(complaints: list[Complaint]) -> list[list[Complaint]]:
    """Complaints in order of receipt, cut where one comes more than _SHARED_WINDOW after its group's
    first (a letter keyed in late gets a group of its own)."""
    groups: list[list[Complaint]] = []
    for complaint in sorted(complaints, key=lambda c: c.received_at):
        if not groups or complaint.received_at - groups[-1][0].received_at > _SHARED_WINDOW:
            groups.append([])
        groups[-1].append(complaint)
    return groups


def _box(here: tuple[float, float], limit_m: float) -> tuple[float, float]:
    """Half the height and width, in degrees, of the box around a point that holds its circle."""
    across = METRES_PER_DEGREE * max(0.01, math.cos(math.radians(here[0])))
    return limit_m / METRES_PER_DEGREE, limit_m / across


def _near(complaint: Complaint, index: _OpenIndex) -> dict[int, Candidate]:
    """The complaint's candidates by place: of a category of its own and received within the days
    limit of it; within the distance when both have a pin, else in its subdistrict (a pinned
    complaint meets unpinned ones by subdistrict). At most text_pool_size() of its place and category
    are looked at, newest first, which bounds the work for a crowded place."""
    found: dict[int, Candidate] = {}
    codes = _codes(complaint.categories)
    here = _coords(complaint.latitude, complaint.longitude)
    if not codes or not (here or complaint.subdistrict_id):
        return found
    span, limit_m, room = dt.timedelta(days=days_limit()), distance_limit_m(), text_pool_size()
    earliest, latest = complaint.received_at - span, complaint.received_at + span
    dlat, dlng = _box(here, limit_m) if here else (0.0, 0.0)
    own = complaint.pk
    for entry in index.around(here, dlat, complaint.subdistrict_id, codes):
        if entry.pk == own or entry.gone or not earliest <= entry.received_at <= latest:
            continue
        there = entry.coords
        if here and there and abs(there[1] - here[1]) > dlng:
            continue
        room -= 1
        if room < 0:
            break
        if here and there:
            distance = haversine_m(*here, *there)
            if distance > limit_m:
                continue
            found[entry.pk] = Candidate(entry.fields(), 0.0, round(distance, 1), reasons=["near"])
        else:
            found[entry.pk] = Candidate(entry.fields(), 0.0, reasons=["same_subdistrict"])
    return found


# Complaints of a burst received within this of each other share one window of days (a letter keyed
# in late gets its own): a pool may reach this far past a complaint's own days limit.
_SHARED_WINDOW = dt.timedelta(hours=1)


class _Pools:
    """The open complaints each complaint of a group compares its text with: the newest
    `text_pool_size()` received within the group's window in its agency or its district (in all open
    complaints when it has neither). Complaints of one agency and district share the work."""

    def __init__(self, index: _OpenIndex, since: dt.datetime, until: dt.datetime) -> None:
        self.index, self.since, self.until = index, since, until
        self.size = text_pool_size()
        self.shared: dict[tuple[int | None, int | None] | None, list[_Open]] = {}

    def of(self, complaint: Complaint) -> dict[int, _Open]:
        """Up to `size` of them, newest first, by id (never the complaint itself)."""
        key = (
            (complaint.agency_id, _district_of(complaint))
            if complaint.agency_id or complaint.subdistrict_id
            else None
        )
        newest = self.shared.get(key)
        if newest is None:
            newest = self.shared[key] = self._newest(key)
        own = complaint.pk
        mine = {e.pk: e for e in newest if e.pk != own}
        return dict(itertools.islice(mine.items(), self.size)) if len(mine) > self.size else mine

    def _newest(self, key: tuple[int | None, int | None] | None) -> list[_Open]:
        """One more than `size` (a complaint leaves itself out), newest first, without repeats."""
        index = self.index
        if key is None:
            candidates: Iterable[_Open] = index.everywhere()
        else:
            lists = [index.of(index.by_agency, key[0]), index.of(index.by_district, key[1])]
            candidates = heapq.merge(*lists, key=_newest, reverse=True)
        out: dict[int, _Open] = {}
        for entry in candidates:
            if len(out) > self.size:
                break
            if entry.received_at < self.since:
                break  # newest first: the rest are older still
            if not entry.gone and entry.received_at <= self.until:
                out[entry.pk] = entry
        return list(out.values())


def _district_of(complaint: Complaint) -> int | None:
    return complaint.subdistrict.district_id if complaint.subdistrict_id else None


def _rank(
    found: dict[int, Candidate], similarities: dict[int, float], pool: dict[int, _Open], limit: int
) -> list[Candidate]:
    threshold, limit_m = text_threshold(), distance_limit_m()
    for pk, similarity in similarities.items():
        candidate = found.get(pk)
        if candidate is None and similarity < threshold:
            continue
        if candidate is None:
            candidate = found[pk] = Candidate(pool[pk].fields(), 0.0)
        candidate.text_similarity = round(similarity, 4)
        if similarity >= threshold:
            candidate.reasons.append("similar_text")

    for candidate in found.values():
        near = bool({"near", "same_subdistrict"} & set(candidate.reasons))
        if candidate.distance_m is not None:
            closeness = max(0.0, 1 - candidate.distance_m / limit_m) if limit_m else 1.0
        else:
            closeness = 0.5  # same subdistrict: somewhere within it
        candidate.score = _score(near, closeness, candidate.text_similarity or 0.0)
    ranked = sorted(found.values(), key=lambda c: (-c.score, c.fields["received_at"], c.fields["pk"]))
    return ranked[:limit]


def flag_duplicates(complaint: Complaint, limit: int = 5) -> list[DuplicateCandidate]:
    """Find and store the candidates of a new complaint (call after it is classified and routed)."""
    return flag_many([complaint], limit)


def flag_many(complaints: list[Complaint], limit: int = 5) -> list[DuplicateCandidate]:
    """`flag_duplicates` for a burst of routed complaints: one upsert of all their flags and one
    append to the audit chain, in one transaction."""
    found = list(zip(complaints, find_candidates_many(complaints, limit), strict=True))
    rows = [
        DuplicateCandidate(
            complaint=complaint,
            candidate_id=c.fields["pk"],
            score=c.score,
            distance_m=c.distance_m,
            text_similarity=c.text_similarity,
            reasons=c.reasons,
        )
        for complaint, candidates in found
        for c in candidates
    ]
    if not rows:
        return []
    with transaction.atomic():
        # A pair flagged before (the check ran again) keeps its row, with the new figures; a dismissal
        # stays dismissed.
        DuplicateCandidate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["complaint", "candidate"],
            update_fields=["score", "distance_m", "text_similarity", "reasons"],
        )
        append_many(
            Entry(
                "complaints.duplicates_flagged",
                *object_ref(complaint),
                {"candidates": [[c.fields["pk"], c.score] for c in candidates]},
            )
            for complaint, candidates in found
            if candidates
        )
    return rows


def flags_of(complaint: Complaint, visible_cases: QuerySet | None = None) -> QuerySet[DuplicateCandidate]:
    """The complaint's open flags, best first; only candidates among `visible_cases` (the reader's
    scope) when given, so that no other agency's complaint is shown."""
    flags = complaint.duplicate_candidates.filter(dismissed_at__isnull=True).select_related(
        "candidate__subdistrict"
    )
    if visible_cases is not None:
        flags = flags.filter(candidate__case__in=visible_cases.order_by().values("pk"))
    return flags
