"""Pages of the complaint system: the public side (file, follow), the officers' side and the channels
that are not pages (Open311, the LINE webhook). Each part keeps its own URL module."""

from django.urls import include, path

app_name = "complaints"

urlpatterns = [
    path("", include("pracha.complaints.urls_public")),
    path("officer/", include("pracha.complaints.urls_officer")),
    path("", include("pracha.complaints.urls_channels")),
    path("", include("pracha.complaints.urls_stats")),  # public statistics (the officer part's dashboards)
]
