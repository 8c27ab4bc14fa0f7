from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "pracha.notify"
    label = "notify"
