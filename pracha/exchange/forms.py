"""Forms of the hub's pages (validation messages in Thai and English; services re-check everything)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BatchExtract, LawfulBasis, Member


class MemberForm(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"))
    name = forms.CharField(label=_("Name of the system"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Lower-case letters, digits and dashes, e.g. moi-dopa-registry."),
    )
    role = forms.ChoiceField(label=_("Role in the exchange"), choices=Member.Role.choices)
    contact_email = forms.EmailField(label=_("Technical contact e-mail"))
    description = forms.CharField(
        label=_("What the system does"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, f"{a.name} ({a.code})") for a in agencies]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when refusing; the requester sees it."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"), widget=forms.Textarea(attrs={"rows": 2}), min_length=3
    )


class AccessRequestForm(forms.Form):
    consumer = forms.ChoiceField(label=_("Your system"))
    purpose = forms.SlugField(
        label=_("Purpose code"),
        max_length=60,
        help_text=_("The code your system sends with each call, e.g. eservice-application."),
    )
    purpose_text = forms.CharField(
        label=_("Purpose and legal basis, in words"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        help_text=_("Citizens see this on their “my data” page."),
    )
    fields = forms.MultipleChoiceField(label=_("Fields"), widget=forms.CheckboxSelectMultiple)
    lawful_basis = forms.ChoiceField(label=_("Lawful basis"), choices=LawfulBasis.choices)
    consent_agreement = forms.CharField(
        label=_("Consent agreement code"),
        max_length=100,
        required=False,
        help_text=_(
            "Only with consent: the agreement the person gives, e.g. eservice.dopa.population_record."
        ),
    )
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, consumers=(), service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consumer"].choices = [(m.pk, f"{m.name} ({m.agency.code})") for m in consumers]
        self.fields["fields"].choices = [
            (f["name"], f"{service.field_label(f['name'])} ({f['name']})") for f in service.fields
        ]
        self.fields["lawful_basis"].initial = service.lawful_basis
        self.fields["consent_agreement"].initial = service.consent_agreement
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = today.replace(year=today.year + 1)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", _("The end of the period must be after its start."))
        if data.get("lawful_basis") == LawfulBasis.CONSENT and not data.get("consent_agreement"):
            self.add_error("consent_agreement", _("Name the consent agreement."))
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.cleaned_data["valid_from"], dt.time.min, tz)
        end = dt.datetime.combine(self.cleaned_data["valid_until"], dt.time.min, tz) + dt.timedelta(days=1)
        return start, end


class ExtractForm(forms.Form):
    grant = forms.ChoiceField(label=_("Grant"))
    mode = forms.ChoiceField(
        label=_("Which records"),
        choices=[("ids", _("These ID numbers")), ("since", _("All records changed since a date"))],
        widget=forms.RadioSelect,
        initial="ids",
    )
    ids = forms.CharField(
        label=_("ID numbers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One 13-digit number per line."),
    )
    changed_since = forms.DateField(
        label=_("Changed since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file_format = forms.ChoiceField(label=_("File format"), choices=BatchExtract.Format.choices)

    def __init__(self, *args, grants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grant"].choices = [
            (g.pk, f"{g.service.name} · {g.purpose} · {g.consumer.name}") for g in grants
        ]

    def clean(self):
        data = super().clean()
        if data.get("mode") == "ids":
            data["id_list"] = [line.strip() for line in data.get("ids", "").split() if line.strip()]
            if not data["id_list"]:
                self.add_error("ids", _("Give at least one ID number."))
        elif data.get("mode") == "since" and not data.get("changed_since"):
            self.add_error("changed_since", _("Give the date."))
        return data
