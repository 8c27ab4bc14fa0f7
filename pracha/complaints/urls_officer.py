from django.urls import path

from . import views_officer as views

urlpatterns = [
    path("", views.queue, name="officer_queue"),
    path("bulk/", views.bulk, name="officer_bulk"),
    path("backlog/", views.backlog, name="officer_backlog"),
    path("urgent/", views.urgent_board, name="officer_urgent"),
    path("urgent/send/", views.send_issue, name="officer_send_issue"),
    path("dashboard/", views.dashboard, name="officer_dashboard"),
    path("<int:pk>/", views.complaint_page, name="officer_complaint"),
    path("<int:pk>/contact/", views.contact, name="officer_contact"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="officer_attachment"),
    path("<int:pk>/<str:action>/", views.act, name="officer_act"),
]
