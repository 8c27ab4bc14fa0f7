"""The outbox and "my messages" as people see them on a 360 px phone (Debian's Chromium, Playwright)."""

import pytest
from playwright.sync_api import expect

from pracha.conftest import screenshot
from pracha.notify import services

from .conftest import TEXT, run_due

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(chromium, live_server, transactional_db):
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, locale="th-TH", base_url=live_server.url
    )
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def sign_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill(username)
    tab.get_by_label("รหัสผ่าน").fill("correct-horse-battery")
    tab.get_by_test_id("sign-in").click()


def fits_the_screen(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_outbox_and_my_messages_on_a_phone_in_thai_and_english(phone, make_agency, make_officer, make_person):
    agency = make_agency("DEMO.DEPT")
    make_officer("admin", agency, role="agency_admin")
    citizen = make_person("manee")
    services.notify_user(citizen, **TEXT, agency=agency)
    run_due()

    sign_in(phone, "admin")
    phone.goto("/notify/outbox/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("กล่องข้อความแจ้งเตือนขาออก")
    expect(phone.get_by_test_id("outbox").locator("tbody tr")).to_have_count(2)
    expect(phone.get_by_text("081XXXXX78")).to_be_visible()
    phone.get_by_label("ช่องทาง").select_option("sms")
    phone.get_by_role("button", name="แสดง").click()
    expect(phone.get_by_test_id("outbox").locator("tbody tr")).to_have_count(1)
    phone.get_by_text("คำขอของท่านได้รับอนุมัติ").click()  # opens the message text
    expect(phone.get_by_text("คำขอเลขที่ 123 ได้รับอนุมัติแล้ว")).to_be_visible()
    assert fits_the_screen(phone)
    screenshot(phone, "notify-outbox-th-phone")

    phone.get_by_test_id("lang-en").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Notification outbox")
    assert fits_the_screen(phone)
    screenshot(phone, "notify-outbox-en-phone")

    phone.get_by_role("button", name="Sign out").click()
    phone.get_by_test_id("lang-th").click()
    sign_in(phone, "manee")
    phone.goto("/notify/mine/")
    expect(phone.get_by_test_id("my-messages").locator("li")).to_have_count(2)
    assert fits_the_screen(phone)
    screenshot(phone, "notify-mine-th-phone")
