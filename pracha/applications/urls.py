from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/<slug:service_code>/", views.start, name="start"),
    path("drafts/<int:pk>/discard/", views.discard, name="discard"),
    path("drafts/<int:pk>/<str:step>/", views.wizard, name="wizard"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("officer/", views.officer_inbox, name="officer_inbox"),
    path("officer/<int:pk>/", views.officer_application, name="officer_application"),
    path("officer/<int:pk>/act/", views.officer_act, name="officer_act"),
    path("compliance/", views.compliance, name="compliance"),
    path("<str:reference>/", views.status, name="status"),
    path("<str:reference>/licence.pdf", views.licence, name="licence"),
    path("<str:reference>/messages/", views.message, name="message"),
    path("<str:reference>/withdraw/", views.withdraw, name="withdraw"),
]
