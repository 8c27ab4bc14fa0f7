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
    "unknown_contact_point": _("There is no active unit with code “%(code)s”."),
    "same_contact_point": _("The case is already held by this unit."),
    "assignee_not_officer": _("This person holds no role in the agency that holds the case."),
    "duplicate_id": _("A person with this identification or passport number is already registered."),
    "passport_invalid": _("Enter the passport number: 5 to 20 letters and digits, as in the passport."),
    "nationality_invalid": _("Enter the nationality as a two-letter country code, such as MM, KH or LA."),
    "purpose_required": _("State why you need this person's data (at least a few words); it is recorded."),
    "bad_request": _("The request is not valid: %(detail)s"),
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
