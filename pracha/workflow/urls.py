from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/act/", views.act, name="act"),
    path("cases/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("cases/<int:pk>/assign/", views.assign, name="assign"),
]
