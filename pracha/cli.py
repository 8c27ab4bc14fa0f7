"""The `pracha` command: Django's management commands under one name.

pracha demo               set up the demo database and run server + worker
pracha serve              run the web server (Granian)
pracha worker             run the background worker (jobs, notifications, sweeps)
pracha audit verify       re-compute the audit hash chain
pracha <any django command, e.g. migrate, createsuperuser, load-agencies>
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pracha.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    if args[:1] == ["demo"]:
        os.environ.setdefault("PRACHA_DEMO", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pracha", *args])


if __name__ == "__main__":
    main()
