from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notification


class FilterForm(forms.Form):
    """The outbox and "my messages" filters (GET)."""

    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Notification.Channel.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Notification.Status.choices]
    )
