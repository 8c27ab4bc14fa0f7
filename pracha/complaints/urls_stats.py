from django.urls import path

from . import views_stats

urlpatterns = [
    path("stats/", views_stats.public_stats, name="stats"),
    path("plotly-<str:version>.min.js", views_stats.plotly_js, name="plotly_js"),
]
