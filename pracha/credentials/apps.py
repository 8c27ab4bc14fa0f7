from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "pracha.credentials"
    label = "credentials"
    verbose_name = "Signed licences and credentials"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from .errors import ERRORS

        ERROR_MESSAGES.update(ERRORS)
