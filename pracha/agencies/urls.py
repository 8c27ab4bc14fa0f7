from django.urls import path
from django.views.generic import TemplateView

app_name = "agencies"

urlpatterns = [
    path("", TemplateView.as_view(template_name="portal/home.html"), name="directory"),
]
