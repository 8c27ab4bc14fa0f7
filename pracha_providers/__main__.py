"""python -m pracha_providers <name> seed --records N --db PATH
python -m pracha_providers <name> serve (--port P | --fd N) --db PATH   (API key in PRACHA_PROVIDER_KEY)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from .app import ProviderApp
from .records import PROVIDERS
from .store import Store, seed


class _Server(BaseApplication):
    def __init__(self, app: ProviderApp, options: dict) -> None:
        self.app, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> ProviderApp:
        return self.app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pracha_providers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", choices=sorted(PROVIDERS))
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed", help="(Re)create the database with demo and generated records")
    seeding.add_argument("--records", type=int, default=1000)
    seeding.add_argument("--db", type=Path, required=True)
    serving = commands.add_parser("serve", help="Serve the API with gunicorn")
    where = serving.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", type=int)
    where.add_argument("--fd", type=int, help="an already listening socket (how the launcher starts it)")
    serving.add_argument("--host", default="127.0.0.1")
    serving.add_argument("--db", type=Path, required=True)
    serving.add_argument("--workers", type=int, default=1)
    serving.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    spec = PROVIDERS[args.name]

    if args.command == "seed":
        result = seed(args.db, spec.records(args.records))
        print(
            f"{args.name}: {result.records} records in {args.db} "
            f"({result.seconds:.1f} s, {result.per_second:,.0f} records/s)"
        )
        return 0

    app = ProviderApp(spec, args.db, os.environ.get("PRACHA_PROVIDER_KEY", ""))
    # Fail at start, not on the first call, when the database is missing; the workers open their own.
    Store(args.db).close()
    bind = f"fd://{args.fd}" if args.fd is not None else f"{args.host}:{args.port}"
    _Server(
        app,
        {
            "bind": bind,
            "workers": args.workers,
            "threads": args.threads,
            "proc_name": f"pracha-provider-{args.name}",
            "accesslog": None,
            "loglevel": "warning",
            # Several gunicorns run side by side here; they must not fight over one control socket.
            "control_socket_disable": True,
            "timeout": 60,
        },
    ).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
