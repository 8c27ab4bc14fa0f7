"""pracha demo: set up the embedded database with demo data and run the web server and a worker."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pracha.complaints import demo_data as complaints_demo
from pracha.complaints.classifier import load_model
from pracha.complaints.classifier.store import ModelNotFoundError
from pracha.portal import demo
from pracha_providers.demo import launch_demo


def complaint_model_exists() -> bool:
    try:
        load_model()
    except ModelNotFoundError:
        return False
    return True


class Command(BaseCommand):
    help = "Create/upgrade the demo database, load reference and demo data, then serve with a worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Only prepare the database.")

    def handle(self, *args, no_serve: bool = False, **options) -> None:
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError("The demo runs only with PRACHA_DEMO=1 (it publishes its passwords).")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_geography", verbosity=0)
        call_command("load_agencies", verbosity=0)
        call_command("load_processes", verbosity=0)
        if not complaint_model_exists():
            self.stdout.write("Training the complaint classifier on the Traffy sample (first run only)...")
            call_command("train_complaint_model", no_evaluate=True, verbosity=0)
        # The agency systems the exchange hub calls run beside the platform, each with its own
        # database; the hub's demo data registers them, so they start before the data is seeded.
        with launch_demo(settings.VAR_DIR / "providers") as providers:
            for p in providers.values():
                self.stdout.write(f"Agency system {p.service_code} ({p.agency_code}) at {p.url}/")
            self.seed_and_serve(no_serve)

    def seed_and_serve(self, no_serve: bool) -> None:
        if demo.seeded():
            self.stdout.write("Demo data already present (delete var/pracha.sqlite3 to start afresh).")
        else:
            users = demo.seed()
            filed = complaints_demo.load(300)
            self.stdout.write(f"Demo data loaded ({filed} complaints from the Traffy sample).")
            for line in demo.seed_apps(users):
                self.stdout.write(line)
        self.stdout.write(demo.account_table())
        if no_serve:
            return
        worker = subprocess.Popen([sys.executable, "-m", "pracha.cli", "worker"], env=os.environ.copy())
        try:
            call_command("serve")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
