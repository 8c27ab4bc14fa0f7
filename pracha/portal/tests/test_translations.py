"""Thai first: every user-facing string of every app has a Thai translation in the app's catalogue.

The strings are extracted afresh with Django's makemessages (GNU gettext) from a copy of each app, so a
string added to a template or to Python code without its Thai translation fails this test.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parents[2]
APPS = sorted(p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists())


def catalogue(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return {
            m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else m.string[0]
            for m in read_po(f, locale="th")
            if m.id and "fuzzy" not in m.flags
        }


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
@pytest.mark.parametrize("app", APPS)
def test_every_string_has_a_thai_translation(app, tmp_path):
    copy = tmp_path / app
    shutil.copytree(
        PACKAGE / app, copy, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "*.mo")
    )
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pracha.settings", "PRACHA_DEMO": "1"}
    done = subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "th"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    extracted = catalogue(copy / "locale/th/LC_MESSAGES/django.po")
    translated = catalogue(PACKAGE / app / "locale/th/LC_MESSAGES/django.po")
    missing = sorted(msgid for msgid in extracted if not translated.get(msgid))
    assert not missing, f"{app}: {len(missing)} strings without Thai translation: {missing[:10]}"
