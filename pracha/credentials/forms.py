from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_MB = 10


class VerifyForm(forms.Form):
    """One of three ways in: the PDF, a photo of its QR code, or the JSON credential (JWS)."""

    pdf = forms.FileField(
        label=_("Licence PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    image = forms.ImageField(
        label=_("Photo of the QR code"),
        required=False,
        help_text=_("A photo or screenshot in which the QR code is sharp (JPEG or PNG)."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    jws = forms.CharField(
        label=_("JSON credential (JWS)"),
        required=False,
        help_text=_("For systems: the signed credential, three parts separated by dots."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Interpolated here, per request, so that the text follows the visitor's language.
        self.fields["pdf"].help_text = _("The PDF file exactly as you received it (at most %(mb)s MB).") % {
            "mb": MAX_UPLOAD_MB
        }

    def clean(self):
        data = super().clean()
        for name in ("pdf", "image"):
            upload = data.get(name)
            if upload and upload.size > MAX_UPLOAD_MB * 1024 * 1024:
                self.add_error(name, _("The file may be at most %(mb)s MB.") % {"mb": MAX_UPLOAD_MB})
        if not (data.get("pdf") or data.get("image") or (data.get("jws") or "").strip()) and not self.errors:
            raise forms.ValidationError(
                _("Upload the licence PDF or a photo of its QR code, or paste the JSON credential.")
            )
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        min_length=3,
        max_length=2000,
        help_text=_("Shown on the public verification page, e.g. “Licence withdrawn by order no. 12/2569”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
