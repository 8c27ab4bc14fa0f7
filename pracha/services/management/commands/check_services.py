"""pracha check-services: validate every e-service definition; exit 1 listing the problems."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pracha.services.catalogue import (
    DEFINITIONS_DIR,
    definition_paths,
    known_agency_codes,
    registered_processes,
    validate_file,
)


class Command(BaseCommand):
    help = "Check the e-service definitions (YAML): shape, form, documents, fees, steps and agencies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", type=Path, default=DEFINITIONS_DIR, help="Another directory to check.")

    def handle(self, *args, dir: Path = DEFINITIONS_DIR, **options) -> None:
        processes, agencies = registered_processes(), known_agency_codes()
        paths = definition_paths(dir)
        problems = [p for path in paths for p in validate_file(path, processes=processes, agencies=agencies)]
        codes = [path.stem for path in paths]
        for code in {c for c in codes if codes.count(c) > 1}:
            problems.append(f"{dir}: {code}: is defined in more than one file")
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in the e-service definitions")
        self.stdout.write(f"{len(paths)} e-service definition(s) valid in {dir}")
