"""The exchange directory as JSON (/api/exchange): what services there are, their fields' classes and
lawful basis. Public, like the directory page; calls and extracts go through /exchange/hub/ (Bearer)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import services
from .models import ProviderService

router = Router()


class FieldOut(Schema):
    name: str
    classification: str = Field(..., description="public, internal, personal or sensitive")
    th: str
    en: str


class ServiceOut(Schema):
    code: str
    name_th: str
    name_en: str
    provider_agency: str
    lawful_basis: str = Field(..., description="the usual basis; each grant names its own")
    consent_agreement: str
    fields: list[FieldOut]
    call: str = Field(..., description="the hub's address for one person's record")

    @staticmethod
    def resolve_provider_agency(obj: ProviderService) -> str:
        return obj.provider.agency.code

    @staticmethod
    def resolve_call(obj: ProviderService) -> str:
        return f"/exchange/hub/{obj.code}/{{id_number}}?purpose={{purpose}}&fields={{fields}}"


@router.get("/services", response=list[ServiceOut], summary="Search the data exchange directory")
@paginate(PageNumberPagination, page_size=25)
def list_services(request: HttpRequest, q: str = ""):
    return services.search_services(q[:100])


@router.get("/services/{code}", response=ServiceOut, summary="One data service")
def get_service(request: HttpRequest, code: str):
    return services.get_service(code)


@router.get("/services/{code}/openapi", summary="The provider's OpenAPI description, as published")
def get_openapi(request: HttpRequest, code: str) -> dict:
    return services.get_service(code).openapi
