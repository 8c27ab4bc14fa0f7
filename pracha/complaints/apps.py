from pathlib import Path

from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "pracha.complaints"
    label = "complaints"
    verbose_name = "Central complaint system"

    def ready(self) -> None:
        from pracha.agencies.signals import registry_changed
        from pracha.workflow.registry import register_process_dir

        from . import routing

        registry_changed.connect(routing.forget_units, dispatch_uid="complaints_routing_units")

        register_process_dir(Path(__file__).resolve().parent / "processes")
