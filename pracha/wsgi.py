import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pracha.settings")
_django = get_wsgi_application()

# Keys the server sets from the request itself (PEP 3333): kept even when a process variable matches.
_REQUEST_KEYS = frozenset(
    {"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH"}
    | {"SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT"}
)


def without_process_environment(environ: dict[str, Any], process_env: dict[str, str]) -> dict[str, Any]:
    """The request's environ less the variables of the server's process. Granian, like wsgiref, starts
    every environ from the process environment (decision 0011): `request.META` would then carry the
    database URL and keys into error reports, and a variable named `HTTP_…` would look like a header
    the client sent."""
    for key in process_env.keys() & environ.keys():
        if key not in _REQUEST_KEYS and not key.startswith("wsgi.") and environ[key] == process_env[key]:
            del environ[key]
    return environ


_PROCESS_ENV = dict(os.environ)  # read once: os.environ decodes every key on each look


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    return _django(without_process_environment(environ, _PROCESS_ENV), start_response)
