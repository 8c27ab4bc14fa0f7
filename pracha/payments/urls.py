from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("invoices/<str:number>/", views.invoice, name="invoice"),
    path("invoices/<str:number>/demo-pay/", views.demo_pay, name="demo_pay"),
    path("invoices/<str:number>/cancel/", views.cancel, name="cancel"),
    path("receipts/<str:number>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("held/", views.held, name="held"),
    path("held/<int:pk>/decide/", views.decide, name="decide"),
    path("reconciliation/", views.reconciliation_report, name="reconciliation"),
    path("reconciliation.csv", views.reconciliation_csv, name="reconciliation_csv"),
]
