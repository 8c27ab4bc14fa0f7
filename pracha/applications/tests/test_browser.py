"""In a browser: citizens apply on a phone for six services (the rice-trading licence and the tour-guide
licence with uploads, a fee paid after approval and the signed licence; the commercial registration,
its fee paid in the wizard's payment step before submitting, with its signed certificate; the
soil-health assessment, free of charge, with its signed report; the elderly allowance and a worker's
claim with documents fetched from the real provider systems), and officers review, send back and
approve on a desktop screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from pracha.agencies.models import Agency
from pracha.applications import services
from pracha.applications.demo_data import png_bytes
from pracha.applications.models import Application
from pracha.conftest import screenshot
from pracha.credentials import services as credentials

from .conftest import PASSWORD, pdf_bytes, run_jobs

pytest_plugins = ("pracha_providers.testing",)  # the session-wide `providers` fixture
pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่").fill(username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_load_state()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def upload_file(page, code: str, name: str, data: bytes, mime: str) -> None:
    page.get_by_test_id(f"file-{code}").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    page.get_by_test_id(f"upload-{code}").click()
    expect(page.get_by_test_id(f"uploaded-{code}")).to_be_visible()


def officers_of(code: str, make_officer) -> dict:
    agency = Agency.objects.get(code=code)
    tag = code.lower().replace(".", "")
    return {
        "counter": make_officer(f"counter.{tag}", agency, role="counter_officer"),
        "case": make_officer(f"officer.{tag}", agency, role="case_officer"),
        "supervisor": make_officer(f"supervisor.{tag}", agency, role="supervisor"),
    }


def approve_all(app: Application, officers: dict) -> None:
    services.act(app, "accept", officers["counter"])
    services.act(app, "recommend", officers["case"])
    services.act(app, "approve", officers["supervisor"])


def download_and_verify(page, agency_code: str) -> None:
    """Download the signed certificate from the status page and check its signature and signer."""
    with page.expect_download() as download:
        page.get_by_test_id("download-licence").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    verified = credentials.verify_pdf(data)
    assert verified.result == "valid" and verified.signed_by.code == agency_code


@pytest.mark.phone
def test_rice_licence_on_a_phone_pay_and_download_the_signed_licence(page, citizen, dit_officers):
    sign_in(page, citizen.username)
    page.goto("/applications/new/rice-trading-licence/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอหนังสืออนุญาตค้าข้าว")
    expect(page.get_by_test_id("time-limit")).to_have_text("5 วันทำการ")
    no_sideways_scroll(page)
    screenshot(page, "applications-guide-phone-th")
    page.get_by_test_id("start").click()

    # Page 1: name and phone are known from the account; the kind of trade is asked.
    expect(page.get_by_test_id("known-trader_name")).to_have_text("สมชาย ใจดี")
    expect(page.get_by_label("หมายเลขโทรศัพท์")).to_have_count(0)  # never asked twice
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("wizard-error")).to_be_visible()
    expect(page.locator(".field-error")).to_contain_text("กรอก")
    screenshot(page, "applications-page-error-phone-th")
    page.get_by_label("ประเภทการค้าข้าว").select_option("milled_rice_retail")
    page.get_by_test_id("next").click()

    page.get_by_label("ชื่อสถานที่ประกอบการ").fill("ร้านข้าวสารสมชาย")
    page.get_by_label("ที่ตั้งสถานที่ประกอบการ").fill("48/12 ถนนพหลโยธิน แขวงจตุจักร เขตจตุจักร กรุงเทพมหานคร")
    page.get_by_label("ความจุโกดังเก็บข้าว (ตัน)").fill("12.5")
    page.get_by_test_id("next").click()

    # Documents: uploads are checked by their content.
    page.get_by_test_id("file-premises_map").set_input_files(
        {"name": "map.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}
    )
    page.get_by_test_id("upload-premises_map").click()
    expect(page.get_by_test_id("doc-premises_map").locator(".field-error")).to_contain_text("map.pdf")
    upload_file(page, "id_card", "id.png", png_bytes(), "image/png")
    upload_file(page, "house_registration", "house.pdf", pdf_bytes("house"), "application/pdf")
    upload_file(page, "premises_map", "map.png", png_bytes(), "image/png")
    upload_file(page, "premises_right", "lease.pdf", pdf_bytes("lease"), "application/pdf")
    no_sideways_scroll(page)
    screenshot(page, "applications-documents-phone-th")
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("review-premises_name")).to_have_text("ร้านข้าวสารสมชาย")
    screenshot(page, "applications-review-phone-th")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("app-state")).to_have_text("ตรวจสอบความครบถ้วนของคำขอและเอกสาร")
    app = Application.objects.get(applicant=citizen.person)
    expect(page.get_by_role("heading", level=1)).to_contain_text(app.reference)
    expect(page.get_by_test_id("held-by")).to_contain_text("กรมการค้าภายใน")
    expect(page.get_by_test_id("expected-end")).to_contain_text("25")  # a Buddhist-era year
    screenshot(page, "applications-submitted-phone-th")

    approve_all(app, dit_officers)
    page.reload()
    expect(page.get_by_test_id("app-state")).to_have_text("รอชำระค่าธรรมเนียม")
    invoice = services.invoices_of(app)[0]
    page.get_by_test_id(f"pay-{invoice.number}").click()
    page.get_by_test_id("demo-pay").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("ชำระแล้ว")
    run_jobs()  # the worker: settlement, then issuing the licence

    page.goto(f"/applications/{app.reference}/")
    expect(page.get_by_test_id("app-state")).to_have_text("ดำเนินการแล้วเสร็จ")
    expect(page.get_by_test_id("step-timings")).to_contain_text("ออกใบอนุญาต")
    no_sideways_scroll(page)
    screenshot(page, "applications-completed-phone-th")
    download_and_verify(page, "MOC.DIT")


@pytest.mark.phone
def test_elderly_allowance_on_a_phone_with_documents_fetched_from_dopa(page, citizen, hub, make_officer):
    sign_in(page, citizen.username)
    page.goto("/applications/new/elderly-allowance/")
    expect(page.get_by_test_id("fees")).to_have_text("ไม่เสียค่าธรรมเนียม")
    page.get_by_test_id("start").click()
    page.get_by_label("วันเกิด").fill("1957-03-14")
    page.get_by_label("ข้าพเจ้าไม่ได้รับบำนาญ").check()
    page.get_by_test_id("next").click()
    page.get_by_label("วิธีรับเงิน").select_option("own_account")
    page.get_by_label("ธนาคาร", exact=True).fill("ธนาคารกรุงไทย")
    page.get_by_label("เลขที่บัญชีเงินฝาก").fill("1234567890")
    page.get_by_test_id("next").click()

    # Fetch instead of a copy: without agreeing first, a clear error and the upload still offered.
    page.get_by_test_id("fetch-id_card").click()
    expect(page.get_by_test_id("doc-id_card").locator(".field-error")).to_contain_text("กรมการปกครอง")
    page.get_by_test_id("consent-id_card").check()
    page.get_by_test_id("fetch-id_card").click()
    expect(page.get_by_test_id("fetched-id_card")).to_contain_text("กรมการปกครอง")
    expect(page.get_by_test_id("consent-house_registration")).to_have_count(0)  # agreed once
    page.get_by_test_id("fetch-house_registration").click()
    expect(page.get_by_test_id("fetched-house_registration")).to_contain_text("10300125487")
    upload_file(page, "bank_book", "bank.jpg", png_bytes(), "image/png")
    no_sideways_scroll(page)
    screenshot(page, "applications-fetched-phone-th")
    page.get_by_test_id("next").click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("app-state")).to_have_text("ตรวจสอบความครบถ้วนของคำขอและเอกสาร")

    app = Application.objects.get(applicant=citizen.person)
    approve_all(app, officers_of("BMA.1030", make_officer))
    run_jobs()
    page.reload()
    expect(page.get_by_test_id("app-state")).to_have_text("ดำเนินการแล้วเสร็จ")
    screenshot(page, "applications-elderly-completed-phone-th")


@pytest.mark.phone
def test_worker_abroad_claim_in_english_with_the_work_record_from_doe(page, citizen, hub, make_officer):
    citizen.preferred_language = "en"
    citizen.save()
    sign_in(page, citizen.username)
    page.get_by_test_id("lang-en").click()
    page.goto("/applications/new/worker-abroad-benefit-claim/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("worker", ignore_case=True)
    page.get_by_test_id("start").click()
    page.locator("#id_benefit_type").select_option("gratuity")
    page.locator("#id_country").fill("Taiwan")
    page.locator("#id_employer_abroad").fill("Hsinchu Precision Electronics Co., Ltd.")
    page.locator("#id_contract_end").fill("2022-01-31")
    page.locator("#id_amount_claimed").fill("45000")
    page.get_by_test_id("next").click()
    page.locator("#id_bank_name").fill("Krungthai Bank")
    page.locator("#id_bank_account_no").fill("9876543210")
    page.get_by_test_id("next").click()

    page.get_by_test_id("consent-id_card").check()
    page.get_by_test_id("fetch-id_card").click()
    expect(page.get_by_test_id("fetched-id_card")).to_be_visible()
    page.get_by_test_id("consent-work_abroad_record").check()
    page.get_by_test_id("fetch-work_abroad_record").click()
    expect(page.get_by_test_id("fetched-work_abroad_record")).to_contain_text("Hsinchu")
    upload_file(page, "passport", "passport.pdf", pdf_bytes("passport"), "application/pdf")
    upload_file(page, "bank_book", "bank.png", png_bytes(), "image/png")
    screenshot(page, "applications-worker-documents-phone-en")
    page.get_by_test_id("next").click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("app-state")).to_have_text("Checking the application and documents")
    no_sideways_scroll(page)
    screenshot(page, "applications-worker-submitted-phone-en")


def test_officer_reviews_side_by_side_sends_back_and_approves(page, citizen, dit_officers):
    app = services.start_draft(citizen, "rice-trading-licence")
    services.save_page(app, 1, {"trade_type": "rice_mill"})
    services.save_page(
        app, 2, {"premises_name": "โรงสีสมชาย", "premises_address": "1 หมู่ 3 ตำบลคลองหนึ่ง อำเภอคลองหลวง ปทุมธานี"}
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    for code, name, data in (
        ("id_card", "id.png", png_bytes(64, 40)),
        ("house_registration", "house.pdf", pdf_bytes("house")),
        ("premises_map", "map.png", png_bytes(64, 64)),
        ("premises_right", "lease.pdf", pdf_bytes("lease")),
    ):
        services.add_upload(app, code, SimpleUploadedFile(name, data), actor=citizen)
    services.submit(app, citizen)

    sign_in(page, "counter.dit")
    page.goto("/applications/officer/")
    expect(page.get_by_test_id("inbox")).to_contain_text(app.reference)
    screenshot(page, "applications-officer-inbox")
    page.get_by_role("link", name=app.reference).click()
    documents = page.get_by_test_id("documents")
    expect(documents.locator("img.doc-preview")).to_have_count(2)
    expect(documents.locator("iframe.doc-preview")).to_have_count(2)
    expect(page.get_by_test_id("data-premises_name")).to_have_text("โรงสีสมชาย")
    screenshot(page, "applications-officer-review")
    form = page.get_by_test_id("action-send_back")
    form.get_by_role("button").click()  # no reason: the browser's own check stops it
    expect(page.get_by_test_id("app-state")).to_have_text("ตรวจสอบความครบถ้วนของคำขอและเอกสาร")
    form.locator("textarea").fill("สัญญาเช่าไม่มีลายมือชื่อผู้ให้เช่า กรุณาแนบฉบับที่ลงนามแล้ว")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("app-state")).to_have_text("รอผู้ยื่นแก้ไขหรือส่งเอกสารเพิ่มเติม")

    # The applicant corrects (through the same services the wizard uses) and sends it again. First the
    # page's document previews finish loading: on SQLite the live server shares this thread's connection.
    page.wait_for_load_state("networkidle")
    app.refresh_from_db()
    services.add_upload(
        app, "premises_right", SimpleUploadedFile("lease2.pdf", pdf_bytes("signed")), actor=citizen
    )
    services.resubmit(app, citizen)

    page.reload()
    page.get_by_test_id("action-accept").get_by_role("button").click()
    expect(page.get_by_test_id("app-state")).to_have_text("พิจารณาคำขอ")
    page.wait_for_load_state("networkidle")
    services.act(app, "recommend", dit_officers["case"])
    page.context.clear_cookies()
    sign_in(page, "supervisor.dit")
    page.goto(f"/applications/officer/{app.pk}/")
    expect(page.get_by_test_id("step-timings")).to_contain_text("รอผู้ยื่นแก้ไข")
    page.get_by_test_id("action-approve").get_by_role("button").click()
    expect(page.get_by_test_id("app-state")).to_have_text("รอชำระค่าธรรมเนียม")
    screenshot(page, "applications-officer-approved")


@pytest.mark.phone
def test_soil_health_assessment_on_a_phone_free_and_the_signed_report(page, citizen, make_officer):
    sign_in(page, citizen.username)
    page.goto("/applications/new/soil-health-assessment/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอรับบริการตรวจวิเคราะห์ดินและประเมินสุขภาพดินรายแปลง")
    # The fee is declared due on submit but costs nothing for farmers: no payment step in the wizard.
    expect(page.get_by_test_id("fees")).to_have_text("ไม่เสียค่าธรรมเนียม")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("progress")).not_to_contain_text("ชำระ")

    expect(page.get_by_test_id("known-farmer_name")).to_have_text("สมชาย ใจดี")
    page.get_by_label("จังหวัดที่ตั้งแปลง").fill("สุพรรณบุรี")
    page.get_by_label("อำเภอที่ตั้งแปลง").fill("อู่ทอง")
    page.locator("#id_land_document").fill("โฉนดที่ดิน เลขที่ 12345")
    page.get_by_label("ขนาดแปลง (ไร่)").fill("15")
    page.get_by_label("พืชที่ปลูกหรือจะปลูก").fill("ข้าวหอมมะลิ")
    page.get_by_label("ละติจูดของแปลง").fill("14.68")
    page.get_by_label("ลองจิจูดของแปลง").fill("99.87")
    page.get_by_test_id("next").click()
    page.get_by_label("การเก็บตัวอย่างดิน").select_option("soil_doctor")
    page.get_by_test_id("next").click()

    upload_file(page, "id_card", "id.png", png_bytes(), "image/png")
    upload_file(page, "plot_photo", "plot.png", png_bytes(), "image/png")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("review-crop")).to_have_text("ข้าวหอมมะลิ")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("app-state")).to_have_text("ตรวจสอบความครบถ้วนของคำขอและเอกสาร")

    app = Application.objects.get(applicant=citizen.person)
    assert services.invoices_of(app) == []  # nothing to pay, now or later
    approve_all(app, officers_of("MOAC.LDD", make_officer))
    run_jobs()  # the worker: issuing the signed report
    page.reload()
    expect(page.get_by_test_id("app-state")).to_have_text("ดำเนินการแล้วเสร็จ")
    no_sideways_scroll(page)
    screenshot(page, "applications-soil-completed-phone-th")
    download_and_verify(page, "MOAC.LDD")


@pytest.mark.phone
def test_tour_guide_licence_on_a_phone_pay_after_approval_and_download(page, citizen, make_officer):
    sign_in(page, citizen.username)
    page.goto("/applications/new/tour-guide-licence/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอรับใบอนุญาตเป็นมัคคุเทศก์")
    expect(page.get_by_test_id("fees")).to_contain_text("200")
    page.get_by_test_id("start").click()

    expect(page.get_by_test_id("known-full_name")).to_have_text("สมชาย ใจดี")
    page.get_by_label("วันเกิด").fill("1990-06-15")
    page.get_by_test_id("next").click()
    page.get_by_label("ประเภทใบอนุญาต").select_option("general_foreign")
    page.get_by_label("ภาษาที่ใช้นำเที่ยว").fill("ไทย อังกฤษ ญี่ปุ่น")
    page.get_by_label("สถาบันที่จัดอบรม").fill("มหาวิทยาลัยเกษตรศาสตร์")
    page.get_by_label("เลขที่วุฒิบัตรการอบรม").fill("KU-G-2569-0142")
    page.get_by_label("วันที่สำเร็จการอบรม").fill("2026-03-20")
    page.get_by_test_id("next").click()

    upload_file(page, "id_card", "id.png", png_bytes(), "image/png")
    upload_file(page, "house_registration", "house.pdf", pdf_bytes("house"), "application/pdf")
    upload_file(page, "course_certificate", "course.pdf", pdf_bytes("course"), "application/pdf")
    upload_file(page, "medical_certificate", "medical.pdf", pdf_bytes("medical"), "application/pdf")
    upload_file(page, "photo", "photo.png", png_bytes(), "image/png")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("review-course_certificate_no")).to_have_text("KU-G-2569-0142")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("app-state")).to_have_text("ตรวจสอบความครบถ้วนของคำขอและเอกสาร")

    app = Application.objects.get(applicant=citizen.person)
    approve_all(app, officers_of("MOTS.DOT", make_officer))
    page.reload()
    expect(page.get_by_test_id("app-state")).to_have_text("รอชำระค่าธรรมเนียม")
    invoice = services.invoices_of(app)[0]
    assert invoice.total == 200
    page.get_by_test_id(f"pay-{invoice.number}").click()
    page.get_by_test_id("demo-pay").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("ชำระแล้ว")
    run_jobs()  # the worker: settlement, then issuing the licence

    page.goto(f"/applications/{app.reference}/")
    expect(page.get_by_test_id("app-state")).to_have_text("ดำเนินการแล้วเสร็จ")
    no_sideways_scroll(page)
    screenshot(page, "applications-tour-guide-completed-phone-th")
    download_and_verify(page, "MOTS.DOT")


@pytest.mark.phone
def test_commercial_registration_on_a_phone_pay_on_submit_and_download(page, citizen, make_officer):
    sign_in(page, citizen.username)
    page.goto("/applications/new/commercial-registration/")
    expect(page.get_by_role("heading", level=1)).to_have_text("จดทะเบียนพาณิชย์ (ตั้งใหม่) ประเภทบุคคลธรรมดา")
    expect(page.get_by_test_id("fees")).to_contain_text("50")
    page.get_by_test_id("start").click()
    # The fee is due on submit: the wizard has a payment step before the review.
    expect(page.get_by_test_id("progress")).to_contain_text("ค่าธรรมเนียม")

    expect(page.get_by_test_id("known-owner_name")).to_have_text("สมชาย ใจดี")
    expect(page.get_by_label("หมายเลขโทรศัพท์")).to_have_count(0)  # known from the account
    page.get_by_label("ชื่อที่ใช้ในการประกอบพาณิชยกิจ").fill("ร้านผ้าไทยสมชาย")
    page.get_by_label("ชนิดแห่งพาณิชยกิจ").fill("ขายปลีกผ้าไทยและเสื้อผ้าสำเร็จรูป ขายสินค้าทางอินเทอร์เน็ต")
    page.get_by_label("ที่อยู่เว็บไซต์หรือร้านค้าออนไลน์ (ถ้ามี)").fill("https://shop.example.com/somchai")
    page.get_by_label("จำนวนเงินทุนที่นำมาใช้ประกอบกิจการ (บาท)").fill("50000")
    page.get_by_label("วันที่เริ่มประกอบกิจการ").fill("2026-11-02")
    page.get_by_test_id("next").click()
    page.get_by_label("ที่ตั้งสำนักงานแห่งใหญ่").fill("99/9 ถนนกำแพงเพชร 2 แขวงจตุจักร เขตจตุจักร กรุงเทพมหานคร")
    page.get_by_test_id("next").click()

    upload_file(page, "id_card", "id.png", png_bytes(), "image/png")
    upload_file(page, "premises_consent", "consent.pdf", pdf_bytes("consent"), "application/pdf")
    upload_file(page, "premises_map", "map.png", png_bytes(), "image/png")
    page.get_by_test_id("next").click()

    # The payment step: not paid yet, so continuing is refused with the invoice still offered.
    expect(page.get_by_test_id("amount")).to_contain_text("50")
    payment_step = page.url
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("wizard-error")).to_be_visible()
    page.get_by_test_id("open-invoice").click()
    page.get_by_test_id("demo-pay").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("ชำระแล้ว")
    page.goto(payment_step)  # back to the wizard
    expect(page.get_by_test_id("invoice-paid")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "applications-commercial-paid-phone-th")
    page.get_by_test_id("next").click()

    expect(page.get_by_test_id("review-shop_name")).to_have_text("ร้านผ้าไทยสมชาย")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("app-state")).to_have_text("ตรวจสอบความครบถ้วนของคำขอและเอกสาร")

    app = Application.objects.get(applicant=citizen.person)
    approve_all(app, officers_of("BMA.1030", make_officer))
    run_jobs()  # the worker: settlement, then issuing the certificate
    page.reload()
    expect(page.get_by_test_id("app-state")).to_have_text("ดำเนินการแล้วเสร็จ")
    (invoice,) = services.invoices_of(app)  # paid once, on submit: no second invoice after approval
    assert invoice.status == "paid" and invoice.total == 50
    no_sideways_scroll(page)
    download_and_verify(page, "BMA.1030")
