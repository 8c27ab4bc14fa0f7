"""pracha audit verify: re-compute the hash chain and name the first bad record."""

import time

from django.core.management.base import BaseCommand, CommandError

from pracha.audit.chain import chain_checks, verify


class Command(BaseCommand):
    help = "Audit log tools. 'verify' re-computes the hash chain; it fails naming the first bad record."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        result = verify()
        seconds = time.perf_counter() - started
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at record #{result.bad_seq}: {result.reason}; "
                f"{result.checked} records before it are intact"
            )
        self.stdout.write(f"audit chain OK: {result.checked} records verified in {seconds:.2f} s")
        broken = []
        for name, check in chain_checks().items():
            ok, summary = check()
            self.stdout.write(f"{name}: {'OK' if ok else 'BROKEN'}: {summary}")
            if not ok:
                broken.append(name)
        if broken:
            raise CommandError(f"broken: {', '.join(broken)}")
