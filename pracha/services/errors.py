"""Error codes of the e-service catalogue (merged into pracha.core.errors.ERROR_MESSAGES at start-up)."""

from django.utils.translation import gettext_lazy as _

ERROR_MESSAGES = {
    "unknown_service": _("There is no e-service with code “%(code)s”. See the catalogue at /services/."),
    "service_form_required": _("This field is required."),
    "service_form_invalid_type": _("This value is not of the right kind (text, number or yes/no)."),
    "service_form_too_long": _("This is too long. Please shorten it."),
    "service_form_too_short": _("This is too short. Please add more detail."),
    "service_form_invalid_choice": _("Choose one of the options offered."),
    "service_form_must_confirm": _("Tick this box to confirm; the service cannot go on without it."),
    "service_form_pattern": _("This is not in the expected form. See the hint under the field."),
    "service_form_too_small": _("This number is too small."),
    "service_form_too_large": _("This number is too large."),
    "service_form_invalid_number": _("Enter a whole number of the given steps."),
    "service_form_invalid_date": _("Enter a real date as day, month and year."),
    "service_form_invalid_format": _("This is not in the expected form (e.g. an e-mail or web address)."),
    "service_form_unknown_field": _("This service's form has no such field."),
    "service_form_invalid": _("This value is not valid."),
}
