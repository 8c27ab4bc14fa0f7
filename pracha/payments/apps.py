from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "pracha.payments"
    label = "payments"
    verbose_name = "Payments (invoices, PromptPay, receipts)"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from . import jobs  # noqa: F401  (registers the payments.settled job)
        from .errors import ERROR_MESSAGES as PAYMENT_MESSAGES

        ERROR_MESSAGES.update(PAYMENT_MESSAGES)
