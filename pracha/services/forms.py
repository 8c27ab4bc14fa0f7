from django import forms
from django.utils.translation import gettext_lazy as _

from .presentation import APPLICANT_TYPES

MAX_QUERY = 100


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(
        label=_("What do you need?"),
        required=False,
        max_length=MAX_QUERY,
        help_text=_("A few words in Thai or English, such as ใบอนุญาตค้าข้าว, ผู้สูงอายุ or work permit."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    who = forms.ChoiceField(label=_("Who can apply"), required=False)

    def __init__(self, *args, agencies: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("All agencies")), *agencies]
        self.fields["who"].choices = [("", _("Anyone")), *APPLICANT_TYPES.items()]
