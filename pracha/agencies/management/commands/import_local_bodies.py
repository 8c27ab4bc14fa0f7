import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies.registry import CSV_COLUMNS, RegistryError, import_local_bodies


class Command(BaseCommand):
    help = (
        "Load an installation's local bodies (municipalities, SAOs) from a UTF-8 CSV with columns "
        f"{', '.join(CSV_COLUMNS)}; subdistricts is a space-separated list of 6-digit DOPA codes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            result = import_local_bodies(options["file"])
        except RegistryError as exc:
            raise CommandError(
                f"The file was refused ({len(exc.problems)} problems), nothing was loaded:\n{exc}"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Local bodies loaded in {time.monotonic() - started:.1f}s: {result.summary()}."
            )
        )
