"""A citizen files a complaint on a phone (Thai) and follows it to the end on the status page (English)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from pracha.agencies.services import contact_point
from pracha.complaints import services
from pracha.complaints.models import Complaint
from pracha.conftest import screenshot
from pracha.identity.models import User
from pracha.identity.services import grant_role
from pracha.workflow import services as workflow

pytestmark = pytest.mark.browser
TEXT = "ทางเท้าหน้าตลาดนัดจตุจักรประตู 1 ชำรุด กระเบื้องแตกหลายแผ่น ผู้สูงอายุสะดุดล้ม"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


def photo(tmp_path) -> str:
    path = tmp_path / "footpath.jpg"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 140, 120)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.phone
def test_a_citizen_files_a_complaint_with_a_photo_on_a_phone(page, places, tmp_path):
    page.goto("/complaints/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("แจ้งเรื่องร้องเรียน")
    no_sideways_scroll(page)

    # Sending it empty: a summary at the top links to each field to fix.
    page.get_by_test_id("submit-complaint").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("โปรดระบุรายละเอียดของปัญหา")
    expect(summary).to_contain_text("โปรดระบุหมายเลขโทรศัพท์หรืออีเมล")
    screenshot(page, "complaints-form-errors-th-phone")
    summary.get_by_role("link", name="ปัญหาที่ต้องการแจ้ง: โปรดระบุรายละเอียดของปัญหา").click()
    expect(page.get_by_label("ปัญหาที่ต้องการแจ้ง")).to_be_focused()

    page.get_by_label("ปัญหาที่ต้องการแจ้ง").fill(TEXT)
    page.get_by_label("รูปภาพ (ถ้ามี)").set_input_files(photo(tmp_path))
    # The script fills the districts and subdistricts of the choice from the agencies API.
    expect(page.get_by_role("button", name="แสดงอำเภอ/เขต และตำบล/แขวงตามที่เลือก")).to_be_hidden()
    page.get_by_label("จังหวัด").select_option("10")
    expect(page.get_by_label("อำเภอ/เขต")).to_contain_text("เขตจตุจักร")
    page.get_by_label("อำเภอ/เขต").select_option("1030")
    expect(page.get_by_label("ตำบล/แขวง", exact=True)).to_contain_text("ลาดยาว")
    page.get_by_label("ตำบล/แขวง", exact=True).select_option("103001")
    page.get_by_label("ตำแหน่งโดยละเอียด (ถ้ามี)").fill("หน้าประตู 1")
    page.get_by_label("หมายเลขโทรศัพท์มือถือสำหรับรับแจ้งความคืบหน้า").fill("081-234-5678")
    screenshot(page, "complaints-form-filled-th-phone")
    page.get_by_test_id("submit-complaint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ได้รับเรื่องร้องเรียนแล้ว")
    code = page.get_by_test_id("tracking-code").inner_text()
    complaint = Complaint.objects.get(tracking_code=code)
    assert complaint.subdistrict_id == "103001" and complaint.contact_phone == "0812345678"
    assert complaint.attachments.get().content_type == "image/jpeg"
    no_sideways_scroll(page)
    screenshot(page, "complaints-filed-th-phone")


def test_the_complainant_follows_the_complaint_and_confirms_it_in_english(page, places):
    complaint = services.file_complaint(
        channel="web", text=TEXT, anonymous=True, subdistrict_code="103001", contact_phone="0812345678"
    )
    services.route(complaint)
    complaint.refresh_from_db()
    officer = User.objects.create_user(username="works", password="correct-horse-battery")
    grant_role(officer, contact_point(complaint.contact_point.code).pk, "case_officer")
    case = complaint.case
    if case.state == "triage":
        workflow.take_action(case, "forward", actor=officer)
    workflow.take_action(case, "accept", actor=officer)
    services.add_update(complaint, "preliminary", "Inspected on site; tiles ordered.", officer)
    workflow.take_action(case, "resolve", actor=officer, reason="New tiles laid over 12 m of footpath.")
    services.add_update(complaint, "final", "New tiles laid over 12 m of footpath.", officer)

    page.goto("/complaints/track/")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow a complaint")
    page.get_by_label("Tracking code").fill(complaint.tracking_code.lower())
    page.get_by_role("button", name="Show the status").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {complaint.tracking_code}")
    expect(page.get_by_test_id("complaint-agency")).to_contain_text(complaint.contact_point.name_en)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Complaint received")
    expect(timeline).to_contain_text("Preliminary result")
    expect(timeline).to_contain_text("New tiles laid over 12 m of footpath.")
    expect(page.get_by_test_id("results")).to_contain_text("Final result")
    screenshot(page, "complaints-status-resolved-en")

    page.get_by_label("5").check()
    page.get_by_label("Comment (optional)").fill("Quick and tidy work, thank you.")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("complaint-state")).to_have_text("Closed")
    expect(page.get_by_test_id("complaint-facts")).to_contain_text("5 of 5")
    expect(page.get_by_test_id("timeline")).to_contain_text("Confirm the result and close")
    screenshot(page, "complaints-status-closed-en")
    complaint.refresh_from_db()
    assert complaint.rating == 5 and complaint.case.state == "closed"


def test_an_officer_keys_in_a_letter_with_its_scan(page, places, tmp_path):
    officer = User.objects.create_user(username="mailroom", password="correct-horse-battery")
    grant_role(officer, contact_point("OPM.OPS/psc-1111").pk, "counter_officer")
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill("mailroom")
    page.get_by_label("รหัสผ่าน").fill("correct-horse-battery")
    page.get_by_test_id("sign-in").click()
    page.goto("/complaints/file/mail/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("บันทึกเรื่องร้องเรียน")
    scan = tmp_path / "letter.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    page.get_by_label("หนังสือร้องเรียน (สแกน)").set_input_files(str(scan))
    page.get_by_label("วันที่ได้รับหนังสือ").fill("2026-03-12")
    page.get_by_label("เรื่องร้องเรียนตามคำบอกเล่าของผู้ร้อง").fill(TEXT)
    page.get_by_label("ชื่อผู้ร้อง").fill("นายเขียน จดหมาย")
    screenshot(page, "complaints-officer-mail-form-th")
    page.get_by_test_id("submit-complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ได้รับเรื่องร้องเรียนแล้ว")
    complaint = Complaint.objects.get(tracking_code=page.get_by_test_id("tracking-code").inner_text())
    assert complaint.channel == "mail" and complaint.filed_by == officer
    assert complaint.attachments.get().kind == "letter"
