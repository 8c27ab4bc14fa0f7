"""The agency directory and geography API (/api/agencies). Thin: every answer comes from services.py."""

from enum import Enum

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import services
from .models import Agency, ContactPoint, District, Province, Subdistrict

router = Router()

AgencyKind = Enum("AgencyKind", {k: k for k, _label in Agency.Kind.choices}, type=str)


class AreaOut(Schema):
    code: str
    level: str
    name_th: str
    name_en: str

    @staticmethod
    def of(area: Province | District | Subdistrict) -> "AreaOut":
        level = {2: "province", 4: "district", 6: "subdistrict"}[len(area.code)]
        return AreaOut(code=area.code, level=level, name_th=area.name_th, name_en=area.name_en)


class AgencyRef(Schema):
    code: str
    name_th: str
    name_en: str


class AgencyOut(Schema):
    code: str
    kind: str
    kind_label: str = Field(..., description="the kind in the request's language")
    name_th: str
    name_en: str
    abbr_th: str
    abbr_en: str
    parent: str | None = Field(None, description="code of the parent agency")
    website: str
    phone: str
    email: str

    @staticmethod
    def resolve_kind_label(obj: Agency) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_parent(obj: Agency) -> str | None:
        return obj.parent.code if obj.parent_id else None


class ContactPointOut(Schema):
    code: str
    agency: str
    name_th: str
    name_en: str
    phone: str
    email: str

    @staticmethod
    def resolve_agency(obj: ContactPoint) -> str:
        return obj.code.split("/", 1)[0]


class AgencyDetail(AgencyOut):
    children: list[AgencyRef]
    contact_points: list[ContactPointOut]
    areas: list[AreaOut]

    @staticmethod
    def resolve_children(obj: Agency) -> list[Agency]:
        return list(obj.children.filter(active=True).order_by("code"))

    @staticmethod
    def resolve_contact_points(obj: Agency) -> list[ContactPoint]:
        return services.contact_points_of(obj.code)

    @staticmethod
    def resolve_areas(obj: Agency) -> list[AreaOut]:
        return [AreaOut.of(a) for a in services.areas_served(obj)]


class ListFilters(Schema):
    q: str = Field("", max_length=100, description="text in the code, names or abbreviations")
    kind: AgencyKind | None = None
    parent: str | None = Field(None, max_length=40, description="code of the parent agency")


class ProvinceOut(Schema):
    code: str
    name_th: str
    name_en: str


class SubdistrictOut(ProvinceOut):
    postal_codes: list[str]

    @staticmethod
    def resolve_postal_codes(obj: Subdistrict) -> list[str]:
        return obj.postal_codes.split()


class PlaceOut(Schema):
    subdistrict: SubdistrictOut
    district: ProvinceOut
    province: ProvinceOut
    postal_codes: list[str]
    local_body: AgencyOut | None


@router.get("", response=list[AgencyOut], summary="List and search agencies")
@paginate(PageNumberPagination, page_size=25)
def list_agencies(request: HttpRequest, filters: Query[ListFilters]):
    kind = filters.kind.value if filters.kind else None
    return services.search_agencies(filters.q, kind=kind, parent=filters.parent)


@router.get("/geo/provinces", response=list[ProvinceOut], summary="The 77 provinces")
def list_provinces(request: HttpRequest):
    return services.provinces()


@router.get("/geo/provinces/{code}/districts", response=list[ProvinceOut], summary="Districts of a province")
def list_districts(request: HttpRequest, code: str):
    return services.districts_of(code)


@router.get(
    "/geo/districts/{code}/subdistricts",
    response=list[SubdistrictOut],
    summary="Subdistricts of a district, with postal codes",
)
def list_subdistricts(request: HttpRequest, code: str):
    return services.subdistricts_of(code)


@router.get(
    "/geo/locate", response=PlaceOut, summary="A subdistrict with its district, province and local body"
)
def locate(
    request: HttpRequest, subdistrict: str = Query(..., max_length=6, description="6-digit DOPA code")
):
    return services.locate(subdistrict)


class PinPlaceOut(PlaceOut):
    confidence: float = Field(..., description="the nearest reference points' agreement, 0 to 1")
    distance_m: int = Field(..., description="metres from the pin to the nearest point of the subdistrict")


@router.get(
    "/geo/at",
    response=PinPlaceOut,
    summary="The subdistrict a map pin is in, with its district, province and local body",
    description=(
        "404 `no_place_at_pin` where no reference points are near or they disagree (then ask for the "
        "subdistrict); 400 `location_outside_thailand` or `location_invalid` for a pin that is not one."
    ),
)
def place_at(
    request: HttpRequest,
    lat: float = Query(..., description="latitude in degrees (WGS 84)"),
    lng: float = Query(..., description="longitude in degrees (WGS 84)"),
):
    return services.place_at(lat, lng)


@router.get("/{code}", response=AgencyDetail, summary="One agency with its units and service areas")
def agency_detail(request: HttpRequest, code: str):
    return services.get_agency(code)


@router.get(
    "/{code}/contact-points", response=list[ContactPointOut], summary="Units of an agency that receive work"
)
def agency_contact_points(request: HttpRequest, code: str):
    return services.contact_points_of(code)
