"""pracha register-system-client --agency MOI.DOPA --name "Population registry": client credentials."""

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies.models import Agency
from pracha.identity.oidc import create_system_client


class Command(BaseCommand):
    help = "Register an agency system for the client-credentials grant; prints its id and secret once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--agency", required=True, help="agency code, e.g. MOL.SSO")
        parser.add_argument("--name", required=True, help="the system's name")

    def handle(self, *args, agency: str, name: str, **options) -> None:
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise CommandError(f"No agency with code {agency!r}.")
        client_id, secret = create_system_client(agency=found, name=name)
        self.stdout.write(f"client_id={client_id}\nclient_secret={secret}\n")
        self.stdout.write("Keep the secret now: only its hash is stored.\n")
