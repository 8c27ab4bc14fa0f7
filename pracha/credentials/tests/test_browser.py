"""On a phone: open the page a licence's QR leads to, and verify a PDF and an altered copy by upload."""

import pytest

from pracha.conftest import screenshot
from pracha.credentials import services

pytestmark = [pytest.mark.browser, pytest.mark.phone]


def test_verification_on_a_phone(page, issue, dit, make_officer, tmp_path):
    credential = issue()
    page.goto(f"/credentials/verify/{credential.public_id}/")
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-result") == "valid"
    assert "ใช้ได้" in verdict.inner_text()
    assert credential.holder_id_masked in page.get_by_test_id("credential-facts").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    screenshot(page, "credentials-qr-page-valid-phone")

    original = tmp_path / "licence.pdf"
    original.write_bytes(credential.pdf)
    page.goto("/credentials/verify/")
    page.set_input_files("#id_pdf", str(original))
    page.get_by_role("button", name="ตรวจสอบ").click()
    assert page.get_by_test_id("verdict").get_attribute("data-result") == "valid"
    screenshot(page, "credentials-verify-pdf-valid-phone")

    altered = tmp_path / "altered.pdf"
    data = bytearray(credential.pdf)
    data[credential.pdf.index(b"stream", 200) + 40] ^= 1
    altered.write_bytes(bytes(data))
    page.set_input_files("#id_pdf", str(altered))
    page.get_by_role("button", name="ตรวจสอบ").click()
    assert page.get_by_test_id("verdict").get_attribute("data-result") == "altered"
    screenshot(page, "credentials-verify-pdf-altered-phone")

    services.revoke(
        credential, actor=make_officer("sup", dit, role="supervisor"), reason="เลิกกิจการตามที่ผู้ถือแจ้ง"
    )
    page.goto(f"/credentials/verify/{credential.public_id}/")
    assert page.get_by_test_id("verdict").get_attribute("data-result") == "revoked"
    assert "เลิกกิจการตามที่ผู้ถือแจ้ง" in page.get_by_test_id("verdict").inner_text()
    screenshot(page, "credentials-qr-page-revoked-phone")
