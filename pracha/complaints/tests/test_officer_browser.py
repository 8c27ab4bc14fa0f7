"""An officer works complaints in a real browser: signs in, sees the queue by deadline, accepts,
resolves with a photo as evidence, and sends another complaint to the agency it belongs to."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from pracha.complaints.models import Complaint
from pracha.conftest import screenshot

from . import officer_world
from .officer_world import PASSWORD, make_complaint

pytestmark = pytest.mark.browser
world = officer_world.world  # the fixture


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill(username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()


def photo(tmp_path) -> str:
    path = tmp_path / "after-repair.jpg"
    Image.new("RGB", (640, 480), (90, 140, 90)).save(path, "JPEG")
    return str(path)


def test_officer_accepts_resolves_with_evidence_and_transfers(page, world, tmp_path):
    footpath = make_complaint(
        "ทางเท้าหน้าตลาดนัดจตุจักรแตกเป็นหลุมลึก ผู้สูงอายุสะดุดล้มแล้วสองราย", world.works, subdistrict=world.sub_a
    )
    power = make_complaint(
        "ไฟฟ้าดับทั้งซอยพหลโยธิน 49 ตั้งแต่สองทุ่ม", world.works, channel="hotline", forwarding_hours=2
    )
    sign_in(page, "somchai")
    page.goto("/complaints/officer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("รายการเรื่องร้องเรียน")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)
    # The hotline complaint (2-hour forwarding limit) comes first, with its time left.
    expect(rows.nth(0)).to_contain_text(power.tracking_code)
    expect(rows.nth(0)).to_contain_text("ชั่วโมงทำการ")
    screenshot(page, "complaints-officer-queue-th")

    page.get_by_role("link", name=footpath.tracking_code).click()
    expect(page.get_by_test_id("case-state")).to_have_text("ส่งต่อหน่วยงานแล้ว รอรับเรื่อง")
    expect(page.get_by_test_id("complaint-text")).to_contain_text("ผู้สูงอายุสะดุดล้ม")
    page.get_by_test_id("do-accept").click()
    expect(page.get_by_test_id("case-state")).to_have_text("อยู่ระหว่างดำเนินการ")

    page.get_by_text("แก้ไขแล้ว: แจ้งผลพร้อมหลักฐาน").click()
    page.get_by_label("สิ่งที่ดำเนินการ (แจ้งผู้ร้อง จำเป็น)").fill("ซ่อมทางเท้าและปรับระดับพื้นเรียบร้อยแล้ว")
    page.get_by_label("หลักฐาน: ภาพถ่ายหรือ PDF (ไม่เกิน 5 ไฟล์ ไฟล์ละไม่เกิน 10 MB)").set_input_files(photo(tmp_path))
    page.get_by_test_id("do-resolve").click()
    expect(page.get_by_test_id("case-state")).to_have_text("ดำเนินการแล้ว รอผู้ร้องยืนยัน")
    expect(page.get_by_test_id("timeline")).to_contain_text("ซ่อมทางเท้าและปรับระดับพื้นเรียบร้อยแล้ว")
    expect(page.get_by_test_id("timeline")).to_contain_text("หลักฐานผลการดำเนินการ")
    screenshot(page, "complaints-officer-resolved-th")
    assert Complaint.objects.get(pk=footpath.pk).attachments.filter(kind="evidence").count() == 1

    page.goto(f"/complaints/officer/{power.pk}/")
    page.get_by_text("ส่งต่อให้หน่วยงานหรือฝ่ายอื่น").click()
    page.get_by_label("หน่วยที่รับเรื่อง", exact=True).fill("MEA/main")
    page.get_by_label("เหตุผลที่ควรเป็นของหน่วยนั้น (จำเป็น)").fill("ไฟฟ้าดับเป็นงานของการไฟฟ้านครหลวง")
    page.get_by_test_id("do-transfer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("รายการเรื่องร้องเรียน")
    expect(page.get_by_test_id("queue-row")).to_have_count(1)  # only the resolved one is still ours
    screenshot(page, "complaints-officer-after-transfer-th")
    assert Complaint.objects.get(pk=power.pk).agency_id == world.mea.pk


@pytest.mark.phone
def test_complaint_page_on_a_phone(page, world):
    complaint = make_complaint(
        "ทางเท้าหน้าตลาดนัดจตุจักรแตกเป็นหลุมลึก ผู้สูงอายุสะดุดล้มแล้วสองราย", world.works, subdistrict=world.sub_a
    )
    sign_in(page, "somchai")
    page.goto("/complaints/officer/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "complaints-officer-queue-th-phone")
    page.get_by_role("link", name=complaint.tracking_code).click()
    expect(page.get_by_test_id("classification")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "complaints-officer-complaint-th-phone")
