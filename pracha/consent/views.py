"""The "my data" page: a signed-in person's consents, the uses of their data without consent, and every
exchange that used their data. It only ever shows the signed-in account's own person."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pracha.core.errors import PrachaError, render_message
from pracha.identity.models import Person

from . import services
from .api import agreement_out, record_out

USES_PER_PAGE = 10
HISTORY_ROWS = 20  # the rest is in the JSON download
OUTCOME_BADGE = {"ok": "badge-ok", "refused": "badge-over", "failed": "badge-warn"}
STATUS_BADGE = {"given": "badge-ok", "renew": "badge-warn", "withdrawn": "badge-over", "never": ""}


@dataclass(frozen=True)
class UsePage:
    """One page of data uses (the sources page themselves, so Django's Paginator is not used)."""

    uses: list[dict]
    number: int
    num_pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _uses_page(person: Person, number: int) -> UsePage:
    uses, total = services.data_uses(person, (number - 1) * USES_PER_PAGE, USES_PER_PAGE)
    num_pages = max(1, -(-total // USES_PER_PAGE))
    if number > num_pages:  # a stale link past the end shows the last page
        number = num_pages
        uses, total = services.data_uses(person, (number - 1) * USES_PER_PAGE, USES_PER_PAGE)
    labels = {"ok": _("Data sent"), "refused": _("Refused"), "failed": _("Failed")}
    rows = [
        {"use": u, "outcome": labels.get(u.outcome, u.outcome), "badge": OUTCOME_BADGE.get(u.outcome, "")}
        for u in uses
    ]
    return UsePage(rows, number, num_pages, total)


def _context(request: HttpRequest, person: Person | None, errors: dict[str, str] | None = None) -> dict:
    if person is None:
        return {"person": None}
    errors = errors or {}
    states = [
        {"state": s, "badge": STATUS_BADGE[s.status], "error": errors.get(s.code, "")}
        for s in services.consents_of(person)
    ]
    return {
        "person": person,
        "states": states,
        "without_consent": services.agreements(needs_consent=False),
        "uses": _uses_page(person, _page_number(request)),
        "history": _history_rows(person),
    }


def _history_rows(person: Person) -> list[dict]:
    """The latest revisions, each with its agreement's title (the code means little to a person)."""
    titles = {a.code: a.title_text for a in services.agreements()}
    return [
        {"record": r, "title": titles.get(r.agreement_code, r.agreement_code)}
        for r in services.history(person)[:HISTORY_ROWS]
    ]


def _person(request: HttpRequest) -> Person | None:
    return getattr(request.user, "person", None)


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/my_data.html", _context(request, _person(request)))


def _act(request: HttpRequest, code: str, give: bool) -> HttpResponse:
    person = _person(request)
    if person is None:
        return render(request, "consent/my_data.html", {"person": None}, status=403)
    errors: dict[str, str] = {}
    if request.POST.get("confirm") != "yes":
        errors[code] = render_message("consent_confirm_required")
    else:
        try:
            if give:
                record = services.give(person, code, channel="web", actor=request.user)
            else:
                record = services.withdraw(
                    person, code, channel="web", actor=request.user, reason=request.POST.get("reason", "")
                )
        except PrachaError as exc:
            if exc.status == 404:
                raise Http404(code) from exc
            errors[code] = render_message(exc.code, **exc.params)
        else:
            title = services.agreement(code).title_text
            if give:
                messages.success(request, _("You gave consent: %(title)s.") % {"title": title})
            else:
                messages.success(
                    request, _("You withdrew consent: %(title)s. It takes effect now.") % {"title": title}
                )
            return redirect(f"{reverse('consent:my_data')}#consent-{record.agreement_code}")
    context = _context(request, person, errors)
    return render(request, "consent/my_data.html", context, status=400)


@login_required
@require_POST
def give(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, give=True)


@login_required
@require_POST
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, give=False)


@login_required
def history_json(request: HttpRequest) -> HttpResponse:
    """The person's consent history with the agreements' text, as a file they can keep (PDPA s.30)."""
    person = _person(request)
    if person is None:
        return JsonResponse({"error": {"code": "consent_person_required"}}, status=403)
    records = services.history(person)
    versions = sorted({(r.agreement_code, r.agreement_version) for r in records})
    body = {
        "generated_at": timezone.now().isoformat(),
        "person": {"id_number": person.id_number, "name_th": person.name_th, "name_en": person.name_en},
        "consents": [record_out(r) for r in records],
        # The exact text of each version consented to or withdrawn from.
        "agreements": [agreement_out(services.agreement(c, version=v)) for c, v in versions],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="pracha-consent-history.json"'
    return response
