"""Which subdistrict a map pin is in, from reference points: there is no boundary data on the platform.

Reference points are places known to lie in a subdistrict (the first source: about 3,000 geocoded
Traffy Fondue reports over Bangkok's 180 khwaeng). They are imported from a CSV by
`pracha import_place_points` (names matched to DOPA codes through geothai; rows that do not match are
counted, never guessed). A pin is placed by a vote among its nearest points (decision 0150):

    found = subdistrict_at(13.7563, 100.5018)   # -> (Subdistrict, confidence 0..1, distance_m) or None

The points are held in memory per process in a BallTree (haversine), built on first use, rebuilt when
this process imports points and, for other processes, when a cheap check finds the points changed
(at most every PRACHA_PLACE_RECHECK_SECONDS).
"""

from __future__ import annotations

import csv
import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geothai
import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from sklearn.neighbors import BallTree

from pracha.audit.chain import record

from .models import PlacePoint, Subdistrict

EARTH_RADIUS_M = 6_371_008.8
# Thailand's bounding box with a margin for the coast (as complaint intake checks pins).
LAT_RANGE, LNG_RANGE = (5.5, 20.5), (97.3, 105.7)
# Points closer than this count as equally close: a pin on top of one report must not outvote all others.
NEAR_FLOOR_M = 25.0
DEFAULTS: dict[str, float] = {
    "neighbours": 7,  # how many nearest points vote
    "max_distance_m": 1500.0,  # points further than this do not vote
    "min_confidence": 0.6,  # the winner's share of the weighted votes below which the answer is None
    "recheck_seconds": 60.0,  # how often another process's import is looked for
}
TRAFFY_FILE = "traffy/bangkok_complaints_2023q4.csv"
LAT_COLUMNS, LNG_COLUMNS = ("latitude", "lat"), ("longitude", "lng", "lon")
CODE_COLUMNS = ("subdistrict_code", "geocode")
NAME_COLUMNS = ("subdistrict", "district", "province")


def setting(name: str) -> float:
    """PRACHA_PLACE_NEIGHBOURS, _MAX_DISTANCE_M, _MIN_CONFIDENCE, _RECHECK_SECONDS, else the default."""
    return float(getattr(settings, f"PRACHA_PLACE_{name.upper()}", DEFAULTS[name]))


def in_thailand(lat: float, lng: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]


# --- Reading and importing points ------------------------------------------------------------------


class PointFileError(ValueError):
    """The file cannot be read as reference points at all (missing columns, not UTF-8)."""


@dataclass(frozen=True)
class RefPoint:
    latitude: float
    longitude: float
    code: str  # the subdistrict's DOPA code
    key: str  # the row's own id (ticket_id) or its line number: what a hold-out split is made on


@dataclass
class PointImport:
    source: str
    rows: int = 0
    imported: int = 0
    swapped: int = 0  # latitude and longitude given the wrong way round (read the right way)
    invalid: int = 0  # no usable coordinates, or outside Thailand
    ambiguous: int = 0  # names that fit more than one subdistrict
    unmatched: Counter = field(default_factory=Counter)  # (subdistrict, district, province) or code -> rows
    subdistricts: int = 0  # distinct subdistricts among the imported points

    @property
    def unmatched_rows(self) -> int:
        return sum(self.unmatched.values())

    def summary(self) -> str:
        return (
            f"{self.imported} of {self.rows} rows imported as points in {self.subdistricts} subdistricts "
            f"({self.swapped} with latitude and longitude swapped, read the right way); "
            f"{self.unmatched_rows} rows whose place matches no subdistrict, {self.ambiguous} ambiguous, "
            f"{self.invalid} without usable coordinates"
        )


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def _coordinates(raw_lat: str, raw_lng: str) -> tuple[float, float, bool] | None:
    """(lat, lng, swapped) inside Thailand, or None. Thailand's latitude and longitude ranges do not
    overlap, so a swapped pair is recognised without doubt."""
    try:
        lat, lng = float(raw_lat), float(raw_lng)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return None
    if in_thailand(lat, lng):
        return lat, lng, False
    if in_thailand(lng, lat):
        return lng, lat, True
    return None


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))
# Bangkok written short: "กรุงเทพฯ" (ฯ marks an abbreviation), "กรุงเทพ", "Bangkok".
_BANGKOK = {"กรุงเทพ", "กรุงเทพฯ", "จังหวัดกรุงเทพฯ", "bangkok", "bkk"}


def thai_name(text: str) -> str:
    """A place name as typed or exported, in one form: no zero-width characters, SARA AM as one
    character (not NIKHAHIT + SARA AA, which looks the same), single spaces, Bangkok's short forms."""
    text = " ".join((text or "").translate(_ZERO_WIDTH).replace("\u0e4d\u0e32", "\u0e33").split())
    return "กรุงเทพมหานคร" if text.lower() in _BANGKOK else text


class _NameMatcher:
    """Names to a DOPA code with geothai's Thai normalisation ("แขวง", "เขต", "จ.", spaces and
    "กทม" handled) after `thai_name`, one look-up per distinct name triple."""

    AMBIGUOUS = "?"

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], str | None] = {}

    def code(self, sub: str, district: str, province: str) -> str | None:
        key = (sub, district, province)
        if key not in self._seen:
            self._seen[key] = self._match(sub, district, province)
        return self._seen[key]

    def _match(self, sub: str, district: str, province: str) -> str | None:
        sub, district, province = thai_name(sub), thai_name(district), thai_name(province)
        if not sub:
            return None
        found = geothai.match(sub, district=district or None, province=province or None)
        if not found and district:
            # Some exports cut long names short ("ป้อมปราบศัตรูพ่า"): accept a district whose name
            # starts with what was given, never one that merely resembles it.
            given = geothai.normalize(district)
            found = [
                a
                for a in geothai.match(sub, province=province or None)
                if given and geothai.normalize(a.district.name_th).startswith(given)
            ]
        codes = {a.subdistrict.code for a in found}
        if len(codes) > 1:
            return self.AMBIGUOUS
        return codes.pop() if codes else None


def read_points(path: Path | str, source: str = "") -> tuple[list[RefPoint], PointImport]:
    """The reference points of a UTF-8 CSV with latitude and longitude and either a 6-digit
    `subdistrict_code` or `subdistrict`, `district` and `province` names. Touches no database:
    codes are not yet checked against the loaded geography (`import_points` does)."""
    path = Path(path)
    result = PointImport(source=source or path.stem)
    points: list[RefPoint] = []
    matcher = _NameMatcher()
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            lat_col, lng_col = _column(header, LAT_COLUMNS), _column(header, LNG_COLUMNS)
            code_col = _column(header, CODE_COLUMNS)
            names = [_column(header, (n,)) for n in NAME_COLUMNS]
            if lat_col is None or lng_col is None or (code_col is None and names[0] is None):
                raise PointFileError(
                    f"{path}: needs columns latitude, longitude and subdistrict_code or subdistrict "
                    f"(with district and province); it has {', '.join(header) or 'none'}"
                )
            key_col = _column(header, ("ticket_id", "id"))
            for line, row in enumerate(reader, start=2):
                result.rows += 1
                where = _coordinates(row.get(lat_col) or "", row.get(lng_col) or "")
                if where is None:
                    result.invalid += 1
                    continue
                given_code = (row.get(code_col) or "").strip() if code_col else ""
                if given_code:
                    code = given_code if given_code.isdigit() and len(given_code) == 6 else None
                    label: tuple[str, ...] = (given_code,)
                else:
                    label = tuple((row.get(c) or "").strip() if c else "" for c in names)
                    code = matcher.code(*label)
                if code == _NameMatcher.AMBIGUOUS:
                    result.ambiguous += 1
                    continue
                if code is None:
                    result.unmatched[label] += 1
                    continue
                lat, lng, swapped = where
                result.swapped += swapped
                key = (row.get(key_col) or "").strip() if key_col else ""
                points.append(RefPoint(lat, lng, code, key or str(line)))
    except UnicodeDecodeError as exc:
        raise PointFileError(f"{path}: not UTF-8 ({exc})") from exc
    result.imported = len(points)
    result.subdistricts = len({p.code for p in points})
    return points, result


def import_points(path: Path | str, *, source: str = "") -> PointImport:
    """Replace the points of `source` (default: the file's name) with those of the file, in one
    transaction; audited. Rows naming a code the loaded geography lacks count as unmatched."""
    path = Path(path)
    points, result = read_points(path, source or f"{path.parent.name}/{path.stem}")
    known = set(Subdistrict.objects.filter(code__in={p.code for p in points}).values_list("code", flat=True))
    if points and not known and not Subdistrict.objects.exists():
        raise PointFileError("The geography is not loaded: run `pracha load_geography` first.")
    kept = [p for p in points if p.code in known]
    for p in points:
        if p.code not in known:
            result.unmatched[(p.code,)] += 1
    result.imported, result.subdistricts = len(kept), len({p.code for p in kept})
    with transaction.atomic():
        PlacePoint.objects.filter(source=result.source).delete()
        PlacePoint.objects.bulk_create(
            [
                PlacePoint(
                    subdistrict_id=p.code, latitude=p.latitude, longitude=p.longitude, source=result.source
                )
                for p in kept
            ],
            batch_size=2000,
        )
        record(
            "agencies.place_points_imported",
            ("agencies.place_points", result.source),
            {
                "rows": result.rows,
                "imported": result.imported,
                "subdistricts": result.subdistricts,
                "swapped": result.swapped,
                "unmatched": result.unmatched_rows,
                "ambiguous": result.ambiguous,
                "invalid": result.invalid,
            },
        )
    invalidate()
    return result


def data_dir() -> Path:
    """PRACHA_DATA_DIR, else the shared data folder beside the checkout (as the classifier's)."""
    configured = getattr(settings, "PRACHA_DATA_DIR", "")
    return Path(configured) if configured else Path(settings.BASE_DIR).parent.parent / "shared" / "data"


def load_reference_points() -> PointImport | None:
    """Import the Traffy sample's points if the file is on this machine; None (and pins stay without
    a subdistrict, as before) when it is not."""
    path = data_dir() / TRAFFY_FILE
    return import_points(path) if path.is_file() else None


# --- Looking a pin up ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vote:
    code: str
    confidence: float  # the winner's share of the weighted votes
    distance_m: float  # from the pin to the winner's nearest point
    voters: int  # points within the maximum distance


class PointIndex:
    """The nearest-points vote over a set of points (no database: the benchmark builds its own)."""

    def __init__(self, latitudes: list[float], longitudes: list[float], codes: list[str]) -> None:
        self.codes = np.array(codes, dtype=object)
        self.tree = (
            BallTree(np.radians(np.column_stack([latitudes, longitudes])), metric="haversine")
            if codes
            else None
        )

    def __len__(self) -> int:
        return len(self.codes)

    def vote(
        self, lat: float, lng: float, *, neighbours: int, max_distance_m: float, min_confidence: float
    ) -> Vote | None:
        """Each of the `neighbours` nearest points within `max_distance_m` votes for its subdistrict
        with weight 1/distance² (distances under NEAR_FLOOR_M count as NEAR_FLOOR_M), so a far cluster
        of one subdistrict cannot outvote the points around the pin. Ties (equal weight) go to the
        subdistrict with the nearest point, then to the lower code. None when no point is close
        enough or the winner's share is below `min_confidence` (near a boundary the points disagree:
        people decide rather than a coin)."""
        if self.tree is None:
            return None
        k = min(int(neighbours), len(self.codes))
        dist, idx = self.tree.query(np.radians([[lat, lng]]), k=k)
        weight: dict[str, float] = defaultdict(float)
        nearest: dict[str, float] = {}
        voters = 0
        for d_rad, i in zip(dist[0], idx[0], strict=True):
            d = float(d_rad) * EARTH_RADIUS_M
            if d > max_distance_m:
                break  # the tree answers nearest first
            code = self.codes[i]
            weight[code] += 1.0 / max(d, NEAR_FLOOR_M) ** 2
            nearest.setdefault(code, d)
            voters += 1
        if not weight:
            return None
        # Rounded so that float noise in equal sums does not decide a tie.
        best = min(weight, key=lambda c: (-round(weight[c], 12), nearest[c], c))
        confidence = weight[best] / sum(weight.values())
        if confidence < min_confidence:
            return None
        return Vote(best, confidence, nearest[best], voters)


@dataclass
class _Loaded:
    index: PointIndex
    subdistricts: dict[str, Subdistrict]
    stamp: tuple[int, int | None]
    checked: float


_loaded: _Loaded | None = None
_lock = threading.Lock()


def _stamp() -> tuple[int, int | None]:
    """Changes whenever points are imported anywhere (a re-import deletes and inserts rows)."""
    agg = PlacePoint.objects.aggregate(n=Count("id"), last=Max("id"))
    return agg["n"], agg["last"]


def invalidate() -> None:
    """Forget this process's index; the next look-up rebuilds it from the database."""
    global _loaded
    with _lock:
        _loaded = None


def _index() -> _Loaded:
    global _loaded
    loaded, now = _loaded, time.monotonic()
    if loaded is not None and now - loaded.checked < setting("recheck_seconds"):
        return loaded
    with _lock:
        stamp = _stamp()
        if _loaded is not None and _loaded.stamp == stamp:
            _loaded.checked = now
            return _loaded
        rows = list(PlacePoint.objects.values_list("latitude", "longitude", "subdistrict_id"))
        lats, lngs, codes = (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [])
        found = Subdistrict.objects.select_related("district__province").filter(code__in=set(codes))
        subdistricts = {s.code: s for s in found}
        _loaded = _Loaded(PointIndex(lats, lngs, codes), subdistricts, stamp, now)
        return _loaded


def subdistrict_at(lat: float, lng: float) -> tuple[Subdistrict, float, float] | None:
    """The subdistrict a pin is in, with the vote's confidence (0..1) and the distance in metres to
    the nearest point of that subdistrict; None outside Thailand, where no points are near, or where
    they disagree too much (decision 0150). The Subdistrict comes with its district and province."""
    if not in_thailand(lat, lng):
        return None
    loaded = _index()
    vote = loaded.index.vote(
        lat,
        lng,
        neighbours=setting("neighbours"),
        max_distance_m=setting("max_distance_m"),
        min_confidence=setting("min_confidence"),
    )
    if vote is None:
        return None
    return loaded.subdistricts[vote.code], vote.confidence, vote.distance_m
