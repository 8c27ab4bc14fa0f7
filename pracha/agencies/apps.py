from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "pracha.agencies"
    label = "agencies"
    verbose_name = "Agencies and geography"
