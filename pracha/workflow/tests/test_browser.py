"""An officer works a petition on a phone: queue, case page, an action with a required reason."""

import re

import pytest
from playwright.sync_api import expect

from pracha.conftest import screenshot
from pracha.workflow import services

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill(username)
    page.get_by_label("รหัสผ่าน").fill("correct-horse-battery")
    page.get_by_test_id("sign-in").click()


@pytest.mark.phone
def test_officer_sends_a_petition_back_for_information_on_a_phone(page, office):
    case = services.start_case(
        "petition", agency=office.agency, title="ขอสำเนาผลการตรวจสอบคุณภาพน้ำประปา", applicant=office.person
    )
    services.take_action(case, "accept", actor=office.counter)
    services.start_case("petition", agency=office.agency, title="ขอทราบแผนการซ่อมถนนในหมู่บ้าน")
    sign_in(page, "officer")
    page.goto("/work/")
    expect(page.get_by_role("heading", level=1)).to_have_text("รายการเรื่องที่ต้องดำเนินการ")
    expect(page.get_by_test_id("queue")).to_contain_text("เหลือ")
    screenshot(page, "workflow-queue-th-phone")
    # No sideways scrolling on a 390px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_test_id("case-state")).to_have_text("ตรวจสอบและพิจารณา")
    page.get_by_test_id("do-request_info").click()  # the browser refuses an empty required reason
    expect(page.get_by_test_id("case-state")).to_have_text("ตรวจสอบและพิจารณา")
    page.get_by_label("เหตุผลในการ “ขอข้อมูลหรือเอกสารเพิ่มเติมจากผู้ยื่น” (จำเป็น)").fill("โปรดระบุบ้านเลขที่และจุดที่ใช้น้ำ")
    page.get_by_test_id("do-request_info").click()
    expect(page.get_by_test_id("case-state")).to_have_text("รอข้อมูลเพิ่มเติมจากผู้ยื่น")
    expect(page.get_by_test_id("timeline")).to_contain_text("โปรดระบุบ้านเลขที่และจุดที่ใช้น้ำ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "workflow-case-th-phone")


def test_queue_in_english_with_filters(page, office):
    services.start_case("petition", agency=office.agency, title="Request for budget documents")
    sign_in(page, "boss")
    page.goto("/work/")
    page.get_by_test_id("lang-en").click()
    page.get_by_text("More filters").click()
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"overdue=1"))
    expect(page.get_by_test_id("queue-empty")).to_contain_text("No cases match these filters.")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_test_id("queue")).to_contain_text("Request for budget documents")
    screenshot(page, "workflow-queue-en")
