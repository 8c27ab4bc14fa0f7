from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "pracha.payments"
    label = "payments"
    verbose_name = "Payments (invoices, PromptPay, receipts)"
