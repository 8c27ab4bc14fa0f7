"""Error codes of the credentials app (merged into core's ERROR_MESSAGES in CredentialsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ERRORS = {
    "credential_not_found": _("There is no credential with the verification ID “%(public_id)s”."),
    "credential_title_required": _("A credential needs a title in Thai."),
    "credential_holder_required": _("A credential needs the holder's name."),
    "credential_dates_invalid": _("The end of validity cannot be before its start."),
    "credential_claims_invalid": _("The claims of a credential must be a mapping of names to values."),
    "credential_already_revoked": _("This credential was already revoked on %(date)s."),
    "credential_not_pdf": _("This file is not a PDF. Upload the licence PDF exactly as you received it."),
    "credential_file_too_large": _("The file may be at most %(mb)s MB."),
    "credential_jws_malformed": _(
        "This is not a signed JSON credential (JWS compact form: three parts separated by dots)."
    ),
    "credential_no_qr": _(
        "No QR code could be read in this picture. Take a sharper, closer photo of the QR."
    ),
    "credential_qr_not_ours": _("This QR code does not lead to a Pracha verification page."),
    "credential_verify_input_required": _(
        "Upload the licence PDF or a photo of its QR code, or paste the JSON credential."
    ),
    "unknown_agency_keys": _("The agency “%(code)s” has no signing keys yet."),
}
