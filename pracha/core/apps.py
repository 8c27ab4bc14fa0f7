from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "pracha.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Each app declares its background jobs and periodic tasks in a `jobs` module.
        autodiscover_modules("jobs")
