from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "pracha.workflow"
    label = "workflow"
