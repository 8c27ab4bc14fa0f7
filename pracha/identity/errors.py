"""Error messages only the identity app raises (merged into ERROR_MESSAGES in IdentityConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ERRORS = {
    "registry_unavailable": _("The civil registry cannot be reached just now. Try again later."),
    "proofing_needs_id": _("Checking against the civil registry needs an account with a 13-digit ID number."),
    "proofing_mismatch": _(
        "The details do not match the civil registry. Check your birth date, or have your identity "
        "checked at a service counter."
    ),
    "proofing_too_many": _(
        "Too many checks that did not match today. Try again tomorrow or visit a counter."
    ),
    "totp_already_enrolled": _("An authenticator app is already set up for this account."),
    "totp_not_started": _("Start setting up the authenticator app first."),
    "totp_wrong_code": _("That code is not right. Enter the 6-digit code your app shows now."),
    "totp_unreadable": _("Your authenticator app must be set up again. Contact support."),
    "invalid_token": _("The access token is missing, expired or revoked."),
}
