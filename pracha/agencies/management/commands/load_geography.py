import time

from django.core.management.base import BaseCommand

from pracha.agencies.geography import load_geography


class Command(BaseCommand):
    help = "Load Thailand's provinces, districts and subdistricts (DOPA codes, postal codes) from geothai."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        result = load_geography()
        for name, level in result.levels.items():
            self.stdout.write(f"{name}: {level.total} ({level.created} created, {level.updated} updated)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Geography loaded from geothai {result.data_version} in {time.monotonic() - started:.1f}s."
            )
        )
