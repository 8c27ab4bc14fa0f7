"""Serve the Noto Sans Thai font shipped by the fontpkg-noto-sans-thai package as /static/fonts/."""

from pathlib import Path

import fontpkg_noto_sans_thai
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

FONT_DIR = Path(fontpkg_noto_sans_thai.__file__).parent / "files"
FONT_FILE = "NotoSansThai[wdth,wght].ttf"
PUBLIC_NAME = "fonts/NotoSansThai.ttf"


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
