"""The e-service catalogue API (/api/services). Thin: every answer comes from catalogue.py."""

from __future__ import annotations

import math
from enum import StrEnum

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from ninja import Field, Query, Router, Schema

from . import catalogue
from .catalogue import ServiceDefinition
from .forms import MAX_QUERY
from .presentation import apply_url

router = Router(tags=["e-services"])
PAGE_SIZE = 20


class ApplicantType(StrEnum):
    citizen = "citizen"
    juristic = "juristic"
    foreigner = "foreigner"


class Text(Schema):
    th: str
    en: str


class Limit(Schema):
    amount: float
    unit: str


class ServiceSummary(Schema):
    code: str
    version: int
    name: Text
    agency: str
    summary: Text
    applicant_types: list[str]
    time_limit: Limit
    fee_total: str = Field(..., description="the fixed fees in baht (amounts read from the form excluded)")
    url: str = Field(..., description="the citizen's manual")
    manual_pdf: str
    apply_url: str


class Step(Schema):
    state: str
    name: Text
    time_limit: Limit
    office: Text


class Fetch(Schema):
    service: str
    fields: list[str]
    consent: bool


class Document(Schema):
    code: str
    name: Text
    required: bool
    accept: list[str]
    max_mb: float
    fetch: Fetch | None = None


class Fee(Schema):
    code: str
    name: Text
    amount: str
    due: str
    amount_field: str = ""


class Certificate(Schema):
    kind: str
    title: Text
    valid_for: dict | None
    fields: list[str]


class ServiceDetail(ServiceSummary):
    published: str | None
    legal_basis: list[Text]
    eligibility: Text
    keywords: dict[str, list[str]]
    process: str
    documents: list[Document]
    fees: list[Fee]
    steps: list[Step]
    certificate: Certificate | None
    contact: Text
    schema_url: str
    content_hash: str


class ServicePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ServiceSummary]


class SearchQuery(Schema):
    q: str = Field("", max_length=MAX_QUERY, description="words in Thai or English")
    agency: str = Field("", max_length=60, description="owning agency code, e.g. MOC.DIT")
    who: ApplicantType | None = Field(None, description="who may apply")
    page: int = Field(1, ge=1)


def _limit(limit) -> dict:
    return {"amount": float(limit.amount), "unit": limit.unit}


def _summary(d: ServiceDefinition) -> dict:
    return {
        "code": d.code,
        "version": d.version,
        "name": dict(d.name),
        "agency": d.agency,
        "summary": dict(d.summary),
        "applicant_types": list(d.applicant_types),
        "time_limit": _limit(d.time_limit),
        "fee_total": f"{d.fee_total():.2f}",
        "url": reverse("services:detail", args=[d.code]),
        "manual_pdf": reverse("services:manual_pdf", args=[d.code]),
        "apply_url": apply_url(d.code),
    }


@router.get("", response=ServicePage, summary="List or search the e-services")
def list_services(request: HttpRequest, filters: Query[SearchQuery]) -> dict:
    """Services matching the words of `q` (Thai segmented into words), best first; all services
    when `q` is empty. Filter by owning agency and by who may apply."""
    lang = translation.get_language() or "th"
    found = catalogue.search(
        filters.q, lang, agency=filters.agency, applicant_type=filters.who.value if filters.who else ""
    )
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "count": len(found),
        "page": filters.page,
        "pages": pages,
        "results": [_summary(d) for d in found[start : start + PAGE_SIZE]],
    }


@router.get("/{code}", response=ServiceDetail, summary="One e-service: its whole citizen's manual")
def get_service(request: HttpRequest, code: str) -> dict:
    d = catalogue.get_definition(code)
    raw = d.raw  # already in the published format (contract A); the schemas below pick the fields
    return {
        **_summary(d),
        **{k: raw.get(k) for k in ("legal_basis", "eligibility", "process", "documents", "steps", "contact")},
        "keywords": raw.get("keywords") or {},
        "fees": raw["fees"],
        "certificate": raw.get("certificate"),
        "published": d.published.isoformat() if d.published else None,
        "schema_url": f"/api/services/{d.code}/schema",
        "content_hash": d.content_hash,
    }


@router.get("/{code}/schema", response=dict, summary="The JSON Schema of the service's application form")
def get_schema(request: HttpRequest, code: str) -> dict:
    """Draft 2020-12 JSON Schema of the application data, with the x-label/x-help/x-prefill keywords
    the portal's form uses."""
    d = catalogue.get_definition(code)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"/api/services/{d.code}/schema",
        "title": d.name.get("en", ""),
        **d.form,
    }
