"""pracha load-services: check the e-service definitions and store each changed one as a version."""

from django.core.management.base import BaseCommand, CommandError

from pracha.services.catalogue import DefinitionError
from pracha.services.services import load_services


class Command(BaseCommand):
    help = "Check the e-service definitions and store each changed one as the current version."

    def handle(self, *args, **options) -> None:
        try:
            results = load_services()
        except DefinitionError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) in the e-service definitions") from exc
        for r in results:
            what = (
                "retired"
                if r.retired
                else ("new version" if r.created else ("made current again" if r.activated else "unchanged"))
            )
            self.stdout.write(f"{r.code}: {what} {r.content_hash[:12]}")
