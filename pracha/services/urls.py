from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/manual.pdf", views.manual_pdf, name="manual_pdf"),
]
