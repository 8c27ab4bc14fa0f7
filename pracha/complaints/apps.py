from pathlib import Path

from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "pracha.complaints"
    label = "complaints"
    verbose_name = "Central complaint system"

    def ready(self) -> None:
        from pracha.workflow.registry import register_process_dir

        register_process_dir(Path(__file__).resolve().parent / "processes")
