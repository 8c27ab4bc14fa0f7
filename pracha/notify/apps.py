from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "pracha.notify"
    label = "notify"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the delivery settings check)
