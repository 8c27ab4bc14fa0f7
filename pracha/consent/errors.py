"""Error codes only the consent app raises (merged into ERROR_MESSAGES in ConsentConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ERRORS = {
    "unknown_agreement": _("There is no data agreement with code “%(code)s”."),
    "consent_person_required": _("Consent is given by a person on record; this account has none."),
    "consent_bad_channel": _("“%(channel)s” is not a channel through which consent can be given."),
    "consent_not_consent_basis": _(
        "The agreement “%(code)s” rests on another lawful basis (%(basis)s), not on consent: there is no "
        "consent to give or withdraw."
    ),
    "consent_not_given": _("You have not given consent to “%(title)s”, so there is nothing to withdraw."),
    "consent_confirm_required": _("Tick the box to confirm that you have read what this means."),
}
