from django.urls import path

from . import hub_views, views

app_name = "exchange"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("services/<str:code>/", views.service_detail, name="service"),
    path("services/<str:code>/openapi.json", views.service_openapi, name="service_openapi"),
    path("services/<str:code>/request/", views.request_new, name="request_new"),
    path("members/", views.members, name="members"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("transactions/", views.transactions, name="transactions"),
    path("quality/", views.quality, name="quality"),
    path("extracts/", views.extracts, name="extracts"),
    path("extracts/<int:pk>/", views.extract_detail, name="extract"),
    path("extracts/<int:pk>/download/", views.extract_download, name="extract_download"),
    # The machine interface for agency systems (Bearer token); batches before the catch-all call path.
    path("hub/batches/", hub_views.hub_batch_create, name="hub_batch_create"),
    path("hub/batches/<int:pk>/", hub_views.hub_batch_status, name="hub_batch_status"),
    path("hub/batches/<int:pk>/file", hub_views.hub_batch_file, name="hub_batch_file"),
    path("hub/<str:service_code>/<str:id_number>", hub_views.hub_call, name="hub_call"),
]
