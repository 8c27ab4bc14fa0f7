"""The citizen's manual of a service as a printable PDF (WeasyPrint, Noto Sans Thai)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from pracha.portal.fonts import FONT_DIR, FONT_FILE

from .catalogue import ServiceDefinition
from .presentation import manual

SARA_AM, NIKHAHIT, SARA_AA = "\u0e33", "\u0e4d", "\u0e32"
_rendered: dict[tuple[str, str, str], bytes] = {}
KEEP = 64


def manual_pdf(service: ServiceDefinition, lang: str) -> bytes:
    """A manual changes only with its definition, so each content and language is rendered once
    per process (rendering takes about a second)."""
    key = (service.code, service.content_hash, lang)
    if key not in _rendered:
        if len(_rendered) >= KEEP:
            _rendered.pop(next(iter(_rendered)))
        _rendered[key] = _render(service, lang)
    return _rendered[key]


def _render(service: ServiceDefinition, lang: str) -> bytes:
    from weasyprint import HTML

    with translation.override(lang):
        html = render_to_string(
            "services/manual_pdf.html",
            {"m": manual(service), "font_url": (FONT_DIR / FONT_FILE).as_uri(), "LANG": lang},
        )
    # The font draws sara am (ำ) as nikhahit + sara aa, and the PDF's text map can give a glyph only
    # one character: left composed, every sara aa of the document would be read back (copied,
    # searched, read aloud) as sara am. Written decomposed, each glyph maps to its own character.
    html = html.replace(SARA_AM, NIKHAHIT + SARA_AA)
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()
