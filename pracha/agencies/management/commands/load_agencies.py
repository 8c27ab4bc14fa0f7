import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies.registry import DATA_DIR, RegistryError, load_agencies


class Command(BaseCommand):
    help = "Validate and load the agency registry from the YAML files of pracha/agencies/data/."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder of *.yaml agency files")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            result = load_agencies(options["data_dir"])
        except RegistryError as exc:
            raise CommandError(
                f"The agency data was refused ({len(exc.problems)} problems), nothing was loaded:\n{exc}"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Agencies loaded in {time.monotonic() - started:.1f}s: {result.summary()}.")
        )
