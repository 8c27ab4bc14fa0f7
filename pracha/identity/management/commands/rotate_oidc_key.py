"""pracha rotate-oidc-key [--keep N]: a new ID-token signing key (active after the next restart)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pracha.identity.keys import add_key, key_files


class Command(BaseCommand):
    help = (
        "Add a new OpenID Connect signing key; older keys stay in the JWKS. With --keep N, remove all "
        "but the newest N keys (only once tokens signed with them have expired)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--keep", type=int, default=0, help="keys to keep after adding one (0: all)")

    def handle(self, *args, keep: int, **options) -> None:
        if keep == 1:
            raise CommandError("Keep at least 2: the previous key must verify tokens already issued.")
        directory = settings.PRACHA_OIDC_KEY_DIR
        path = add_key(directory)
        self.stdout.write(f"new signing key {path.name}; restart the web processes to sign with it")
        if keep:
            for old in key_files(directory)[keep:]:
                old.unlink()
                self.stdout.write(f"removed {old.name}")
