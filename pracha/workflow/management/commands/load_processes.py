"""pracha load-processes: validate every registered process definition and store new versions."""

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies.services import contact_point
from pracha.core.errors import PrachaError
from pracha.workflow.definitions import DefinitionError
from pracha.workflow.registry import load_all, process_dirs
from pracha.workflow.services import load_processes


class Command(BaseCommand):
    help = "Check the process definitions (YAML) and store each changed one as a new version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Only validate; store nothing.")

    def handle(self, *args, check: bool = False, **options) -> None:
        try:
            found = load_all()
        except DefinitionError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) in the process definitions") from exc
        self._warn_unknown_units(found)
        if check:
            self.stdout.write(f"{len(found)} definition(s) valid in {', '.join(map(str, process_dirs()))}")
            return
        for result in load_processes():
            what = (
                "new version"
                if result.created
                else ("made current again" if result.activated else "unchanged")
            )
            self.stdout.write(f"{result.code}: {what} {result.version[:12]}")

    def _warn_unknown_units(self, found) -> None:
        # Units named in on_breach may be loaded later (agencies data), so this is a warning only.
        for code, (path, definition) in found.items():
            steps = list(definition.on_breach) + [
                s for st in definition.states.values() for s in st.on_breach
            ]
            for step in steps:
                if step.move_to and not _unit_exists(step.move_to):
                    self.stderr.write(f"warning: {path}: {code} moves cases to unknown unit {step.move_to}")


def _unit_exists(code: str) -> bool:
    try:
        return contact_point(code).active
    except PrachaError:
        return False
