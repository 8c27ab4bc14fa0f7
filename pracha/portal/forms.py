from django import forms
from django.utils.translation import gettext_lazy as _

from pracha.core.errors import render_message
from pracha.core.thai_id import id_problem, is_valid_phone, normalize_id


class RegisterForm(forms.Form):
    id_number = forms.CharField(
        label=_("13-digit ID number"),
        help_text=_("As on your ID card. Spaces and dashes are fine."),
        max_length=17,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name_th = forms.CharField(label=_("Full name in Thai"), max_length=200)
    name_en = forms.CharField(label=_("Full name in English (optional)"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        help_text=_("For SMS updates, e.g. 0812345678."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    password = forms.CharField(
        label=_("Password"),
        help_text=_("At least 8 characters, not only digits, not like your name or ID."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        problem = id_problem(value)
        if problem:
            raise forms.ValidationError(render_message(problem), code=problem)
        return normalize_id(value)

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        if value and not is_valid_phone(value):
            raise forms.ValidationError(render_message("phone_invalid"), code="phone_invalid")
        return value
