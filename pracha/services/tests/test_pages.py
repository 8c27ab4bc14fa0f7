"""The public catalogue, the citizen's manual page and its PDF, and the JSON API."""

import shutil
import subprocess
import unicodedata

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    pdftotext = shutil.which("pdftotext")  # poppler-utils, installed here and in CI
    assert pdftotext, "the manual test needs pdftotext (apt-get install poppler-utils)"
    # -raw keeps Thai marks with their letters; NFKC reads ำ written as nikhahit + sara aa (see pdf.py).
    done = subprocess.run([pdftotext, "-raw", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S603
    return unicodedata.normalize("NFKC", done.stdout.decode())


def test_catalogue_lists_searches_and_pages(client):
    page = client.get(reverse("services:catalogue"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ขอหนังสืออนุญาตค้าข้าว" in text or "ขอใบอนุญาตประกอบกิจการโรงงาน" in text
    assert "11 บริการ" in text and 'rel="next"' in text  # ten a page
    second = client.get(reverse("services:catalogue"), {"page": 2}).content.decode()
    assert 'rel="prev"' in second
    found = client.get(reverse("services:catalogue"), {"q": "ใบอนุญาตค้าข้าว"}).content.decode()
    assert "ขอหนังสืออนุญาตค้าข้าว" in found and "1 บริการ" in found


def test_filters_by_agency_and_applicant(client):
    filters = {"agency": "MOL.DOE", "who": "foreigner"}
    text = client.get(reverse("services:catalogue"), filters).content.decode()
    assert "ขอต่ออายุใบอนุญาตทำงานของคนต่างด้าว" in text
    assert "ขอให้ติดตามแรงงานไทย" not in text  # citizens only


def test_empty_state_suggests_what_to_try(client):
    page = client.get(reverse("services:catalogue"), {"q": "ยานอวกาศ"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="empty-state"' in text
    assert "?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7" in text  # ข้าว, one of the suggestions
    assert "แสดงบริการทั้งหมด 11 บริการ" in text


def test_bad_filters_are_a_400_not_a_500(client):
    page = client.get(reverse("services:catalogue"), {"agency": "NOT.AN.AGENCY", "q": "ก" * 101})
    assert page.status_code == 400
    assert "error-summary" in page.content.decode()


def test_manual_page_is_the_citizens_manual(client):
    page = client.get(reverse("services:detail", args=["elderly-allowance"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ลงทะเบียนขอรับเงินเบี้ยยังชีพผู้สูงอายุ" in text
    assert "15 วันทำการ" in text  # the total statutory time limit
    assert "ตรวจสอบคำขอ อายุ สัญชาติ และทะเบียนบ้านกับกรมการปกครอง" in text and "1 วันทำการ" in text
    assert "ดึงข้อมูลได้จากกรมการปกครอง ไม่ต้องแนบสำเนา" in text
    assert "พระราชบัญญัติผู้สูงอายุ พ.ศ. 2546" in text
    assert "ไม่เสียค่าธรรมเนียม" in text
    assert 'href="/applications/new/elderly-allowance/"' in text
    assert "มีผลตั้งแต่วันที่ 24 พฤศจิกายน 2569" in text
    assert client.get(reverse("services:detail", args=["no-such-service"])).status_code == 404


def test_manual_page_in_english(client):
    client.cookies["django_language"] = "en"
    text = client.get(reverse("services:detail", args=["rice-trading-licence"])).content.decode()
    assert "Rice-trading licence" in text and "5 working days" in text
    assert "100.00 baht" in text and "After approval" in text
    assert "Can be fetched from Department of Provincial Administration: no copy needed" in text


def test_manual_pdf_has_the_thai_name_and_the_steps(client):
    response = client.get(reverse("services:manual_pdf", args=["rice-trading-licence"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "ขอหนังสืออนุญาตค้าข้าว" in text
    assert "กรมการค้าภายใน" in text
    assert unicodedata.normalize("NFKC", "ระยะเวลาดำเนินการทั้งสิ้น 5 วันทำการ") in text
    assert "ดึงข้อมูลได้จากกรมการปกครอง" in text
    assert "มีผลตั้งแต่วันที่ 24 พฤศจิกายน 2569" in text  # the Buddhist-era date of the version


def test_api_lists_searches_and_describes(client):
    listed = client.get("/api/services", {"q": "ข้าว"}).json()
    assert listed["count"] == 1 and listed["results"][0]["code"] == "rice-trading-licence"
    assert listed["results"][0]["apply_url"] == "/applications/new/rice-trading-licence/"
    every = client.get("/api/services", {"who": "citizen"}).json()
    assert every["count"] >= 10 and every["pages"] == 1
    one = client.get("/api/services/work-permit-renewal").json()
    assert one["agency"] == "MOL.DOE" and one["fees"][0]["amount"] == "100.00"
    assert one["documents"][4]["fetch"]["service"] == "sso.insured_status"
    assert one["steps"][0]["state"] == "checking"
    assert one["time_limit"] == {"amount": 7.0, "unit": "working_days"}
    schema = client.get("/api/services/work-permit-renewal/schema").json()
    assert schema["$schema"].endswith("2020-12/schema") and "permit_no" in schema["properties"]


def test_api_errors_are_in_the_one_format(client):
    missing = client.get("/api/services/no-such-service")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_service"
    bad = client.get("/api/services", {"who": "martian", "page": 0})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
