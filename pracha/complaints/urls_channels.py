"""Channels that are not pages: Open311 GeoReport v2 and the LINE Messaging API webhook."""

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from . import open311

# Resources end in .{format}; a format we do not speak still reaches the view, which answers with the
# spec's error instead of a page.
_FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"
_OPEN311 = r"^open311/v2/"


@csrf_exempt
def line_webhook(request: HttpRequest) -> HttpResponse:
    """LINE's SDK takes seconds to import: every web process would pay for it at start-up (and every
    test run at its first request), so it is loaded by the first webhook call instead."""
    from . import line

    return line.webhook(request)


urlpatterns = [
    re_path(_OPEN311 + r"discovery" + _FMT, open311.discovery_view, name="open311-discovery"),
    re_path(_OPEN311 + r"services" + _FMT, open311.services_view, name="open311-services"),
    re_path(
        _OPEN311 + r"services/(?P<code>[^/]+?)" + _FMT,
        open311.service_definition_view,
        name="open311-service",
    ),
    re_path(_OPEN311 + r"requests" + _FMT, open311.requests_view, name="open311-requests"),
    re_path(
        _OPEN311 + r"requests/(?P<request_id>[^/]+?)" + _FMT, open311.request_view, name="open311-request"
    ),
    path("line/webhook", line_webhook, name="line-webhook"),
]
