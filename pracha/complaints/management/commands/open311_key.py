"""pracha open311-key: give Open311 applications their api_key, list and revoke keys.

pracha open311-key add "Traffy Fondue" --agency BMA    prints the new key once
pracha open311-key list
pracha open311-key revoke <prefix>
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pracha.agencies.services import get_agency
from pracha.complaints import open311
from pracha.complaints.models import Open311Key
from pracha.core.errors import PrachaError


class Command(BaseCommand):
    help = "Issue, list and revoke the api_keys of Open311 applications."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="issue a key to an application (printed once)")
        add.add_argument("name", help="the application and who runs it")
        add.add_argument("--agency", help="code of the agency that runs it, e.g. BMA")
        actions.add_parser("list", help="list the keys (their first characters only)")
        revoke = actions.add_parser("revoke", help="revoke a key")
        revoke.add_argument("prefix", help="the key's first 8 characters, as `list` shows them")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except PrachaError as exc:
            raise CommandError(exc.payload()["error"]["message"]) from None

    def _add(self, options: dict) -> None:
        agency = get_agency(options["agency"]) if options.get("agency") else None
        client, key = open311.issue_key(options["name"], agency)
        self.stdout.write(f"api_key for {client.name}: {key}")
        self.stdout.write("Give it to the application now: only its hash is kept.")

    def _list(self, options: dict) -> None:
        for client in Open311Key.objects.select_related("agency").order_by("created_at", "id"):
            state = f"revoked {client.revoked_at:%Y-%m-%d}" if client.revoked_at else "active"
            agency = client.agency.code if client.agency else "-"
            used = f"{client.last_used_at:%Y-%m-%d %H:%M}" if client.last_used_at else "never"
            self.stdout.write(f"{client.prefix}  {state:18} {agency:12} last used {used:16}  {client.name}")

    def _revoke(self, options: dict) -> None:
        found = list(Open311Key.objects.filter(prefix=options["prefix"]))
        if len(found) != 1:
            raise CommandError(f"{len(found)} keys start with {options['prefix']!r}; give exactly one prefix")
        client = open311.revoke_key(found[0])
        self.stdout.write(f"revoked {client.prefix} ({client.name})")
