"""Digital ID in the browser: signing in on a phone through the provider, setting up an authenticator
app from its QR code (decoded from the screen), and the second step at the next sign-in."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from pracha.conftest import ARTIFACTS, screenshot
from pracha.core.thai_id import make_thai_id
from pracha.identity.services import register_person_account

pytestmark = pytest.mark.browser
PASSWORD = "som-tam-pu-2569"
ID_LABEL = "เลขประจำตัว 13 หลัก หรือชื่อผู้ใช้ของเจ้าหน้าที่"


@pytest.fixture
def citizen(transactional_db):
    return register_person_account(
        id_number=make_thai_id("340010055555"), name_th="นางสาวมาลี ศรีสุข", password=PASSWORD
    )


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.phone
def test_a_citizen_signs_in_through_digital_id_on_a_phone(page, citizen):
    page.goto("/")
    page.get_by_role("link", name="เข้าสู่ระบบ").first.click()
    # The portal sent the browser to the provider's sign-in page, with the authorization request to resume.
    expect(page).to_have_url(re.compile(r"/id/login/\?next=/o/authorize/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("เข้าสู่ระบบ")
    number = citizen.person.id_number
    page.get_by_label(ID_LABEL).fill(f"{number[0]}-{number[1:5]}-{number[5:10]}-{number[10:12]}-{number[12]}")
    page.get_by_label("รหัสผ่าน").fill("not my password")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("ไม่สามารถเข้าสู่ระบบได้")
    assert fits(page)
    screenshot(page, "identity-sign-in-error-th-phone")
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("มาลี")
    screenshot(page, "identity-signed-in-my-page-th-phone")


@pytest.mark.phone
def test_setting_up_an_authenticator_app_then_signing_in_with_it(page, citizen):
    page.goto("/id/security/")
    page.get_by_label(ID_LABEL).fill(citizen.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ความปลอดภัยในการเข้าสู่ระบบ")
    expect(page.get_by_test_id("ial")).to_have_text("IAL1: ผู้ใช้ยืนยันข้อมูลเอง")
    page.get_by_test_id("start-totp").click()
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    assert fits(page)
    screenshot(page, "identity-totp-qr-th-phone")
    # Read the QR code off the screen like a phone's camera would.
    picture = ARTIFACTS / "screenshots" / "identity-totp-qr-only.png"
    qr.locator("svg").screenshot(path=str(picture))
    uri = zxingcpp.read_barcode(Image.open(picture)).text
    assert uri.startswith("otpauth://totp/Pracha:")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert page.get_by_test_id("totp-secret").inner_text() == secret

    page.get_by_label("รหัส 6 หลักที่แอปแสดง").fill(pyotp.TOTP(secret).now())
    page.get_by_test_id("confirm-totp").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    screenshot(page, "identity-totp-recovery-codes-th-phone")

    page.get_by_role("button", name="ออกจากระบบ").click()
    page.goto("/login/")
    page.get_by_label(ID_LABEL).fill(citizen.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("กรอกรหัสยืนยัน")
    page.get_by_label("รหัส 6 หลักจากแอปยืนยันตัวตน").fill("123")
    page.get_by_test_id("verify-code").click()
    expect(page.get_by_role("alert")).to_contain_text("รหัสไม่ถูกต้อง")
    screenshot(page, "identity-totp-code-error-th-phone")
    # The next time step's code: the one that confirmed the app cannot be used again.
    page.get_by_label("รหัส 6 หลักจากแอปยืนยันตัวตน").fill(pyotp.TOTP(secret).at(int(time.time()) + 30))
    page.get_by_test_id("verify-code").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    page.goto("/id/security/activity/")  # needs AAL2: this session has it
    expect(page.get_by_test_id("sign-ins")).to_contain_text("AAL2")
    screenshot(page, "identity-activity-th-phone")


def test_step_up_to_a_page_needing_aal2_in_english(page, citizen):
    from pracha.identity import totp

    secret, _ = totp.start_enrolment(citizen)
    totp.confirm_enrolment(citizen, pyotp.TOTP(secret).now())
    page.goto("/login/")
    page.get_by_test_id("lang-en").click()
    page.get_by_label("13-digit ID number or officer username").fill(citizen.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_label("6-digit code from your authenticator app").fill(
        pyotp.TOTP(secret).at(int(time.time()) + 30)
    )
    page.get_by_test_id("verify-code").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    page.goto("/id/security/")
    expect(page.get_by_test_id("aal")).to_contain_text("AAL2")
    screenshot(page, "identity-security-en")
