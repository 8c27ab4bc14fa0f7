"""Forms of the Digital ID pages: sign-in, one-time codes, identity proofing."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from pracha.core.thai_id import normalize_id


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label=_("13-digit ID number or officer username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        # People type their ID with dashes or spaces as printed on the card.
        digits = normalize_id(value)
        return digits if len(digits) == 13 and not value.isalpha() else value


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        help_text=_("Lost your phone? Enter one of your recovery codes instead."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ConfirmCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code the app shows"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RegistryCheckForm(forms.Form):
    birth_date = forms.DateField(
        label=_("Date of birth"),
        help_text=_("As on your ID card (Christian-era date, e.g. 1990-05-31)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    house_registration_no = forms.CharField(
        label=_("House registration number (optional)"),
        help_text=_(
            "The 11-digit house code in your house registration book (ทะเบียนบ้าน): gives level IAL2.2."
        ),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
