"""Pages: the notification outbox (officers who oversee delivery) and a person's own messages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import services
from .forms import FilterForm
from .models import Notification

PAGE_SIZE = 25
STATUS_BADGE = {
    Notification.Status.SENT: "badge-ok",
    Notification.Status.PENDING: "badge-warn",
    Notification.Status.FAILED: "badge-over",
}


def _page(request: HttpRequest, queryset: QuerySet[Notification], full_recipients: bool) -> dict:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "note": note,
            "recipient": services.recipient_for(note, request.user, full=full_recipients),
            "badge": STATUS_BADGE.get(note.status, ""),
        }
        for note in page.object_list
    ]
    return {"page_obj": page, "rows": rows}


def _filters(request: HttpRequest) -> tuple[FilterForm, dict[str, str]]:
    form = FilterForm(request.GET or None)
    if form.is_valid():
        return form, {k: v for k, v in form.cleaned_data.items() if v}
    return form, {}  # an unknown value shows its error beside the filter and lists everything


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    if not services.can_see_outbox(request.user):
        raise PermissionDenied
    form, filters = _filters(request)
    everything = services.outbox(request.user)
    context = {
        "form": form,
        "filtered": bool(filters),
        "counts": services.status_counts(everything),
        # In the demo nothing leaves the machine: say so, since this page is where "sent" messages show.
        "record_only": [
            channel.label
            for channel, setting in (
                (Notification.Channel.EMAIL, "PRACHA_EMAIL_ADAPTER"),
                (Notification.Channel.SMS, "PRACHA_SMS_ADAPTER"),
                (Notification.Channel.LINE, "PRACHA_LINE_ADAPTER"),
            )
            if getattr(settings, setting) == "record"
        ],
        **_page(
            request,
            services.outbox(request.user, **filters).select_related("agency"),
            services.shows_full_recipients(request.user),
        ),
    }
    return render(request, "notify/outbox.html", context, status=400 if form.errors else 200)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    context = {
        "form": form,
        "filtered": bool(filters),
        **_page(request, services.messages_of(request.user, **filters), True),
    }
    return render(request, "notify/mine.html", context, status=400 if form.errors else 200)
