"""Error codes of the exchange hub (merged into pracha.core.errors.ERROR_MESSAGES at start-up)."""

from django.utils.translation import gettext_lazy as _

ERROR_MESSAGES = {
    "exchange_unknown_service": _("There is no data service with code “%(code)s” in the exchange directory."),
    "exchange_not_member": _(
        "This system is not an approved member of the data exchange. Ask the hub administrator to approve it."
    ),
    "exchange_not_granted": _(
        "Your system has no grant for the service “%(service)s”. Ask the data owner for access through "
        "the exchange directory."
    ),
    "exchange_grant_expired": _(
        "Your grant for the service “%(service)s” ended on %(until)s. Ask the data owner for a new period."
    ),
    "exchange_grant_not_started": _("Your grant for the service “%(service)s” starts on %(since)s."),
    "exchange_purpose_not_granted": _(
        "The purpose “%(purpose)s” is not granted for the service “%(service)s”. Granted purposes: "
        "%(granted)s."
    ),
    "exchange_purpose_required": _("State the purpose of the call (the purpose code of your grant)."),
    "exchange_field_not_granted": _(
        "These fields are not granted to you for this purpose: %(missing)s. Granted fields: %(granted)s."
    ),
    "exchange_consent_required": _(
        "The person has not given consent “%(agreement)s”, which this service needs, or has withdrawn it."
    ),
    "exchange_provider_unavailable": _(
        "The data owner's system did not answer (%(detail)s). Try again later; the call is recorded."
    ),
    "exchange_record_not_found": _("The data owner has no record for this person."),
    "exchange_token_invalid": _(
        "Send a valid access token from the client-credentials grant: “Authorization: Bearer <token>”."
    ),
    "exchange_scope_required": _("The access token does not carry the scope “%(scope)s”."),
    "exchange_member_exists": _("A system with the code “%(code)s” is already registered."),
    "exchange_decision_made": _("This has already been decided."),
    "exchange_not_provider": _("Only an approved provider system of your agency can publish a service."),
    "exchange_fields_required": _("Choose at least one field."),
    "exchange_unknown_field": _("The service has no field “%(field)s”."),
    "exchange_period_invalid": _("The end of the period must be after its start, and not in the past."),
    "exchange_batch_ids_invalid": _("Give ID numbers (13 digits each), or a date for records changed since."),
    "exchange_batch_not_ready": _("The extract is not ready yet: %(done)s records so far."),
    "exchange_credentials_unavailable": _(
        "Client credentials cannot be issued yet: the Digital ID provider is not set up."
    ),
    "exchange_service_code_invalid": _(
        "Use a code of lower-case letters, digits, dots, dashes and underscores, "
        "such as dopa.population_record."
    ),
    "exchange_openapi_invalid": _("The OpenAPI description must be a JSON object: %(detail)s"),
}
