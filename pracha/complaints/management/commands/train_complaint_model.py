import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pracha.complaints.classifier import train


class Command(BaseCommand):
    help = (
        "Train the complaint classifier (categories, intent; urgency is by rules) on the Traffy data and "
        "officers' corrections, evaluate it on held-out data, and write a versioned artefact to "
        "<out>/complaints/<version>/ (default out: PRACHA_MODEL_DIR or var/models)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, help="folder holding traffy/*.csv (default PRACHA_DATA_DIR)"
        )
        parser.add_argument("--out", type=Path, help="models folder (default PRACHA_MODEL_DIR or var/models)")
        parser.add_argument("--no-evaluate", action="store_true", help="skip the held-out evaluation")
        parser.add_argument("--no-corrections", action="store_true", help="leave officers' corrections out")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            result = train(
                options["data_dir"],
                options["out"],
                use_corrections=not options["no_corrections"],
                evaluate=not options["no_evaluate"],
                progress=lambda step: self.stdout.write(f"… {step}"),
            )
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        meta, seconds = result.metadata, time.monotonic() - started
        counts = meta["examples"]
        self.stdout.write(json.dumps(meta["metrics"], ensure_ascii=False, indent=2))
        self.stdout.write(
            self.style.SUCCESS(
                f"Complaint model {result.version} written to {result.path} in {seconds:.0f}s "
                f"({counts['traffy']} Traffy rows, {counts['labelled']} labelled, {counts['corrections']} "
                f"corrections; {len(meta['learned_categories'])} categories learned)."
            )
        )
