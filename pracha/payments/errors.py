"""Error messages of the payments app (merged into pracha.core.errors.ERROR_MESSAGES at start-up)."""

from django.utils.translation import gettext_lazy as _

ERROR_MESSAGES = {
    "invoice_not_found": _("There is no invoice with number “%(number)s”."),
    "invoice_items_required": _("An invoice needs at least one fee."),
    "invoice_amount_invalid": _(
        "Each fee must be an amount in baht with at most two decimals, and the total more than zero."
    ),
    "invoice_label_required": _("Each fee needs a name in Thai and in English."),
    "invoice_payer_required": _("Give the payer's name."),
    "invoice_not_open": _("Only an invoice awaiting payment can be cancelled; this one is “%(state)s”."),
    "promptpay_not_configured": _(
        "No PromptPay biller ID is set for agency “%(agency)s”, so no QR code can be made. "
        "Set PRACHA_PROMPTPAY_BILLERS."
    ),
    "payment_gateway_not_configured": _(
        "Payment callbacks are not accepted: the gateway secret (PRACHA_PAYMENT_GATEWAY_SECRET) is not set."
    ),
    "callback_signature_missing": _(
        "Sign the request: put the HMAC-SHA256 of the body, in hexadecimal, in the X-Pracha-Signature header."
    ),
    "callback_signature_invalid": _("The X-Pracha-Signature header does not match the body."),
    "callback_stale": _(
        "The callback's timestamp is more than %(tolerance)s seconds from now. Send it again with the "
        "current time (a replayed callback is refused)."
    ),
    "callback_idempotency_key_invalid": _(
        "The Idempotency-Key header may have at most 100 letters, digits, dots, hyphens and underscores."
    ),
    "callback_idempotency_key_reused": _(
        "This Idempotency-Key was used for another payment. Use a new key for each transaction."
    ),
    "callback_transaction_conflict": _(
        "Transaction “%(transaction_id)s” was already reported with another invoice or amount."
    ),
    "callback_unknown_invoice": _("There is no invoice with number “%(number)s” (ref1)."),
    "callback_currency": _("Only payments in Thai baht (THB) are accepted."),
    "payment_not_found": _("There is no such payment."),
    "payment_not_waiting": _("This payment is not waiting for a decision; it is “%(state)s”."),
    "payment_cannot_approve": _(
        "This payment cannot be applied: its invoice is “%(state)s”. Refund it instead."
    ),
    "decision_invalid": _("Choose whether to apply or to refund the payment."),
    "receipt_not_found": _("There is no receipt with number “%(number)s”."),
    "date_invalid": _("Enter the date as YYYY-MM-DD, for example 2026-11-24."),
}
