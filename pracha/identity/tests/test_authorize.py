"""The authorization endpoint in a browser session: the consent screen for another agency's service,
acr_values asking for a proofed identity, and the toolkit's refusals."""

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from pracha.core.thai_id import make_thai_id
from pracha.identity.oidc import create_relying_party
from pracha.identity.services import register_person_account

pytestmark = pytest.mark.django_db
REDIRECT = "https://eservice.example.go.th/callback"
VERIFIER = "k" * 64


def authorize_url(client_id: str, **extra: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"/o/authorize/?{urlencode(query)}"


@pytest.fixture
def person(client):
    user = register_person_account(
        id_number=make_thai_id("330010000777"), name_th="ใจดี มีสุข", password="som-tam-pu-2569"
    )
    client.force_login(user)
    return user


def test_another_agencys_service_asks_for_consent_in_thai(client, person):
    client_id, _ = create_relying_party(name="ระบบภาษีท้องถิ่น", redirect_uris=[REDIRECT])
    page = client.get(authorize_url(client_id))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ระบบภาษีท้องถิ่น ขอใช้ Digital ID ของคุณ" in text
    assert "ชื่อ วันเกิด และภาษาที่คุณใช้" in text
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    answer = client.post(authorize_url(client_id), {**form, "allow": "Authorize"})
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert answer["Location"].startswith(REDIRECT) and query["state"] == ["s1"] and "code" in query
    refused = client.post(authorize_url(client_id), form)
    assert parse_qs(urlsplit(refused["Location"]).query)["error"] == ["access_denied"]


def test_acr_values_for_a_proofed_identity_send_the_person_to_proofing(client, person):
    client_id, _ = create_relying_party(name="บริการ", redirect_uris=[REDIRECT], skip_consent=True)
    response = client.get(authorize_url(client_id, acr_values="IAL2.1"))
    assert response["Location"].startswith("/id/proofing/?next=%2Fo%2Fauthorize%2F")
    assert "ial=IAL2.1" in response["Location"]
    # A level the person meets lets the request through; unknown values are ignored.
    met = client.get(authorize_url(client_id, acr_values="IAL1 urn:other:acr"))
    assert met["Location"].startswith(REDIRECT)


def test_unknown_client_and_unregistered_redirect_are_refused_without_redirecting(client, person):
    assert client.get(authorize_url("no-such-client")).status_code == 400
    client_id, _ = create_relying_party(name="x", redirect_uris=["https://other.example.go.th/cb"])
    assert client.get(authorize_url(client_id)).status_code == 400


def test_relying_parties_need_https_redirects(person):
    from pracha.core.errors import PrachaError

    with pytest.raises(PrachaError):
        create_relying_party(name="plain http", redirect_uris=["http://eservice.example.go.th/cb"])
