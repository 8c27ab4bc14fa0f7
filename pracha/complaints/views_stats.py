"""The public statistics page of the complaint system, and the charting library it uses, served from
this server (plotly.js as shipped inside the plotly Python package: no CDN, no build step)."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache

import plotly
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from . import dashboards


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, bytes, str]:
    """(plain, gzipped, etag) of plotly.min.js, read once per process."""
    from plotly.offline import get_plotlyjs

    plain = get_plotlyjs().encode()
    return plain, gzip.compress(plain, compresslevel=9), hashlib.sha256(plain).hexdigest()[:32]


def plotly_url() -> str:
    """A versioned address, so browsers may keep the file for a year."""
    return reverse("complaints:plotly_js", kwargs={"version": plotly.__version__})


def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    if version != plotly.__version__:
        raise Http404
    plain, packed, etag = _plotly_js()
    if request.headers.get("If-None-Match") == f'"{etag}"':
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(packed, content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(plain, content_type="text/javascript; charset=utf-8")
    response["ETag"] = f'"{etag}"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def public_stats(request: HttpRequest) -> HttpResponse:
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() else 365
    found = dashboards.public_figures(days)
    return render(
        request,
        "complaints/stats/public.html",
        {
            "figures": found,
            "charts": dashboards.charts(found),
            "periods": dashboards.PERIODS,
            "plotly_version": plotly.__version__,
        },
    )
