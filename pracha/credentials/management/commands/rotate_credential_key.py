"""pracha rotate-credential-key AGENCY: new current signing keys; the old ones keep verifying."""

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies.models import Agency
from pracha.credentials import keys


class Command(BaseCommand):
    help = "Rotate an agency's PDF and JWS signing keys. Credentials signed before stay valid."

    def add_arguments(self, parser) -> None:
        parser.add_argument("agency", help="agency code, e.g. MOC.DIT")

    def handle(self, *args, agency: str, **options) -> None:
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise CommandError(f"Unknown agency code: {agency}")
        for key in keys.rotate(found, actor="cli:rotate-credential-key"):
            self.stdout.write(f"{key.kind:8} {key.kid}  now current")
