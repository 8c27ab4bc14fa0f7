"""Compile the .po catalogues to .mo with Babel, so running Pracha needs no GNU gettext.

python -m pracha.core.i18n_compile        (scripts/setup.sh runs it)
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def compile_all(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Compile the project catalogue (pracha/locale) and each app's own (pracha/<app>/locale)."""
    written = []
    catalogues = [
        *package_dir.glob("locale/*/LC_MESSAGES/*.po"),
        *package_dir.glob("*/locale/*/LC_MESSAGES/*.po"),
    ]
    for po_path in sorted(catalogues):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as f:
            write_mo(f, catalog)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path}")
