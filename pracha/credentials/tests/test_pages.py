"""Pages and API: public verification (PDF, QR photo, JWS, the QR's page), downloads and revocation."""

import datetime as dt
import io
import json

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pracha.credentials import services


@pytest.fixture
def holder_user(holder, django_user_model):
    return django_user_model.objects.create_user(
        username="somsri", password="correct-horse-battery", person=holder
    )


def _qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text).save(out, kind="png", scale=6, border=4)
    # A "photo": the QR small on a larger grey background.
    photo = Image.new("RGB", (900, 700), (200, 200, 190))
    photo.paste(Image.open(io.BytesIO(out.getvalue())), (300, 200))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_qr_page_shows_valid_with_masked_id(client, issue, holder):
    credential = issue()
    page = client.get(reverse("credentials:verify_id", args=[credential.public_id]))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-result="valid"' in text
    assert "ร้านข้าวหอมมะลิทุ่งกุลา" in text and credential.holder_id_masked in text
    assert holder.id_number not in text


def test_unknown_id_is_not_issued_by_us(client, db):
    page = client.get(reverse("credentials:verify_id", args=["zzzzzzzzzzzzzzzz"]))
    assert page.status_code == 404 and 'data-result="not_issued_by_us"' in page.content.decode()
    api = client.get("/api/credentials/zzzzzzzzzzzzzzzz/status")
    assert api.status_code == 404 and api.json()["error"]["code"] == "credential_not_found"


def test_verify_page_with_pdf_qr_photo_and_jws(client, issue):
    credential = issue()
    url = reverse("credentials:verify")
    assert client.get(url).status_code == 200
    by_pdf = client.post(url, {"pdf": SimpleUploadedFile("l.pdf", credential.pdf, "application/pdf")})
    assert 'data-result="valid"' in by_pdf.content.decode()
    photo = SimpleUploadedFile("qr.jpg", _qr_png(credential.verification_url), "image/jpeg")
    by_qr = client.post(url, {"image": photo})
    assert 'data-result="valid"' in by_qr.content.decode()
    by_jws = client.post(url, {"jws": credential.jws})
    assert 'data-result="valid"' in by_jws.content.decode()
    changed = bytearray(credential.pdf)
    changed[credential.pdf.index(b"stream", 200) + 40] ^= 1
    altered = client.post(url, {"pdf": SimpleUploadedFile("l.pdf", bytes(changed), "application/pdf")})
    assert 'data-result="altered"' in altered.content.decode()
    assert "ร้านข้าวหอมมะลิทุ่งกุลา" not in altered.content.decode()  # nothing from the registry for a fake


def test_verify_page_errors_are_clear(client, db):
    url = reverse("credentials:verify")
    empty = client.post(url, {})
    assert empty.status_code == 400 and "error-summary" in empty.content.decode()
    not_pdf = client.post(url, {"pdf": SimpleUploadedFile("x.pdf", b"hello", "application/pdf")})
    assert not_pdf.status_code == 400
    other_qr = client.post(
        url, {"image": SimpleUploadedFile("q.jpg", _qr_png("https://example.com/"), "image/jpeg")}
    )
    assert other_qr.status_code == 400
    bad_jws = client.post(url, {"jws": "abc"})
    assert bad_jws.status_code == 400


def test_api_verify_and_status(client, issue, dit, make_officer):
    credential = issue()
    answer = client.post("/api/credentials/verify", {"pdf": SimpleUploadedFile("l.pdf", credential.pdf)})
    assert answer.status_code == 200
    body = answer.json()
    assert body["result"] == "valid" and body["signed_by"] == "MOC.DIT"
    assert body["credential"]["holder_id_masked"] == credential.holder_id_masked
    assert body["messages"]["th"] and body["messages"]["en"]
    by_jws = client.post(
        "/api/credentials/verify", json.dumps({"jws": credential.jws}), content_type="application/json"
    )
    assert by_jws.json()["result"] == "valid"
    nothing = client.post("/api/credentials/verify", "{}", content_type="application/json")
    assert (
        nothing.status_code == 400 and nothing.json()["error"]["code"] == "credential_verify_input_required"
    )

    supervisor = make_officer("sup", dit, role="supervisor")
    client.force_login(supervisor)
    revoked = client.post(
        f"/api/credentials/{credential.public_id}/revoke",
        json.dumps({"reason": "ผู้ถือใบอนุญาตเลิกกิจการ"}),
        content_type="application/json",
    )
    assert revoked.status_code == 200 and revoked.json()["result"] == "revoked"
    client.logout()
    status = client.get(f"/api/credentials/{credential.public_id}/status").json()
    assert status["result"] == "revoked"
    assert status["credential"]["revocation_reason"] == "ผู้ถือใบอนุญาตเลิกกิจการ"
    assert (
        client.post("/api/credentials/verify", {"pdf": SimpleUploadedFile("l.pdf", credential.pdf)}).json()[
            "result"
        ]
        == "revoked"
    )
    page = client.get(reverse("credentials:verify_id", args=[credential.public_id])).content.decode()
    assert 'data-result="revoked"' in page and "ผู้ถือใบอนุญาตเลิกกิจการ" in page


def test_expired_on_page_and_api(client, issue):
    today = timezone.localdate()
    credential = issue(valid_from=today - dt.timedelta(days=400), valid_until=today - dt.timedelta(days=35))
    assert client.get(f"/api/credentials/{credential.public_id}/status").json()["result"] == "expired"
    page = client.get(reverse("credentials:verify_id", args=[credential.public_id])).content.decode()
    assert 'data-result="expired"' in page


def test_jwks_and_root(client, issue):
    credential = issue()
    keys = client.get("/api/credentials/jwks").json()["keys"]
    assert [k["kid"] for k in keys] == [credential.jws_key.kid]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]
    assert client.get("/api/credentials/jwks/MOC.DIT").json()["keys"] == keys
    assert client.get("/api/credentials/jwks/NOPE").status_code == 404
    assert client.get("/api/credentials/root-ca.pem").content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_downloads_for_holder_and_officers_only(client, issue, dit, holder_user, make_officer, make_agency):
    credential = issue()
    pdf_url = reverse("credentials:download_pdf", args=[credential.public_id])
    assert client.get(pdf_url).status_code == 302  # sign in first
    client.force_login(holder_user)
    got = client.get(pdf_url)
    assert got.status_code == 200 and got.content == credential.pdf
    assert (
        client.get(reverse("credentials:download_jws", args=[credential.public_id])).content.decode()
        == credential.jws
    )
    mine = client.get(reverse("credentials:mine")).content.decode()
    assert credential.public_id in mine
    assert client.get(f"/api/credentials/{credential.public_id}/pdf").content == credential.pdf

    other = make_officer("other.officer", make_agency("MOL.DOE"))
    client.force_login(other)
    assert client.get(pdf_url).status_code == 403
    assert client.get(f"/api/credentials/{credential.public_id}/pdf").status_code == 403
    assert credential.public_id not in client.get(reverse("credentials:officer_list")).content.decode()

    officer = make_officer("dit.officer", dit)
    client.force_login(officer)
    assert client.get(pdf_url).status_code == 200
    listing = client.get(reverse("credentials:officer_list"), {"q": "DIT-2569"}).content.decode()
    assert credential.public_id in listing


def test_revoke_page_needs_a_supervisor_of_the_agency(client, issue, dit, make_officer, make_agency):
    credential = issue()
    url = reverse("credentials:revoke", args=[credential.public_id])
    client.force_login(make_officer("case", dit))  # a case officer may download but not revoke
    assert client.get(url).status_code == 403
    client.force_login(make_officer("sup.other", make_agency("MOL.DOE"), role="supervisor"))
    assert client.get(url).status_code == 403
    client.force_login(make_officer("sup", dit, role="supervisor"))
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    done = client.post(url, {"reason": "ใบอนุญาตออกโดยผิดหลง"})
    assert done.status_code == 302
    assert services.verify_id(credential.public_id).result == "revoked"


def test_holder_is_told_of_a_revocation_and_citizens_have_no_officer_list(
    client, issue, dit, holder_user, make_officer
):
    from pracha.notify.models import Notification

    holder_user.email = "somsri@example.com"
    holder_user.save()
    credential = issue()
    services.revoke(credential, actor=make_officer("sup", dit, role="supervisor"), reason="เลิกกิจการ")
    told = Notification.objects.filter(user=holder_user)
    assert told.exists() and "เลิกกิจการ" in told.first().body
    client.force_login(holder_user)
    assert client.get(reverse("credentials:officer_list")).status_code == 403
