from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .chain import current_actor


class AuditActorMiddleware:
    """Every audit record written while serving a request names the signed-in user as its actor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
        token = current_actor.set(actor)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)
