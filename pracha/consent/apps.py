from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "pracha.consent"
    label = "consent"
    verbose_name = "PDPA consent and data agreements"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from .errors import ERRORS

        ERROR_MESSAGES.update(ERRORS)
