"""pracha serve: the production web server (gunicorn) on 127.0.0.1:$PORT (default 8000)."""

import os

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from pracha.wsgi import application


class _Server(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return application


class Command(BaseCommand):
    help = "Run the web server. PORT sets the port; PRACHA_BIND the address (default 127.0.0.1)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workers", type=int, default=int(os.environ.get("PRACHA_WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("PRACHA_WEB_THREADS", "4")))

    def handle(self, *args, workers: int, threads: int, **options) -> None:
        bind = f"{os.environ.get('PRACHA_BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        self.stdout.write(f"Pracha is serving at http://{bind}/")
        _Server({"bind": bind, "workers": workers, "threads": threads, "accesslog": "-", "timeout": 60}).run()
