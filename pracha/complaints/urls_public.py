"""Public complaint pages (mounted at /complaints/) and the officers' filing forms."""

from django.urls import path

from . import views_public as views

urlpatterns = [
    path("new/", views.new_complaint, name="new"),
    path("filed/<str:code>/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.status, name="status"),
    path("track/<str:code>/confirm/", views.confirm, name="confirm"),
    path("track/<str:code>/reopen/", views.reopen, name="reopen"),
    path("file/<str:channel>/", views.officer_file, name="file"),
]
