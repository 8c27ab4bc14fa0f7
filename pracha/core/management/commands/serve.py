"""pracha serve: the production web server (Granian, decision 0011) on 127.0.0.1:$PORT (default 8000)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand
from granian.constants import Interfaces
from granian.server import Server


class Command(BaseCommand):
    help = (
        "Run the web server. PORT sets the port, PRACHA_BIND the address (default 127.0.0.1); "
        "PRACHA_ACCESS_LOG=1 logs every request (off: the reverse proxy keeps the access log)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.PRACHA_WEB_WORKERS,
            help="worker processes (PRACHA_WEB_WORKERS, default 2)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.PRACHA_WEB_THREADS,
            help="threads running Django in each worker (PRACHA_WEB_THREADS, default 2)",
        )

    def handle(self, *args, workers: int, threads: int, **options) -> None:
        address, port = os.environ.get("PRACHA_BIND", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
        self.stdout.write(f"Pracha is serving at http://{address}:{port}/")
        self.stdout.flush()
        Server(
            "pracha.wsgi:application",
            address=address,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # One Rust I/O thread per worker: the Python threads are the ones that need the cores.
            runtime_threads=1,
            log_access=settings.PRACHA_ACCESS_LOG,
            # A worker that dies (out of memory, a crash in a C library) is replaced, as gunicorn did.
            respawn_failed_workers=True,
            workers_kill_timeout=60,
        ).serve()
