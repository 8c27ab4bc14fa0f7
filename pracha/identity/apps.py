from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "pracha.identity"
    label = "identity"
    verbose_name = "People and accounts"
