from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "pracha.workflow"
    label = "workflow"
    verbose_name = "Workflow engine"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the periodic sweep with the worker)
