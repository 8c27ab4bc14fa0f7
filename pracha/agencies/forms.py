from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("A name, an abbreviation such as กฟน. or DOE, or a code such as MOL.DOE."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind of agency"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *Agency.Kind.choices]


class PostalCodeForm(forms.Form):
    postal = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        max_length=5,
        help_text=_("Five digits, for example 10200."),
        error_messages={"invalid": _("Enter the five digits of a Thai postal code.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
