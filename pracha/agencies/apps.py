from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "pracha.agencies"
    label = "agencies"
    verbose_name = "Agencies and geography"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from . import signals
        from .errors import ERRORS
        from .services import forget_areas

        signals.connect()
        signals.registry_changed.connect(forget_areas, dispatch_uid="agencies_areas")

        # Codes only this app raises; they live here so their Thai text is in this app's catalogue.
        for code, message in ERRORS.items():
            ERROR_MESSAGES.setdefault(code, message)
