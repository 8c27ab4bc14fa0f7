import pytest
from django.test import override_settings

from pracha.core.thai_id import make_thai_id

pytestmark = pytest.mark.django_db


def test_registration_form_explains_a_bad_id_in_thai_and_stores_nothing(client):
    from pracha.identity.models import User

    response = client.post(
        "/register/", {"id_number": "1234567890123", "name_th": "ทดสอบ", "password": "som-tam-pu-2569"}
    )
    assert response.status_code == 400
    assert "เลขหลักสุดท้าย" in response.content.decode()
    assert not User.objects.exists()


def test_registration_in_english_and_sign_in_with_dashed_id(client):
    number = make_thai_id("110170099999")
    response = client.post(
        "/register/",
        {"id_number": number, "name_th": "สมหญิง รักชาติ", "password": "som-tam-pu-2569"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    client.logout()
    dashed = f"{number[0]}-{number[1:5]}-{number[5:10]}-{number[10:12]}-{number[12]}"
    # "Sign in" goes to Digital ID, whose sign-in page leads back through the portal's callback.
    authorize = client.get("/login/?next=/my/")["Location"]
    assert authorize.startswith("/o/authorize/")
    login_page = client.get(authorize)["Location"]
    assert login_page.startswith("/id/login/")
    response = client.post(login_page, {"username": dashed, "password": "som-tam-pu-2569"}, follow=True)
    assert response.redirect_chain[-1][0] == "/my/"
    assert response.status_code == 200


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failed_sign_in_locks_the_account_from_that_address(client, make_agency, make_officer):
    make_officer("target", make_agency("LOCK"))
    for _ in range(3):
        client.post("/id/login/", {"username": "target", "password": "guess"})
    response = client.post("/id/login/", {"username": "target", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "15" in response.content.decode()


def test_pages_need_sign_in(client):
    assert client.get("/my/").status_code == 302
    assert client.get("/workbench/").status_code == 302


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.content.decode()


def test_the_portal_keeps_no_live_token_after_sign_in(client, make_agency, make_officer):
    from oauth2_provider.models import AccessToken, RefreshToken

    make_officer("somsri", make_agency("TOKENS"))
    login_page = client.get(client.get("/login/")["Location"])["Location"]
    response = client.post(
        login_page, {"username": "somsri", "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/workbench/"
    assert client.session["portal_acr"] == "IAL1:AAL1"
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_a_callback_without_a_known_state_is_refused(client):
    response = client.get("/login/callback/?code=abc&state=forged")
    assert response.status_code == 400
    assert "ลิงก์เข้าสู่ระบบหมดอายุ" in response.content.decode()
