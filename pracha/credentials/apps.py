from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "pracha.credentials"
    label = "credentials"
    verbose_name = "Signed licences and credentials"
