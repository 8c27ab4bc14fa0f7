from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/history.json", views.history_json, name="history_json"),
    path("my-data/<str:code>/give/", views.give, name="give"),
    path("my-data/<str:code>/withdraw/", views.withdraw, name="withdraw"),
]
