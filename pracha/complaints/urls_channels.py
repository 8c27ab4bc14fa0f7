"""Channels that are not pages: Open311 GeoReport v2 and the LINE Messaging API webhook."""

from django.urls import path, re_path

from . import line, open311

# Resources end in .{format}; a format we do not speak still reaches the view, which answers with the
# spec's error instead of a page.
_FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"
_OPEN311 = r"^open311/v2/"

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
    path("line/webhook", line.webhook, name="line-webhook"),
]
