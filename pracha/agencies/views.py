"""Public pages of the agency directory. Thin: the data comes from services.py."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pracha.core.errors import PrachaError

from . import services
from .forms import DirectorySearchForm, PostalCodeForm

PAGE_SIZE = 25


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    q, kind = "", ""
    if form.is_bound and form.is_valid():
        q, kind = form.cleaned_data["q"].strip(), form.cleaned_data["kind"]
    page_obj = Paginator(services.search_agencies(q, kind=kind or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    postal_form = PostalCodeForm(request.GET if "postal" in request.GET else None)
    places = []
    if postal_form.is_bound and postal_form.is_valid():
        places = services.places_with_postal_code(postal_form.cleaned_data["postal"])
    context = {
        "form": form,
        "q": q,
        "filtered": bool(q or kind),
        "page_obj": page_obj,
        "postal_form": postal_form,
        "places": places,
    }
    status = 400 if form.errors or postal_form.errors else 200
    return render(request, "agencies/directory.html", context, status=status)


def detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        agency = services.get_agency(code)
    except PrachaError as exc:
        raise Http404(code) from exc
    context = {
        "agency": agency,
        "children": agency.children.filter(active=True).order_by("code"),
        "contact_points": services.contact_points_of(agency.code),
        "areas": services.areas_served(agency),
    }
    return render(request, "agencies/detail.html", context)
