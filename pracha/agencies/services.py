"""The agency registry and geography as other apps see them. Other apps call only these functions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from pracha.core.errors import PrachaError

from . import places
from .models import Agency, ContactPoint, Coverage, District, Province, Subdistrict

Area = Province | District | Subdistrict
_AREA_CODE = re.compile(r"^(\d{2}|\d{4}|\d{6})$")
# Which local government answers for a place when several cover it: the smallest area first, then
# the most local kind (Pattaya or a municipality or SAO before a Bangkok district office or a PAO).
_LOCAL_KIND_RANK = {"special_local": 0, "municipality": 1, "sao": 2, "bma_district": 3, "pao": 4, "bma": 5}
_KIND_ORDER = [k for k, _label in Agency.Kind.choices]


def get_agency(code: str) -> Agency:
    """The agency with this code (codes are upper-case; "mol.doe" finds MOL.DOE)."""
    wanted = (code or "").strip().upper()
    agency = Agency.objects.select_related("parent").filter(code=wanted).first()
    if agency is None:
        raise PrachaError("unknown_agency", status=404, code=code)
    return agency


def contact_point(code: str) -> ContactPoint:
    """A unit that receives work, by its code "<agency code>/<unit>", e.g. "BMA.1001/works"."""
    agency_code, _sep, unit = (code or "").strip().partition("/")
    found = ContactPoint.objects.select_related("agency").filter(code=f"{agency_code.upper()}/{unit.lower()}")
    cp = found.first()
    if cp is None:
        raise PrachaError("unknown_contact_point", status=404, code=code)
    return cp


def contact_points_of(agency_code: str, *, active_only: bool = True) -> list[ContactPoint]:
    """The units of an agency, its `main` unit first."""
    points = get_agency(agency_code).contact_points.all()
    points = points.filter(active=True) if active_only else points
    return sorted(points, key=lambda cp: (not cp.code.endswith("/main"), cp.code))


# Areas by code, kept per process: the country's geography changes once in years (load_geography)
# and intake looks one up for every complaint. Emptied whenever the geography or the registry changes
# (signals.registry_changed); at most the 8,441 areas there are.
_areas: dict[str, Area] = {}


def forget_areas(**_kwargs: object) -> None:
    _areas.clear()


def get_area(code: str) -> Area:
    """A province (2 digits), district (4) or subdistrict (6) by its DOPA code."""
    code = (code or "").strip()
    if _AREA_CODE.match(code):
        area = _areas.get(code)
        if area is None:
            if len(code) == 2:
                area = Province.objects.filter(code=code).first()
            elif len(code) == 4:
                area = District.objects.select_related("province").filter(code=code).first()
            else:
                area = Subdistrict.objects.select_related("district__province").filter(code=code).first()
        if area is not None:
            _areas[code] = area
            return area
    raise PrachaError("unknown_area", status=404, code=code)


def _subdistrict(code: str) -> Subdistrict:
    area = get_area(code)
    if not isinstance(area, Subdistrict):
        raise PrachaError("unknown_area", status=404, code=code)
    return area


def _level(cov: Coverage) -> int:
    return 0 if cov.subdistrict_id else 1 if cov.district_id else 2


class RegistryView:
    """The registry's answers kept for a run of look-ups that reuse them: the coverage of each place
    and the units of each agency are read once, and `prefetch` reads them for many places at once.
    Routing keeps one view for up to a minute (decision 0539); the functions below use a fresh one."""

    def __init__(self) -> None:
        # subdistrict code -> (level, agency) of each active agency serving it: 0 the subdistrict itself,
        # 1 its district, 2 its province
        self._coverage: dict[str, list[tuple[int, Agency]]] = {}
        self._units: dict[str, list[ContactPoint]] = {}  # agency code -> its active units, main first
        self._points: dict[str, ContactPoint] = {}

    def prefetch(self, subdistricts: Iterable[Subdistrict]) -> None:
        """Read the coverage of these places (with their district loaded) and the units of the agencies
        serving them, one query each, skipping what is kept already."""
        subs = list({sub.code: sub for sub in subdistricts}.values())
        self._fetch_coverage([sub for sub in subs if sub.code not in self._coverage])
        wanted = {agency.code for sub in subs for _lvl, agency in self._coverage[sub.code]}
        self._fetch_units(wanted - self._units.keys())

    def _fetch_coverage(self, subs: list[Subdistrict]) -> None:
        if not subs:
            return
        rows = Coverage.objects.filter(
            Q(subdistrict_id__in=[s.code for s in subs])
            | Q(district_id__in={s.district_id for s in subs})
            | Q(province_id__in={s.district.province_id for s in subs}),
            agency__active=True,
        ).select_related("agency")
        by_area: dict[tuple[int, str], list[Agency]] = {}
        for cov in rows:
            area = cov.subdistrict_id or cov.district_id or cov.province_id
            by_area.setdefault((_level(cov), area), []).append(cov.agency)
        for sub in subs:
            self._coverage[sub.code] = [
                (level, agency)
                for level, area in enumerate((sub.code, sub.district_id, sub.district.province_id))
                for agency in by_area.get((level, area), [])
            ]

    def _fetch_units(self, agency_codes: set[str]) -> None:
        if not agency_codes:
            return
        # Filled aside, then kept whole: a thread sharing the view never sees a half-filled list.
        found: dict[str, list[ContactPoint]] = {code: [] for code in agency_codes}
        for cp in ContactPoint.objects.filter(agency__code__in=agency_codes, active=True).select_related(
            "agency"
        ):
            found[cp.agency.code].append(cp)
        for code, units in found.items():
            self._units[code] = sorted(units, key=lambda cp: (not cp.code.endswith("/main"), cp.code))

    def _covering(self, subdistrict_code: str) -> list[tuple[int, Agency]]:
        sub = _subdistrict(subdistrict_code)
        if sub.code not in self._coverage:
            self._fetch_coverage([sub])
        return self._coverage[sub.code]

    def local_body_for(self, subdistrict_code: str) -> Agency:
        """See `local_body_for`."""
        rows = [(lvl, a) for lvl, a in self._covering(subdistrict_code) if a.kind in Agency.LOCAL_KINDS]
        if not rows:
            raise PrachaError("no_local_body", status=404, code=_subdistrict(subdistrict_code).code)
        return min(rows, key=lambda row: (row[0], _LOCAL_KIND_RANK[row[1].kind], row[1].code))[1]

    def agencies_covering(
        self,
        subdistrict_code: str,
        kind: str | Iterable[str] | None = None,
        codes: Iterable[str] | None = None,
    ) -> list[Agency]:
        """See `agencies_covering`."""
        kinds = None if kind is None else {kind} if isinstance(kind, str) else set(kind)
        wanted = None if codes is None else {c.upper() for c in codes}
        best: dict[str, tuple[int, Agency]] = {}
        for level, agency in self._covering(subdistrict_code):
            if (kinds is not None and agency.kind not in kinds) or (
                wanted is not None and agency.code not in wanted
            ):
                continue
            if agency.code not in best or level < best[agency.code][0]:
                best[agency.code] = (level, agency)
        return [a for _lvl, a in sorted(best.values(), key=lambda pair: (pair[0], pair[1].code))]

    def units_of(self, agency: Agency) -> list[ContactPoint]:
        """The agency's active units, its `main` unit first."""
        if agency.code not in self._units:
            self._fetch_units({agency.code})
        return self._units[agency.code]

    def contact_point(self, code: str) -> ContactPoint:
        """See `contact_point`."""
        if code not in self._points:
            self._points[code] = contact_point(code)
        return self._points[code]


def local_body_for(subdistrict_code: str) -> Agency:
    """The most specific local government of a place.

    Bangkok: the BMA district office of the district. Elsewhere: the body covering the subdistrict
    (Pattaya City, a municipality or an SAO) before the Provincial Administrative Organization.
    """
    return RegistryView().local_body_for(subdistrict_code)


def agencies_covering(
    subdistrict_code: str, kind: str | Iterable[str] | None = None, codes: Iterable[str] | None = None
) -> list[Agency]:
    """Agencies whose service area includes this subdistrict, most specific area first.

    agencies_covering("100101", codes=["MEA", "PEA"]) -> [MEA]: which utility serves the place.
    """
    return RegistryView().agencies_covering(subdistrict_code, kind, codes)


def search_agencies(q: str = "", kind: str | None = None, parent: str | None = None) -> QuerySet[Agency]:
    """Active agencies matching a text (code, Thai or English name or abbreviation), a kind, a parent.

    Exact code or abbreviation matches come first, then ministries before departments and so on.
    """
    found = Agency.objects.filter(active=True).select_related("parent")
    if kind:
        if kind not in _KIND_ORDER:
            raise PrachaError("validation_error", status=422, fields={"kind": "invalid"})
        found = found.filter(kind=kind)
    if parent:
        found = found.filter(parent=get_agency(parent))
    text = (q or "").strip()
    exact = Value(1)
    if text:
        bare = text.rstrip(".")
        found = found.filter(
            Q(code__icontains=text)
            | Q(name_th__icontains=text)
            | Q(name_en__icontains=text)
            | Q(abbr_th__icontains=bare)
            | Q(abbr_en__icontains=bare)
        )
        exact = Case(
            When(
                Q(code__iexact=text) | Q(abbr_en__iexact=bare) | Q(abbr_th__in=[bare, f"{bare}."]),
                then=Value(0),
            ),
            default=Value(1),
            output_field=IntegerField(),
        )
    kind_rank = Case(
        *(When(kind=k, then=Value(i)) for i, k in enumerate(_KIND_ORDER)),
        default=Value(len(_KIND_ORDER)),
        output_field=IntegerField(),
    )
    return found.annotate(exact_rank=exact, kind_rank=kind_rank).order_by("exact_rank", "kind_rank", "code")


def areas_served(agency: Agency) -> list[Area]:
    """The provinces, districts and subdistricts an agency covers, largest first."""
    rows = agency.coverage.select_related("province", "district__province", "subdistrict__district")
    return [c.area for c in sorted(rows, key=lambda c: (-_level(c), c.area_code))]


# -- geography ---------------------------------------------------------------------------------------


def provinces() -> QuerySet[Province]:
    return Province.objects.order_by("code")


def districts_of(province_code: str) -> QuerySet[District]:
    province = get_area(province_code)
    if not isinstance(province, Province):
        raise PrachaError("unknown_area", status=404, code=province_code)
    return province.districts.order_by("code")


def subdistricts_of(district_code: str) -> QuerySet[Subdistrict]:
    district = get_area(district_code)
    if not isinstance(district, District):
        raise PrachaError("unknown_area", status=404, code=district_code)
    return district.subdistricts.order_by("code")


def locate(subdistrict_code: str) -> dict:
    """A place with its district, province, postal codes and local government (for addresses, routing)."""
    sub = _subdistrict(subdistrict_code)
    try:
        body: Agency | None = local_body_for(sub.code)
    except PrachaError:  # no agency data loaded: the place is still worth answering
        body = None
    return {
        "subdistrict": sub,
        "district": sub.district,
        "province": sub.district.province,
        "postal_codes": sub.postal_codes.split(),
        "local_body": body,
    }


def subdistrict_at(latitude: float, longitude: float) -> tuple[Subdistrict, float, float] | None:
    """The subdistrict a map pin is in, found from reference points: (subdistrict, confidence 0..1,
    metres to its nearest point), or None when unknown (no points near, or they disagree)."""
    return places.subdistrict_at(latitude, longitude)


def place_at(latitude: float, longitude: float) -> dict:
    """`locate` for a map pin, with the confidence and distance of the look-up. 400 for a pin that is
    not a number or outside Thailand; 404 `no_place_at_pin` when the pin's subdistrict is not known."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise PrachaError("location_invalid", fields={"lat": "location_invalid", "lng": "location_invalid"})
    if not places.in_thailand(latitude, longitude):
        raise PrachaError(
            "location_outside_thailand",
            fields={"lat": "location_outside_thailand", "lng": "location_outside_thailand"},
        )
    found = places.subdistrict_at(latitude, longitude)
    if found is None:
        raise PrachaError("no_place_at_pin", status=404)
    sub, confidence, distance_m = found
    return {**locate(sub.code), "confidence": round(confidence, 3), "distance_m": round(distance_m)}


def places_with_postal_code(postal_code: str) -> list[dict]:
    """Every subdistrict with this postal code, each with its local government (for "who serves me?")."""
    postal_code = (postal_code or "").strip()
    if not postal_code.isdigit() or len(postal_code) != 5:
        return []
    subs = Subdistrict.objects.filter(postal_codes__contains=postal_code).select_related("district__province")
    # postal_codes is space-separated: contains() may match inside another code, so check whole codes.
    return [locate(s.code) for s in subs.order_by("code") if postal_code in s.postal_codes.split()]
