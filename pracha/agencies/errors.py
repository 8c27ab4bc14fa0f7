"""Error codes only the agencies app raises (merged into ERROR_MESSAGES in AgenciesConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ERRORS = {
    "no_local_body": _(
        "No local government is recorded for the place “%(code)s”. Load the agency data first."
    ),
    "no_place_at_pin": _(
        "We cannot tell which subdistrict this point is in. Choose the province, district and subdistrict."
    ),
}
