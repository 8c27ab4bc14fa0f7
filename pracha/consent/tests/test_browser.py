"""The "my data" page as a citizen sees it on a 390 px phone (Debian's Chromium, Playwright)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from pracha.conftest import screenshot
from pracha.consent import services

from .test_pages import FakeHub

pytestmark = [pytest.mark.browser, pytest.mark.phone]

DOPA = "eservice.dopa.population_record"
SSO = "eservice.sso.insured_status"


def signed_in_as(tab, user, base_url: str) -> None:
    """A session for the user, handed to the browser (the sign-in page is tested by the portal)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    tab.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def fits_the_screen(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.fixture
def hub(monkeypatch):
    """The fake as the only source (the real exchange app registers its own in ready())."""
    monkeypatch.setattr(services, "_sources", [])
    fake = FakeHub()
    services.register_data_use_source(fake)
    return fake


# The database first: run alone, the live server would otherwise start before the test database exists.
def test_my_data_on_a_phone(transactional_db, page, live_server, shipped, citizen, other, hub):
    person = citizen.person
    services.give(person, DOPA, channel="eservice", actor=citizen)
    hub.add(person, 12, purpose="ตรวจสอบที่อยู่ผู้ขอใบอนุญาตค้าข้าว")
    hub.add(other.person, 3, purpose="ของคนอื่น")
    signed_in_as(page, citizen, live_server.url)

    page.goto("/consent/my-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ข้อมูลของฉัน")
    dopa = page.get_by_test_id(f"consent-{DOPA}")
    expect(dopa.get_by_test_id("status")).to_have_text("ให้ความยินยอมแล้ว")
    expect(page.get_by_test_id(f"consent-{SSO}").get_by_test_id("status")).to_have_text("ยังไม่ได้ให้ความยินยอม")
    expect(page.get_by_test_id("uses").locator("li")).to_have_count(10)
    expect(page.get_by_text("ของคนอื่น")).to_have_count(0)
    expect(page.get_by_text("หน้า 1 จาก 2")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "consent-my-data-th-phone")

    # Withdraw: the form says what it means and asks for a confirmation first.
    dopa.get_by_text("ถอนความยินยอม", exact=True).click()
    expect(dopa.get_by_text("หน่วยงานจะไม่ดึงข้อมูลทะเบียนราษฎรของท่านอีกตั้งแต่ขณะที่ถอน")).to_be_visible()
    dopa.get_by_label("เหตุผล (ไม่บังคับ)").fill("ไม่ได้ใช้บริการแล้ว")
    dopa.get_by_label("ข้าพเจ้าเข้าใจผลของการถอนความยินยอมแล้ว").check()
    screenshot(page, "consent-withdraw-confirm-th-phone")
    dopa.get_by_role("button", name="ยืนยันถอนความยินยอม").click()
    expect(page.get_by_role("status")).to_contain_text("ท่านถอนความยินยอมแล้ว")
    expect(page.get_by_test_id(f"consent-{DOPA}").get_by_test_id("status")).to_have_text("ถอนความยินยอมแล้ว")
    assert not services.has_consent(person, DOPA)
    assert services.history(person)[0].reason == "ไม่ได้ใช้บริการแล้ว"

    # Give again, then the second page of data uses.
    sso = page.get_by_test_id(f"consent-{SSO}")
    sso.get_by_text("ให้ความยินยอม", exact=True).click()
    sso.get_by_label("ข้าพเจ้าได้อ่านวัตถุประสงค์และข้อมูลที่เกี่ยวข้องแล้ว และให้ความยินยอม").check()
    sso.get_by_role("button", name="ยืนยันให้ความยินยอม").click()
    expect(page.get_by_test_id(f"consent-{SSO}").get_by_test_id("status")).to_have_text("ให้ความยินยอมแล้ว")
    assert services.has_consent(person.id_number, SSO)
    page.get_by_role("link", name="หน้าถัดไป").click()
    expect(page.get_by_test_id("uses").locator("li")).to_have_count(2)
    assert fits_the_screen(page)

    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(page.get_by_test_id(f"consent-{SSO}").get_by_test_id("status")).to_have_text("Consent given")
    assert fits_the_screen(page)
    screenshot(page, "consent-my-data-en-phone")
