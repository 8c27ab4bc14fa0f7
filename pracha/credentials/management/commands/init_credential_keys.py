"""pracha init-credential-keys [AGENCY ...]: the platform root CA and agencies' signing keys (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies.models import Agency
from pracha.credentials import keys


class Command(BaseCommand):
    help = (
        "Create the platform root CA and, for the agencies given (or --all), their signing keys. "
        "Existing keys are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("agencies", nargs="*", help="agency codes, e.g. MOC.DIT MOL.DOE")
        parser.add_argument("--all", action="store_true", help="every active agency")

    def handle(self, *args, agencies: list[str], all: bool, **options) -> None:
        found = (
            list(Agency.objects.filter(active=True))
            if all
            else list(Agency.objects.filter(code__in=agencies))
        )
        missing = set(agencies) - {a.code for a in found}
        if missing:
            raise CommandError(f"Unknown agency code(s): {', '.join(sorted(missing))}")
        made = keys.init_keys(found)
        for key in made:
            self.stdout.write(f"{key.kind:8} {key.kid}  valid until {key.valid_until:%Y-%m-%d}")
