"""Error codes only the applications app raises (merged into ERROR_MESSAGES in AppConfig.ready)."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "application_not_draft": _("This application has been submitted already; it can no longer be changed."),
    "application_not_in_correction": _(
        "The agency has not sent this application back for correction, so it cannot be changed now."
    ),
    "applicant_type_not_allowed": _("This service is not open to applicants of your kind (%(kind)s)."),
    "person_required": _("Sign in with a citizen's account to apply for an e-service."),
    "unknown_page": _("This application form has no page “%(page)s”."),
    "unknown_document": _("This service asks for no document “%(code)s”."),
    "document_required": _("Attach “%(name)s” or fetch it from the agency that keeps it."),
    "document_too_large": _("“%(file)s” is larger than %(max_mb)s MB. Scan it at a lower resolution."),
    "document_type_not_allowed": _("“%(file)s” is not an accepted file type. Accepted: %(accept)s."),
    "document_empty": _("Choose a file to upload."),
    "document_not_fetchable": _("“%(name)s” cannot be fetched from another agency; upload it instead."),
    "consent_needed_for_fetch": _(
        "Tick the box to agree that we fetch “%(name)s” from %(agency)s, or upload the document instead."
    ),
    "fetch_refused": _("We could not fetch “%(name)s”: %(detail)s Upload the document instead."),
    "fee_not_paid": _("Pay the fee of %(amount)s baht first (invoice %(invoice)s)."),
    "form_incomplete": _("Some answers are missing or not valid. Fix the fields marked below."),
    "message_required": _("Write the message."),
    "message_too_long": _("The message may have at most %(max)s characters."),
    "unknown_action": _("There is no action “%(action)s” for this application."),
    "no_id_number_for_fetch": _(
        "Your account has no 13-digit identification number, so the document cannot be fetched. Upload it."
    ),
}
