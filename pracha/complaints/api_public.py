"""Public complaint API (/api/complaints): classify-and-route a text, file a complaint, follow it.

POST /api/complaints/classify      {text, subdistrict?, latitude?, longitude?} -> the routing decision
POST /api/complaints               JSON, or multipart/form-data with up to 5 `photos` -> 202
GET  /api/complaints/{tracking}    the public status: state, timeline, agency, deadline, results
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.utils import check_csrf
from pydantic import Field, ValidationError

from pracha.core.errors import PrachaError
from pracha.core.throttling import WindowThrottle
from pracha.identity.models import User

from . import services
from .models import Channel

router = Router()


class Text(Schema):
    th: str
    en: str


class Named(Schema):
    code: str
    name_th: str
    name_en: str


class CategoryOut(Schema):
    code: str
    label_th: str
    label_en: str
    confidence: float


class Scored(Schema):
    code: str
    confidence: float


class PlaceOut(Schema):
    subdistrict: str
    name_th: str
    name_en: str


class DecisionOut(Schema):
    status: str = Field(description="routed: sent to the unit below; triage: to people at the 1111 centre")
    agency: Named
    contact_point: Named
    rule: str = Field(description="the routing rule that decided, or triage:<why>")
    reason: Text
    category: str | None
    categories: list[CategoryOut]
    intent: Scored
    urgency: Scored
    threshold: float
    model_version: str
    place: PlaceOut | None
    notes: list[str]


class ClassifyIn(Schema):
    text: str = Field(max_length=20000, examples=["ทางเท้าหน้าตลาดนัดจตุจักรชำรุด เดินลำบาก"])
    subdistrict: str | None = Field(None, max_length=6, description="6-digit DOPA code", examples=["103001"])
    latitude: float | None = None
    longitude: float | None = None


@router.post(
    "/classify",
    response=DecisionOut,
    auth=None,
    summary="Where a complaint would go, and why (nothing is filed)",
)
def classify(request: HttpRequest, payload: ClassifyIn):
    return services.decision_for(
        payload.text, payload.subdistrict, payload.latitude, payload.longitude
    ).as_dict()


class ComplaintIn(Schema):
    text: str = Field(max_length=20000, description="What, where and since when")
    subdistrict: str | None = Field(None, max_length=6, description="6-digit DOPA code")
    latitude: float | None = None
    longitude: float | None = None
    place_text: str = Field("", max_length=1000, description="Landmark, street, soi")
    anonymous: bool = False
    contact_name: str = Field("", max_length=1000)
    contact_phone: str = Field("", max_length=40)
    contact_email: str = Field("", max_length=1000)
    language: str | None = Field(None, description="th or en: the language of updates")


class FiledOut(Schema):
    tracking_code: str
    status: str
    status_url: str
    page_url: str
    message: Text


class FilingThrottle(WindowThrottle):
    """Filing is limited far below the rest of the API (it writes, and it notifies people), with its
    own count: per address, or per account (three times as much) for a signed-in citizen, who is
    accountable for what they file. The limit is read from the settings at each request."""

    scope = "complaint_filing"

    @staticmethod
    def _signed_in(request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def rate(self, request: HttpRequest) -> str:
        return f"{settings.PRACHA_COMPLAINT_RATE_PER_MINUTE * (3 if self._signed_in(request) else 1)}/m"

    def ident(self, request: HttpRequest) -> str | None:
        user = self._signed_in(request)
        return f"user-{user.pk}" if user is not None else self.get_ident(request)


_MULTIPART_SCHEMA = {
    **ComplaintIn.model_json_schema(),
    "properties": {
        **ComplaintIn.model_json_schema()["properties"],
        "photos": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "maxItems": services.PHOTOS_MAX,
            "description": "JPEG, PNG, WebP or HEIC, at most 10 MB each",
        },
    },
}


def _read_body(request: HttpRequest) -> tuple[ComplaintIn, list]:
    """The complaint from a JSON body or a multipart form (the only way to send photos)."""
    if request.content_type == "multipart/form-data":
        raw = {k: v for k, v in request.POST.items() if k in ComplaintIn.model_fields}
        for flag in ("anonymous",):
            if flag in raw:
                raw[flag] = raw[flag].strip().lower() in {"1", "true", "on", "yes"}
        for number in ("latitude", "longitude", "subdistrict"):
            if number in raw and not raw[number].strip():
                raw[number] = None
        data, photos = raw, request.FILES.getlist("photos")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise PrachaError("malformed_json", detail=str(exc)) from exc
        photos = []
    try:
        return ComplaintIn.model_validate(data), photos
    except ValidationError as exc:
        fields = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
        raise PrachaError("validation_error", status=422, fields=fields) from exc


@router.post(
    "",
    response={202: FiledOut},
    auth=None,
    throttle=[FilingThrottle()],
    summary="File a complaint (anonymous allowed); routed in the background",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ComplaintIn.model_json_schema()},
                "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
            },
        }
    },
)
def file(request: HttpRequest):
    user = request.user if request.user.is_authenticated else None
    if user is not None and check_csrf(request) is not None:
        # A signed-in browser session files in the person's name, so it must prove the page is ours.
        raise PrachaError("permission_denied", status=403)
    payload, photos = _read_body(request)
    complaint = services.file_complaint(
        channel=Channel.WEB,
        text=payload.text,
        user=user,
        anonymous=payload.anonymous,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        contact_email=payload.contact_email,
        language=payload.language or getattr(request, "LANGUAGE_CODE", "th"),
        subdistrict_code=payload.subdistrict,
        latitude=payload.latitude,
        longitude=payload.longitude,
        place_text=payload.place_text,
        photos=photos,
    )
    code = complaint.tracking_code
    return Status(
        202,
        {
            "tracking_code": code,
            "status": "received",
            "status_url": f"/api/complaints/{code}",
            "page_url": services.status_path(complaint),
            "message": services.received_message(complaint),
        },
    )


class CategoryLabel(Schema):
    code: str
    label_th: str
    label_en: str


class EventOut(Schema):
    at: dt.datetime
    kind: str
    label: Text
    text: str


class ResultOut(Schema):
    at: dt.datetime
    kind: str
    text: str


class StatusOut(Schema):
    tracking_code: str
    reference: str | None
    channel: str
    received_at: dt.datetime
    updated_at: dt.datetime
    state: str
    state_name: Text
    open: bool
    closed_at: dt.datetime | None
    routing: str
    category: CategoryLabel | None
    agency: Named | None
    contact_point: Named | None
    place: PlaceOut | None
    latitude: float | None
    longitude: float | None
    deadline: dt.datetime | None = Field(description="when the current step is due")
    case_deadline: dt.datetime | None
    timeline: list[EventOut]
    results: list[ResultOut]
    rating: int | None
    awaiting_confirmation: bool
    reopen_count: int
    reopens_left: int


@router.get(
    "/{tracking_code}",
    response=StatusOut,
    auth=None,
    summary="The public status of a complaint by its tracking code (no personal data)",
)
def status(request: HttpRequest, tracking_code: str):
    return services.public_status(tracking_code[:20])
