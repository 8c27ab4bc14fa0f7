from pathlib import Path

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "pracha.applications"
    label = "applications"
    verbose_name = "E-service applications"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES
        from pracha.payments.services import on_settled, on_subject_link
        from pracha.workflow.registry import register_process_dir

        from . import services
        from .errors import MESSAGES
        from .models import SUBJECT_TYPE

        ERROR_MESSAGES.update(MESSAGES)
        register_process_dir(Path(__file__).resolve().parent / "processes")
        on_settled(SUBJECT_TYPE)(services.settled)
        on_subject_link(SUBJECT_TYPE)(services.invoice_link)
