"""Fixtures shared by every app's tests."""

import os
from pathlib import Path

import pytest

from pracha.agencies.models import Agency, ContactPoint
from pracha.identity.models import User
from pracha.identity.services import grant_role


@pytest.fixture(autouse=True)
def _fresh_registry_caches():
    """Each test starts without the areas and routing units a process keeps: a rolled-back test
    database sends no signal when the rows a cache was filled from disappear."""
    from pracha.agencies.signals import registry_changed

    registry_changed.send(sender=None)


@pytest.fixture(autouse=True)
def _fresh_open_complaints():
    """Each test starts without the open complaints a process keeps for duplicate checks: a
    rolled-back test database takes its complaints away (and SQLite gives their ids again)."""
    from pracha.complaints.duplicates import forget_open_complaints

    forget_open_complaints()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the rate limits count requests there, and the tests of a
    whole run, all from 127.0.0.1 within a minute, would otherwise share one window."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_agency(db):
    def make(code: str, parent: Agency | None = None, kind: str = "department") -> Agency:
        agency = Agency.objects.create(
            code=code, name_th=f"หน่วยงาน {code}", name_en=f"Agency {code}", kind=kind, parent=parent
        )
        ContactPoint.objects.create(agency=agency, code=f"{code}/main", name_th="งานหลัก", name_en="Main unit")
        return agency

    return make


@pytest.fixture
def make_officer(db):
    def make(username: str, agency: Agency, role: str = "case_officer", **extra) -> User:
        user = User.objects.create_user(username=username, password="correct-horse-battery", **extra)
        grant_role(user, agency.contact_points.first().pk, role)
        return user

    return make


# --- Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser) -------------

CHROMIUM = os.environ.get("PRACHA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Playwright's sync API runs an event loop in this thread; the ORM calls in the test body are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db, request):
    """A fresh browser tab on the live server; a phone-sized one when the test is marked `phone`."""
    phone = request.node.get_closest_marker("phone") is not None
    context = chromium.new_context(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
        locale="th-TH",
        base_url=live_server.url,
    )
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def screenshot(tab, name: str) -> Path:
    """Keep a full-page picture of what the user saw, for people to look at (test-artifacts/)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(path), full_page=True)
    return path
