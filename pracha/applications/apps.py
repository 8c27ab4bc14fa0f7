from pathlib import Path

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "pracha.applications"
    label = "applications"
    verbose_name = "E-service applications"

    def ready(self) -> None:
        from pracha.workflow.registry import register_process_dir

        register_process_dir(Path(__file__).resolve().parent / "processes")
