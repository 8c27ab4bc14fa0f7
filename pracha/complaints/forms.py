"""Forms of the public complaint pages and of the officers' filing forms (hotline, counter, mail).

The forms only collect and render; every rule (lengths, file types, the place, contacts) is checked
once, in services.file_complaint, whose field errors are put back on these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pracha.agencies import services as agencies
from pracha.core.errors import PrachaError, render_message

from . import services
from .models import Channel

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,.heic"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each checked by the intake service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


def _place_choices(data: Any) -> tuple[list, list, list]:
    """Province, district and subdistrict options: the lower lists follow what is chosen above."""
    province = (data.get("province") or "") if data else ""
    district = (data.get("district") or "") if data else ""
    provinces = [("", _("Choose a province"))] + [(p.code, p.name) for p in agencies.provinces()]
    districts = [("", _("Choose a province first"))]
    subdistricts = [("", _("Choose a district first"))]
    try:
        if province:
            districts = [("", _("Choose a district"))] + [
                (d.code, d.name) for d in agencies.districts_of(province)
            ]
        if district and district.startswith(province):
            subdistricts = [("", _("Choose a subdistrict"))] + [
                (s.code, s.name) for s in agencies.subdistricts_of(district)
            ]
    except PrachaError:
        pass  # a code that is not a province or district: the lists stay empty, the service says why
    return provinces, districts, subdistricts


class ComplaintForm(forms.Form):
    """The complaint itself, as the web form and the officers' forms share it."""

    text = forms.CharField(
        label=_("What is the problem?"),
        help_text=_("What happened, where exactly and since when. At least 10 characters."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": services.TEXT_MAX}),
    )
    photos = MultipleFileField(
        label=_("Photos (optional)"),
        help_text=_("Up to 5 photos, JPEG, PNG, WebP or HEIC, at most 10 MB each."),
        required=False,
    )
    # Plain text behind select lists: the script may fill the lists from the API, and the intake
    # service is what says whether a code is a real subdistrict.
    province = forms.CharField(label=_("Province"), required=False, max_length=2, widget=forms.Select)
    district = forms.CharField(label=_("District"), required=False, max_length=4, widget=forms.Select)
    subdistrict = forms.CharField(
        label=_("Subdistrict"),
        help_text=_(
            "The agency responsible depends on the place, so choose it if the problem is at a place."
        ),
        required=False,
        max_length=6,
        widget=forms.Select,
    )
    place_text = forms.CharField(
        label=_("Where exactly (optional)"),
        help_text=_("Street, soi, landmark, house number."),
        required=False,
        max_length=services.PLACE_MAX,
    )
    latitude = forms.CharField(
        label=_("Latitude (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.CharField(
        label=_("Longitude (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    anonymous = forms.BooleanField(
        label=_("File anonymously"),
        help_text=_("Your name is not recorded. You follow the complaint with its tracking code."),
        required=False,
    )
    contact_name = forms.CharField(
        label=_("Your name (optional)"), required=False, max_length=services.NAME_MAX
    )
    contact_phone = forms.CharField(
        label=_("Mobile phone for updates"),
        help_text=_("We send an SMS when the complaint moves, e.g. 0812345678."),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.CharField(
        label=_("E-mail for updates"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    # Service field names that are called differently on the form (identity's names, the letter's date).
    FIELD_ALIASES = {
        "name_th": "contact_name",
        "phone": "contact_phone",
        "email": "contact_email",
        "received_at": "received_on",
        "letter": "letter",
    }

    def __init__(self, *args: Any, signed_in: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces, districts, subdistricts = _place_choices(self.data or self.initial)
        self.fields["province"].widget.choices = provinces
        self.fields["district"].widget.choices = districts
        self.fields["subdistrict"].widget.choices = subdistricts
        if signed_in:
            # A signed-in citizen is told through their account; they may still stay anonymous.
            for name in ("contact_name", "contact_phone", "contact_email"):
                del self.fields[name]

    def add_service_errors(self, exc: PrachaError) -> None:
        """Put the intake service's field errors on the form, in the request's language."""
        params = {**services.limits(), **exc.params}
        placed = False
        for field, code in exc.fields.items():
            name = field.split(".")[0]
            name = name if name in self.fields else self.FIELD_ALIASES.get(name, name)
            if name in self.fields:
                if name not in self.errors:
                    self.add_error(name, render_message(code, **params))
                placed = True
        if not placed:
            self.add_error(None, render_message(exc.code, **params))

    def intake_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data.get("text", ""),
            "subdistrict_code": data.get("subdistrict") or None,
            "latitude": data.get("latitude") or None,
            "longitude": data.get("longitude") or None,
            "place_text": data.get("place_text", ""),
            "photos": data.get("photos") or [],
            "anonymous": bool(data.get("anonymous")),
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
            "contact_email": data.get("contact_email", ""),
        }


class OfficerComplaintForm(ComplaintForm):
    """An officer keys in a complaint: from a call (hotline), a person at the counter, or a letter."""

    id_number = forms.CharField(
        label=_("Complainant's 13-digit ID number (optional)"),
        help_text=_("To link the complaint to the person. Looking a person up is recorded."),
        required=False,
        max_length=17,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    register = forms.BooleanField(
        label=_("Register this person if they are not on record yet"),
        help_text=_("Uses the ID number, the name and the contact details above."),
        required=False,
    )
    letter = forms.FileField(
        label=_("Scanned letter"),
        help_text=_("PDF, JPEG or PNG, at most 20 MB."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    received_on = forms.DateField(
        label=_("Date the letter was received"),
        help_text=_("The time limit counts from this day."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["contact_name"].label = _("Complainant's name")
        self.fields["anonymous"].label = _("The complainant does not want to give their name")
        self.fields["anonymous"].help_text = _(
            "No name is recorded. Give the complainant the tracking code to follow the complaint."
        )
        self.fields["text"].label = _("The complaint, in the complainant's words")
        if channel != Channel.MAIL:
            del self.fields["letter"]
            del self.fields["received_on"]
        else:
            self.fields["letter"].required = True
            self.fields["received_on"].required = True
            self.fields["text"].help_text = _("Key in what the letter says; attach its scan above.")
        if channel != Channel.COUNTER:
            del self.fields["register"]
        if channel in (Channel.HOTLINE, Channel.MAIL):
            del self.fields["photos"]  # a call has none; a letter comes as one scan
        # Officers type the place; the map-pin fields are for people standing at the place.
        del self.fields["latitude"]
        del self.fields["longitude"]
