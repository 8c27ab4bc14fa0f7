"""pracha consent verify: re-compute every person's consent hash chain."""

import time

from django.core.management.base import BaseCommand, CommandError

from pracha.consent.chain import verify


class Command(BaseCommand):
    help = "Consent tools. 'verify' re-computes each person's consent chain and the current-state rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        result = verify()
        seconds = time.perf_counter() - started
        if not result.ok:
            raise CommandError("consent chains BROKEN:\n" + "\n".join(result.problems))
        counts = f"{result.records} records of {result.people} people"
        self.stdout.write(f"consent chains OK: {counts} verified in {seconds:.2f} s")
