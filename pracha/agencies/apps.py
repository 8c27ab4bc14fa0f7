from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "pracha.agencies"
    label = "agencies"
    verbose_name = "Agencies and geography"

    def ready(self) -> None:
        from pracha.core.errors import ERROR_MESSAGES

        # An error code only this app raises; it lives here so its Thai text is in this app's catalogue.
        ERROR_MESSAGES.setdefault(
            "no_local_body",
            _("No local government is recorded for the place “%(code)s”. Load the agency data first."),
        )
