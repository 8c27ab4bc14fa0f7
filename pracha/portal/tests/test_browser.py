"""The portal as people use it: Debian's Chromium driven by Playwright against the live server."""

import re

import pytest
from playwright.sync_api import expect

from pracha.conftest import screenshot
from pracha.core.thai_id import make_thai_id

pytestmark = pytest.mark.browser


@pytest.mark.phone
def test_public_home_switches_between_thai_and_english_on_a_phone(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_role("heading", level=1)).to_have_text("บริการภาครัฐสำหรับทุกคน ครบในที่เดียว")
    screenshot(page, "portal-home-th-phone")
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Government services for everyone, in one place"
    )
    screenshot(page, "portal-home-en-phone")
    page.get_by_test_id("lang-th").click()
    expect(page.get_by_role("link", name="เข้าสู่ระบบ").first).to_be_visible()


@pytest.mark.phone
def test_citizen_registers_after_fixing_a_mistyped_id(page):
    good = make_thai_id("310060012345")
    bad = good[:12] + str((int(good[12]) + 3) % 10)
    page.goto("/register/")
    page.get_by_label("เลขประจำตัว 13 หลัก").fill(bad)
    page.get_by_label("ชื่อ-นามสกุล (ภาษาไทย)").fill("มานี มีนา")
    page.get_by_label("โทรศัพท์มือถือ (ไม่บังคับ)").fill("081-234-5678")
    page.get_by_label("รหัสผ่าน").fill("som-tam-pu-2569")
    page.get_by_test_id("register").click()
    expect(page.get_by_role("alert")).to_contain_text("เลขหลักสุดท้าย")
    screenshot(page, "portal-register-error-th-phone")
    page.get_by_label("เลขประจำตัว 13 หลัก").fill(
        f"{good[0]} {good[1:5]} {good[5:10]} {good[10:12]} {good[12]}"
    )
    page.get_by_label("รหัสผ่าน").fill("som-tam-pu-2569")
    page.get_by_test_id("register").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("สวัสดี คุณมานี มีนา")
    screenshot(page, "portal-my-page-th-phone")


def test_officer_signs_in_switches_to_english_and_opens_the_queue(page, make_agency, make_officer):
    agency = make_agency("TEST.DEPT")
    make_officer("somsri", agency, role="case_officer", first_name="Somsri")
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill("somsri")
    page.get_by_label("รหัสผ่าน").fill("wrong password")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("ไม่สามารถเข้าสู่ระบบได้")
    page.get_by_label("รหัสผ่าน").fill("correct-horse-battery")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("โต๊ะทำงานเจ้าหน้าที่")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Officer workbench")
    expect(page.get_by_test_id("queue-summary")).to_contain_text("Overdue")
    screenshot(page, "portal-workbench-en")
    page.get_by_role("link", name="Open my queue").click()
    expect(page).to_have_url(re.compile(r"/work/"))
    screenshot(page, "workflow-queue-en")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
