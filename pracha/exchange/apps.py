from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "pracha.exchange"
    label = "exchange"
    verbose_name = "Government Data Exchange hub"
