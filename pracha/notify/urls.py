from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("mine/", views.mine, name="mine"),
]
