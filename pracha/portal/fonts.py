"""Noto Sans Thai, shipped by the fontpkg-noto-sans-thai package: served as /static/fonts/ to
browsers, and as fixed-weight instances to WeasyPrint for the PDFs (credentials, receipts)."""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

import fontpkg_noto_sans_thai
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

FONT_DIR = Path(fontpkg_noto_sans_thai.__file__).parent / "files"
FONT_FILE = "NotoSansThai[wdth,wght].ttf"
PUBLIC_NAME = "fonts/NotoSansThai.ttf"
PDF_WEIGHTS = (400, 700)


@functools.cache
def static_fonts() -> dict[int, str]:
    """file:// URIs of Noto Sans Thai at the weights the PDFs use (PDF_WEIGHTS), made once per machine.

    WeasyPrint instantiates a variable font at every render (fontTools, ~0.2 s a document); fixed
    instances cut the rendering time by about two thirds. They are a cache, rebuilt when missing."""
    # Imported here: this module is loaded as a static files finder by every process.
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    source = FONT_DIR / FONT_FILE
    stamp = hashlib.sha256(
        f"{source}:{source.stat().st_size}:{source.stat().st_mtime_ns}".encode()
    ).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "pracha-fonts"
    folder.mkdir(exist_ok=True)
    found = {}
    for weight in PDF_WEIGHTS:
        target = folder / f"NotoSansThai-{weight}-{stamp}.ttf"
        if not target.exists():
            font = instancer.instantiateVariableFont(TTFont(str(source)), {"wght": weight, "wdth": 100})
            partial = folder / f".{target.name}.{os.getpid()}"
            font.save(str(partial))
            partial.replace(target)  # atomic: another process may be writing the same instance
        found[weight] = target.as_uri()
    return found


class ThaiFontFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(FONT_DIR))
        self.storage.prefix = ""

    def check(self, **kwargs):
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        if path == PUBLIC_NAME:
            found = str(FONT_DIR / FONT_FILE)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield PUBLIC_NAME, _RenamedStorage(self.storage)


class _RenamedStorage(FileSystemStorage):
    """collectstatic copies the font under its public name."""

    def __init__(self, inner: FileSystemStorage) -> None:
        super().__init__(location=inner.location)

    def path(self, name: str) -> str:
        return super().path(FONT_FILE if name == PUBLIC_NAME else name)

    def open(self, name: str, mode: str = "rb"):
        return super().open(FONT_FILE if name == PUBLIC_NAME else name, mode)
