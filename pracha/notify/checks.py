"""Start-up checks (`pracha check`, and every management command): a delivery misconfiguration shows
at start-up, not as a queue of failing jobs."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def delivery_settings(app_configs, **kwargs) -> list[Error]:
    from .delivery import ADAPTER_SETTINGS, ADAPTERS

    problems = []
    for channel, setting in ADAPTER_SETTINGS.items():
        name = getattr(settings, setting, "")
        if (channel, name) not in ADAPTERS:
            known = ", ".join(sorted(n for c, n in ADAPTERS if c == channel))
            problems.append(
                Error(f"{setting}={name!r} is not a {channel} adapter ({known})", id="notify.E001")
            )
    if settings.PRACHA_SMS_ADAPTER == "http" and not (settings.PRACHA_SMS_URL and settings.PRACHA_SMS_TOKEN):
        problems.append(
            Error("The http SMS adapter needs PRACHA_SMS_URL and PRACHA_SMS_TOKEN.", id="notify.E002")
        )
    if settings.PRACHA_LINE_ADAPTER == "line" and not settings.PRACHA_LINE_CHANNEL_ACCESS_TOKEN:
        problems.append(Error("The line adapter needs PRACHA_LINE_CHANNEL_ACCESS_TOKEN.", id="notify.E003"))
    return problems
