from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "pracha.consent"
    label = "consent"
    verbose_name = "PDPA consent and data agreements"
