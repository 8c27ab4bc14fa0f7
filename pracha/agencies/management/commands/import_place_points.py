import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pracha.agencies import places


class Command(BaseCommand):
    help = (
        "Import reference points that place map pins in subdistricts: a UTF-8 CSV with latitude, "
        "longitude and subdistrict_code or subdistrict, district and province names (default: the Traffy "
        "sample in PRACHA_DATA_DIR). Re-importing a source replaces its points."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, nargs="?", help="the CSV file (default: the Traffy sample)")
        parser.add_argument("--source", default="", help="name of the source (default: folder/file name)")
        parser.add_argument("--show", type=int, default=20, help="how many unmatched places to list")

    def handle(self, *args, file: Path | None = None, source: str = "", show: int = 20, **options) -> None:
        path = file or places.data_dir() / places.TRAFFY_FILE
        if not path.is_file():
            raise CommandError(f"No such file: {path} (set PRACHA_DATA_DIR or give the file)")
        started = time.monotonic()
        try:
            result = places.import_points(path, source=source)
        except places.PointFileError as exc:
            raise CommandError(str(exc)) from exc
        for label, rows in result.unmatched.most_common(show):
            self.stdout.write(f"  not matched ({rows} rows): {' / '.join(label)}")
        took = time.monotonic() - started
        message = f"Points of {result.source} imported in {took:.1f}s: {result.summary()}."
        self.stdout.write(self.style.SUCCESS(message))
