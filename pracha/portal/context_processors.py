from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"is_officer": bool(user and user.is_authenticated and user.is_officer)}
