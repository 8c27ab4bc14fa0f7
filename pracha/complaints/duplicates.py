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
import functools
import heapq
import math
import operator
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
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


# What finding candidates reads of an open complaint (not its text, routing reason or contact).
_NEAR_FIELDS = ("pk", "categories", "latitude", "longitude", "received_at", "text_words")


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
    """`find_candidates` of each complaint of a burst. Their texts are compared in one TF-IDF space
    made of every text involved, so each open complaint's words are weighed once per burst, not once
    per new complaint that might repeat it; the open complaints near them are read in one query."""
    pools = _text_pools(complaints)
    gathered = [
        (found, {**pool, **near}) for (found, near), pool in zip(_gather_many(complaints), pools, strict=True)
    ]
    words_by_pk: dict[int, str] = {}
    for complaint, (_found, others) in zip(complaints, gathered, strict=True):
        words_by_pk.update(others)
        words_by_pk[complaint.pk] = words_of(complaint)
    unsegmented = [pk for pk, kept in words_by_pk.items() if not kept]
    if unsegmented:  # routed before words were kept
        for pk, text in Complaint.objects.filter(pk__in=unsegmented).values_list("pk", "text"):
            words_by_pk[pk] = " ".join(words(text))
    pools_by_complaint = [list(others) for _found, others in gathered]
    similarities = _Space(words_by_pk).similarities([c.pk for c in complaints], pools_by_complaint)
    scored = [
        (found, dict(zip(pool, sims, strict=True)))
        for (found, _others), pool, sims in zip(gathered, pools_by_complaint, similarities, strict=True)
    ]
    # Complaints found only by their text are loaded now, all at once.
    threshold = text_threshold()
    wanted = {pk for found, sims in scored for pk, s in sims.items() if s >= threshold and pk not in found}
    loaded = {c.pk: c for c in Complaint.objects.filter(pk__in=wanted).only(*_NEAR_FIELDS)}
    return [_rank(found, similarities, loaded, limit) for found, similarities in scored]


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


def _gather_many(complaints: list[Complaint]) -> list[tuple[dict[int, Candidate], dict[int, str]]]:
    """For each complaint, the open complaints near it and of its category (as candidates) and their
    words (by id). One query for each group of complaints received within an hour of each other."""
    out: dict[int, tuple[dict[int, Candidate], dict[int, str]]] = {}
    for group in _groups(complaints):
        places = _Places(_near_rows(group))
        for complaint in group:
            out[id(complaint)] = _near(complaint, places)
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


# What the near query reads of an open complaint, newest first.
_PLACE_FIELDS = (*_NEAR_FIELDS, "subdistrict_id")


def _near_rows(group: list[Complaint]) -> list[tuple]:
    """The open complaints that may be near some complaint of the group and share a category with it:
    in the box around a pin, or in the subdistrict named; each complaint then keeps its own (`_near`).
    Where the database can look into JSON (PostgreSQL), it leaves out rows of other categories."""
    limit_m = distance_limit_m()
    by_category = connections[Complaint.objects.db].features.supports_json_field_contains
    place = Q()
    for complaint in group:
        here, codes = _coords(complaint.latitude, complaint.longitude), _codes(complaint.categories)
        if not codes or not (here or complaint.subdistrict_id):
            continue
        if here:
            dlat, dlng = _box(here, limit_m)
            where = Q(
                latitude__gte=here[0] - dlat,
                latitude__lte=here[0] + dlat,
                longitude__gte=here[1] - dlng,
                longitude__lte=here[1] + dlng,
            )
            if complaint.subdistrict_id:
                where |= Q(latitude__isnull=True, subdistrict_id=complaint.subdistrict_id)
        else:
            where = Q(subdistrict_id=complaint.subdistrict_id)
        if by_category:
            # [[code, confidence], ...] contains [[code]] when one of its pairs holds that code.
            where &= functools.reduce(
                operator.or_, (Q(categories__contains=[[code]]) for code in sorted(codes))
            )
        place |= where
    if not place:
        return []
    span = dt.timedelta(days=days_limit())
    pool = Complaint.objects.filter(
        place,
        case__isnull=False,
        case__closed_at__isnull=True,
        duplicate_of__isnull=True,
        received_at__gte=group[0].received_at - span,
        received_at__lte=group[-1].received_at + span,
    )
    return list(pool.order_by("-received_at", "-pk").values_list(*_PLACE_FIELDS))


def _box(here: tuple[float, float], limit_m: float) -> tuple[float, float]:
    """Half the height and width, in degrees, of the box around a point that holds its circle."""
    across = METRES_PER_DEGREE * max(0.01, math.cos(math.radians(here[0])))
    return limit_m / METRES_PER_DEGREE, limit_m / across


class _Places:
    """A group's near rows (newest first) by subdistrict and by latitude, so that each complaint
    visits only the rows in its own place."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows
        self.codes = [_codes(row[1]) for row in rows]
        self.coords = [_coords(row[2], row[3]) for row in rows]
        self.by_subdistrict: dict[int, list[int]] = {}
        pinned = []
        for position, (row, there) in enumerate(zip(rows, self.coords, strict=True)):
            self.by_subdistrict.setdefault(row[6], []).append(position)
            if there:
                pinned.append((there[0], position))
        pinned.sort()
        self.latitudes = [latitude for latitude, _ in pinned]
        self.pinned = [position for _, position in pinned]

    def around(self, here: tuple[float, float] | None, dlat: float, subdistrict: int | None) -> list[int]:
        """Positions, newest first, of the rows in the latitude band around a pin and of the unpinned
        rows of the subdistrict; without a pin, of every row of the subdistrict."""
        in_place = self.by_subdistrict.get(subdistrict, []) if subdistrict is not None else []
        if not here:
            return in_place
        low = bisect.bisect_left(self.latitudes, here[0] - dlat)
        high = bisect.bisect_right(self.latitudes, here[0] + dlat)
        return sorted(self.pinned[low:high] + [p for p in in_place if self.coords[p] is None])


def _near(complaint: Complaint, places: _Places) -> tuple[dict[int, Candidate], dict[int, str]]:
    """The complaint's candidates among the group's near rows: of a category of its own and received
    within the days limit of it; within the distance when both have a pin, else in its subdistrict
    (a pinned complaint meets unpinned ones by subdistrict). At most text_pool_size() rows of its
    place and category are looked at, newest first, which bounds the work for a crowded place."""
    found: dict[int, Candidate] = {}
    codes = _codes(complaint.categories)
    here = _coords(complaint.latitude, complaint.longitude)
    if not codes or not (here or complaint.subdistrict_id):
        return found, {}
    span, limit_m, room = dt.timedelta(days=days_limit()), distance_limit_m(), text_pool_size()
    earliest, latest = complaint.received_at - span, complaint.received_at + span
    dlat, dlng = _box(here, limit_m) if here else (0.0, 0.0)
    for position in places.around(here, dlat, complaint.subdistrict_id):
        row = places.rows[position]
        if row[0] == complaint.pk or not earliest <= row[4] <= latest:
            continue
        there = places.coords[position]
        if here and there and abs(there[1] - here[1]) > dlng:
            continue
        if not codes & places.codes[position]:
            continue
        room -= 1
        if room < 0:
            break
        fields = dict(zip(_NEAR_FIELDS, row[:-1], strict=True))
        if here and there:
            distance = haversine_m(*here, *there)
            if distance > limit_m:
                continue
            found[row[0]] = Candidate(fields, 0.0, round(distance, 1), reasons=["near"])
        else:
            found[row[0]] = Candidate(fields, 0.0, reasons=["same_subdistrict"])
    return found, {pk: c.fields["text_words"] for pk, c in found.items()}


# Complaints of a burst received within this of each other share one window of days (a letter keyed
# in late gets its own): a pool may reach this far past a complaint's own days limit.
_SHARED_WINDOW = dt.timedelta(hours=1)


def _text_pools(complaints: list[Complaint]) -> list[dict[int, str]]:
    """For each complaint, the words (by id) of the open complaints its text is compared with: the
    newest `text_pool_size()` received within `days` of it in its agency or its district (in all
    open complaints when it has neither). One query for each group of complaints received within an
    hour of each other (a live burst is one group): the database ranks each agency's and each
    district's newest, then every complaint takes its own from them."""
    pools: dict[int, dict[int, str]] = {}
    for group in _groups(complaints):
        pools.update(_pools_of_group(group))
    return [pools[id(c)] for c in complaints]


def _pools_of_group(complaints: list[Complaint]) -> dict[int, dict[int, str]]:
    """`_text_pools` of complaints received within an hour, by `id()` of each complaint."""
    span, size = dt.timedelta(days=days_limit()), text_pool_size()
    agencies = {c.agency_id for c in complaints if c.agency_id}
    districts = {_district_of(c) for c in complaints if c.subdistrict_id}
    anywhere = any(not (c.agency_id or c.subdistrict_id) for c in complaints)
    pool = Complaint.objects.filter(
        case__isnull=False,
        case__closed_at__isnull=True,
        duplicate_of__isnull=True,
        received_at__gte=complaints[0].received_at - span,
        received_at__lte=complaints[-1].received_at + span,
    )
    if not anywhere:
        pool = pool.filter(Q(agency_id__in=agencies) | Q(subdistrict__district_id__in=districts))
    newest = [F("received_at").desc(), F("pk").desc()]
    ranks = {
        "in_agency": Window(RowNumber(), partition_by=F("agency_id"), order_by=newest),
        "in_district": Window(RowNumber(), partition_by=F("district"), order_by=newest),
    }
    if anywhere:
        ranks["overall"] = Window(RowNumber(), order_by=newest)
    kept = size + 1  # each complaint is in its own agency's and district's ranks
    wanted = Q()
    for rank in ranks:
        wanted |= Q(**{f"{rank}__lte": kept})
    ranked = pool.annotate(district=F("subdistrict__district_id"), **ranks).filter(wanted).order_by(*newest)
    # Rows newest first; a row's position is its recency, so no timestamp needs reading.
    rows = [
        (position, *row)
        for position, row in enumerate(
            ranked.values_list("pk", "agency_id", "district", "in_agency", "in_district", "text_words")
        )
    ]
    by_agency: dict[int, list[tuple]] = {}
    by_district: dict[int, list[tuple]] = {}
    for row in rows:
        if row[4] <= kept:
            by_agency.setdefault(row[2], []).append(row)
        if row[5] <= kept:
            by_district.setdefault(row[3], []).append(row)
    pools = {}
    for complaint in complaints:
        if complaint.agency_id or complaint.subdistrict_id:
            lists = [by_agency.get(complaint.agency_id, []), by_district.get(_district_of(complaint), [])]
            candidates = heapq.merge(*lists)
        else:
            candidates = iter(rows)
        mine: dict[int, str] = {}
        own = complaint.pk
        for row in candidates:
            if len(mine) == size:
                break
            if row[1] != own:
                mine[row[1]] = row[6]
        pools[id(complaint)] = mine
    return pools


def _district_of(complaint: Complaint) -> int | None:
    return complaint.subdistrict.district_id if complaint.subdistrict_id else None


def _rank(
    found: dict[int, Candidate], similarities: dict[int, float], loaded: dict[int, Complaint], limit: int
) -> list[Candidate]:
    threshold, limit_m = text_threshold(), distance_limit_m()
    for pk, similarity in similarities.items():
        candidate = found.get(pk)
        if candidate is None and similarity < threshold:
            continue
        if candidate is None:
            other = loaded[pk]
            candidate = found[pk] = Candidate({"pk": pk, "received_at": other.received_at}, 0.0, built=other)
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
