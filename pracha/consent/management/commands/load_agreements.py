"""pracha load-agreements: validate the data agreements and store the new versions."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pracha.consent.agreements import AGREEMENTS_DIR, load_agreements, validate_file
from pracha.workflow.definitions import DefinitionError


class Command(BaseCommand):
    help = "Validate the PDPA data agreements (YAML) and store each new version; --check only validates."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", type=Path, default=AGREEMENTS_DIR, help="directory of agreement files")
        parser.add_argument("--check", action="store_true", help="validate the files without loading them")

    def handle(self, *args, **options) -> None:
        directory: Path = options["dir"]
        if options["check"]:
            files = sorted(directory.glob("*.yaml"))
            problems = [p for f in files for p in validate_file(f)]
            if problems:
                raise CommandError("\n".join(str(p) for p in problems))
            self.stdout.write(f"{len(files)} agreement files are valid")
            return
        try:
            result = load_agreements(directory)
        except DefinitionError as exc:
            raise CommandError(f"agreements not loaded:\n{exc}") from exc
        for name in result.loaded:
            self.stdout.write(f"loaded {name}")
        self.stdout.write(f"{len(result.loaded)} agreement versions loaded, {result.unchanged} unchanged")
