from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "pracha.identity"
    label = "identity"
    verbose_name = "People and accounts"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from .errors import ERRORS

        ERROR_MESSAGES.update(ERRORS)
