"""The JSON API under /api (OpenAPI at /api/docs). Every 4xx answer has the one error format."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pracha.core.errors import PrachaError, error_payload
from pracha.core.throttling import AnonThrottle, AuthThrottle
from pracha.settings import PRACHA_RATE_LIMIT_PER_MINUTE

api = NinjaAPI(
    title="Pracha API",
    version="1",
    description="Pracha (ประชา). Every 4xx answer: {error: {code, message, messages, fields}}.",
    urls_namespace="api",
    throttle=[
        AnonThrottle(f"{PRACHA_RATE_LIMIT_PER_MINUTE}/m"),
        AuthThrottle(f"{PRACHA_RATE_LIMIT_PER_MINUTE * 2}/m"),
    ],
)


def _answer(request: HttpRequest, status: int, payload: dict) -> HttpResponse:
    return api.create_response(request, payload, status=status)


@api.exception_handler(PrachaError)
def pracha_error(request: HttpRequest, exc: PrachaError) -> HttpResponse:
    return _answer(request, exc.status, exc.payload())


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        if err.get("type") == "json_invalid" or ("JSON" in str(err.get("msg", "")) and not loc):
            return _answer(request, 400, error_payload("malformed_json", detail=err.get("msg", "")))
        fields[".".join(loc) or "body"] = err.get("msg", "invalid")
    return _answer(request, 422, error_payload("validation_error", fields=fields))


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _answer(request, 401, error_payload("not_authenticated"))


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _answer(request, 403, error_payload("permission_denied"))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _answer(request, 404, error_payload("not_found"))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValueError) and exc.status_code == 400:
        # Ninja wraps a body that does not parse (JSONDecodeError, bad UTF-8) in a plain 400.
        return _answer(request, 400, error_payload("malformed_json", detail=str(exc.__cause__)))
    code = {
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
    }.get(exc.status_code, "bad_request")
    return _answer(request, exc.status_code, error_payload(code, detail=str(exc)))


def unknown_path(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any /api/ address that no router answers: a 404 in the one error format, not an HTML page."""
    return _answer(request, 404, error_payload("not_found"))


def _mount() -> None:
    from pracha.agencies.api import router as agencies
    from pracha.applications.api import router as applications
    from pracha.audit.api import router as audit
    from pracha.complaints.api_officer import router as complaints_officer
    from pracha.complaints.api_public import router as complaints_public
    from pracha.consent.api import router as consent
    from pracha.credentials.api import router as credentials
    from pracha.exchange.api import router as exchange
    from pracha.identity.api import router as identity
    from pracha.notify.api import router as notify
    from pracha.payments.api import router as payments
    from pracha.services.api import router as services
    from pracha.workflow.api import router as workflow

    api.add_router("/agencies", agencies, tags=["agencies"])
    api.add_router("/identity", identity, tags=["identity"])
    api.add_router("/workflow", workflow, tags=["workflow"])
    api.add_router("/notify", notify, tags=["notify"])
    api.add_router("/audit", audit, tags=["audit"])
    api.add_router("/complaints", complaints_public, tags=["complaints"])
    api.add_router("/complaints/officer", complaints_officer, tags=["complaints (officers)"])
    api.add_router("/services", services, tags=["e-services"])
    api.add_router("/applications", applications, tags=["e-service applications"])
    api.add_router("/payments", payments, tags=["payments"])
    api.add_router("/credentials", credentials, tags=["credentials"])
    api.add_router("/consent", consent, tags=["consent"])
    api.add_router("/exchange", exchange, tags=["exchange"])


_mount()
