from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "pracha.services"
    label = "services"
    verbose_name = "E-services catalogue and applications"
