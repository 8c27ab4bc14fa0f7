from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "pracha.services"
    label = "services"
    verbose_name = "E-services catalogue and applications"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from .errors import ERROR_MESSAGES as OWN

        ERROR_MESSAGES.update(OWN)
