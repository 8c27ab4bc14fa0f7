"""Public pages of the e-service catalogue. Thin: the data comes from catalogue.py and presentation.py."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from pracha.core.errors import PrachaError

from . import catalogue as cat
from .agency_info import agency_info
from .forms import CatalogueSearchForm
from .pdf import manual_pdf as render_manual_pdf
from .presentation import describe_limit, fee_summary, manual

PAGE_SIZE = 10
# What the empty state suggests trying.
EXAMPLES = ("ใบอนุญาต", "ข้าว", "ผู้สูงอายุ", "ดิน", "work permit")


def agency_choices() -> list[tuple[str, str]]:
    codes = sorted({d.agency for d in cat.load_definitions().values()})
    return sorted(((c, str(agency_info(c).name)) for c in codes), key=lambda c: c[1])


def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueSearchForm(request.GET or None, agencies=agency_choices())
    q = agency = who = ""
    if form.is_bound and form.is_valid():
        q, agency, who = form.cleaned_data["q"].strip(), form.cleaned_data["agency"], form.cleaned_data["who"]
    lang = translation.get_language() or "th"
    found = cat.search(q, lang, agency=agency, applicant_type=who) if not form.errors else []
    page_obj = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "service": s,
            "agency": agency_info(s.agency),
            "fee": fee_summary(s),
            "time_limit": describe_limit(s.time_limit),
        }
        for s in page_obj.object_list
    ]
    context = {
        "form": form,
        "q": q,
        "filtered": bool(q or agency or who),
        "page_obj": page_obj,
        "rows": rows,
        "examples": EXAMPLES,
        "total": len(cat.load_definitions()),
    }
    return render(request, "services/catalogue.html", context, status=400 if form.errors else 200)


def _service(code: str) -> cat.ServiceDefinition:
    try:
        return cat.get_definition(code)
    except PrachaError as exc:
        raise Http404(code) from exc


def detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "services/manual.html", {"m": manual(_service(code))})


def manual_pdf(request: HttpRequest, code: str) -> HttpResponse:
    service = _service(code)
    lang = translation.get_language() or "th"
    response = HttpResponse(render_manual_pdf(service, lang), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{service.code}-manual-{lang}.pdf"'
    return response
