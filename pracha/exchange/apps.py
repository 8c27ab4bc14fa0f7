from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "pracha.exchange"
    label = "exchange"
    verbose_name = "Government Data Exchange hub"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        from . import batch, quality_runs  # noqa: F401  (register the extract and quality jobs)
        from .errors import ERROR_MESSAGES as EXCHANGE_MESSAGES

        ERROR_MESSAGES.update(EXCHANGE_MESSAGES)
        try:
            from pracha.consent.services import register_data_use_source
        except ImportError:  # the consent app is not installed: no "my data" page to feed
            return
        from .my_data import data_uses

        register_data_use_source(data_uses)
