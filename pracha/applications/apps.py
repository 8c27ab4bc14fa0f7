from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "pracha.applications"
    label = "applications"
    verbose_name = "E-service applications"
