"""One error format for every 4xx answer of the platform.

    {"error": {"code": "id_bad_checksum",
               "message": "<in the request's language>",
               "messages": {"th": "...", "en": "..."},
               "fields": {"national_id": "id_bad_checksum"}}}

Messages live in ERROR_MESSAGES (translated through Django i18n), so the API, the forms and the
command line all say the same thing.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

ERROR_MESSAGES: dict[str, Any] = {
    "id_required": _("Enter the 13-digit identification number."),
    "id_not_13_digits": _("The identification number must have exactly 13 digits."),
    "id_bad_checksum": _(
        "This identification number is not valid: its last digit does not match. Check each digit."
    ),
    "phone_invalid": _("Enter a Thai phone number such as 0812345678 or 021234567."),
    "unknown_agency": _("There is no agency with code “%(code)s”. Look up codes at /api/agencies."),
    "unknown_area": _("There is no province, district or subdistrict with code “%(code)s”."),
    "malformed_json": _("The request body is not valid JSON: %(detail)s"),
    "validation_error": _("Some fields are missing or not valid. See “fields” for what to fix."),
    "not_authenticated": _("Sign in first."),
    "permission_denied": _("You do not have permission to do this."),
    "not_found": _("Not found."),
    "rate_limited": _("Too many requests. Wait a minute and try again."),
    "method_not_allowed": _("This method is not allowed here."),
    "unknown_process": _("There is no process with code “%(code)s”."),
    "action_not_allowed": _("The action “%(action)s” cannot be taken on a case in state “%(state)s”."),
    "role_required": _("The action “%(action)s” needs one of these roles: %(roles)s."),
    "reason_required": _("Give a reason for this action."),
    "case_handled_elsewhere": _(
        "This case is handled on its own service's pages, which take the steps it needs: use %(url)s."
    ),
    "unknown_contact_point": _("There is no active unit with code “%(code)s”."),
    "same_contact_point": _("The case is already held by this unit."),
    "assignee_not_officer": _("This person holds no role in the agency that holds the case."),
    "duplicate_id": _("A person with this identification or passport number is already registered."),
    "passport_invalid": _("Enter the passport number: 5 to 20 letters and digits, as in the passport."),
    "nationality_invalid": _("Enter the nationality as a two-letter country code, such as MM, KH or LA."),
    "purpose_required": _("State why you need this person's data (at least a few words); it is recorded."),
    "bad_request": _("The request is not valid: %(detail)s"),
    # Complaints: intake (each message may use any of the intake limits as a parameter).
    "complaint_text_required": _("Describe the problem."),
    "complaint_text_too_short": _(
        "Describe the problem in at least %(text_min)s characters: what, where and since when."
    ),
    "complaint_text_too_long": _("The description may have at most %(text_max)s characters."),
    "too_many_photos": _("Attach at most %(photos_max)s photos."),
    "photo_too_large": _("Each photo may be at most %(photo_mb)s MB; “%(file)s” is larger."),
    "photo_type_not_allowed": _("“%(file)s” is not a JPEG, PNG, WebP or HEIC photo."),
    "letter_too_large": _("The scanned letter may be at most %(letter_mb)s MB."),
    "letter_type_not_allowed": _("The scanned letter must be a PDF, JPEG or PNG file."),
    "location_incomplete": _("Give both the latitude and the longitude of the place, or neither."),
    "location_invalid": _("Latitude and longitude must be numbers in degrees, such as 13.7563 and 100.5018."),
    "location_outside_thailand": _("This point is outside Thailand. Check the latitude and longitude."),
    "email_invalid": _("Enter an e-mail address such as somchai@example.com."),
    "contact_required": _(
        "Give a phone number or e-mail address so that we can tell you the result, or file anonymously."
    ),
    "too_long": _("This is too long. Please shorten it."),
    "received_in_future": _("The date of receipt cannot be in the future."),
    "update_text_required": _("Write the text of the update."),
    "name_required": _("Enter the complainant's name, or mark the complaint as anonymous."),
    "person_not_registered": _(
        "No person with this ID number is on record. Tick “Register this person” to add them."
    ),
    # Complaints: follow-up by the complainant.
    "rating_invalid": _("Choose a rating from 1 (very dissatisfied) to 5 (very satisfied)."),
    "complaint_not_resolved": _(
        "You can confirm or reopen a complaint only after the agency reports a result."
    ),
    "complaint_sign_in_required": _("Sign in with the account you filed this complaint with."),
    "reopen_limit": _(
        "This complaint has been reopened %(max_reopens)s times already. Please file a new complaint "
        "or call 1111."
    ),
}


def render_message(code: str, /, lang: str | None = None, **params: Any) -> str:
    template = ERROR_MESSAGES.get(code, ERROR_MESSAGES["bad_request"])
    # Parameters may be lazy or bilingual (a state's name), so they are rendered in `lang` too.
    with translation.override(lang or translation.get_language() or "th"):
        text = str(template)
        try:
            return text % {k: str(v) for k, v in params.items()} if params else text
        except (KeyError, ValueError, TypeError):
            return text


class PrachaError(Exception):
    """A client error: bad input or a forbidden action. Never becomes a 500."""

    status = 400

    # `code` is positional-only so that a message parameter may also be called `code`:
    # PrachaError("unknown_agency", status=404, code="MOL.X").
    def __init__(
        self, code: str, /, status: int | None = None, fields: dict[str, str] | None = None, **params: Any
    ):
        super().__init__(code)
        self.code = code
        self.params = params
        self.fields = fields or {}
        if status is not None:
            self.status = status

    def payload(self) -> dict[str, Any]:
        return error_payload(self.code, fields=self.fields, **self.params)


def error_payload(code: str, /, fields: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": render_message(code, **params),
            "messages": {lang: render_message(code, lang, **params) for lang in ("th", "en")},
            "fields": fields or {},
        }
    }
