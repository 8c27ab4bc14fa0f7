from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:public_id>/", views.verify_id, name="verify_id"),
    path("mine/", views.mine, name="mine"),
    path("officer/", views.officer_list, name="officer_list"),
    path("officer/<str:public_id>/revoke/", views.revoke, name="revoke"),
    path("<str:public_id>/download.pdf", views.download_pdf, name="download_pdf"),
    path("<str:public_id>/credential.jws", views.download_jws, name="download_jws"),
]
