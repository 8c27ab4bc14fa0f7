"""A standard OpenID Connect client (authlib), configured only from the discovery document, against
the live server: sign-in with PKCE, tokens, the ID token checked with the JWKS, refresh, userinfo,
revocation, client credentials, refusals, and step-up through acr_values."""

import re
import time
import warnings
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pyotp
import pytest
from authlib.integrations.httpx_client import OAuth2Client

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # authlib.jose is fine for a test client
    from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

from pracha.core.thai_id import make_thai_id
from pracha.identity import totp
from pracha.identity.models import User
from pracha.identity.oidc import create_relying_party, create_system_client
from pracha.identity.services import register_person_account

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
REDIRECT = "http://127.0.0.1/callback"
PASSWORD = "som-tam-pu-2569"
# Generous: the machine running the tests is shared, and the first request loads every URL module.
TIMEOUT = 60
HTTP = httpx.Client(timeout=TIMEOUT)


@pytest.fixture
def site(live_server, settings, transactional_db):
    # The test talks plain http to the live server: cookies marked Secure would not be sent back.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return live_server.url


@pytest.fixture
def citizen(transactional_db) -> User:
    user = register_person_account(
        id_number=make_thai_id("310050012345"),
        name_th="สมหญิง ใจดี",
        password=PASSWORD,
        email="somying@example.org",
    )
    return user


def discover(site: str) -> dict:
    metadata = HTTP.get(f"{site}/o/.well-known/openid-configuration").json()
    assert metadata["issuer"] == f"{site}/o"
    return metadata


def sign_in_through_browserless_form(
    browser: httpx.Client, url: str, username: str, code_secret: str | None = None
) -> str:
    """Follow the provider's pages like a person would; returns the redirect back to the client."""
    response = browser.get(url)
    while response.status_code in (301, 302):
        location = urljoin(str(response.url), response.headers["location"])
        if location.startswith(REDIRECT):
            return location
        response = browser.get(location)
        if "/id/login/code/" in str(response.url):
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
            # The next step's code: the one that confirmed the app cannot be replayed.
            code = pyotp.TOTP(code_secret).at(int(time.time()) + 30)
            response = browser.post(str(response.url), data={"csrfmiddlewaretoken": token, "code": code})
        elif "/id/login/" in str(response.url) and response.status_code == 200:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
            nxt = parse_qs(urlsplit(str(response.url)).query)["next"][0]
            response = browser.post(
                str(response.url),
                data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": nxt},
            )
    raise AssertionError(f"no redirect back to the client: {response.status_code} {response.url}")


def test_a_standard_client_signs_a_person_in_from_discovery_alone(site, citizen):
    metadata = discover(site)
    client_id, secret = create_relying_party(
        name="กรมทดสอบ e-Service", redirect_uris=[REDIRECT], skip_consent=True
    )
    client = OAuth2Client(
        client_id,
        secret,
        scope="openid profile email",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )
    verifier = "v" * 20 + pyotp.random_base32(40)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj"
    )
    with httpx.Client(follow_redirects=False, timeout=TIMEOUT) as browser:
        back = sign_in_through_browserless_form(browser, url, citizen.username)
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=back, code_verifier=verifier
    )
    assert {"access_token", "refresh_token", "id_token"} <= set(token)

    keys = JsonWebKey.import_key_set(HTTP.get(metadata["jwks_uri"]).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"value": metadata["issuer"]}, "aud": {"value": client_id}},
        claims_params={"nonce": "n-0S6_WzA2Mj", "client_id": client_id},
    )
    claims.validate()
    assert claims.header["alg"] == "RS256"
    assert claims["sub"] == str(citizen.pk)
    assert claims["name"] == "สมหญิง ใจดี" and claims["email"] == "somying@example.org"
    assert claims["acr"] == "IAL1:AAL1" and claims["amr"] == ["pwd"]
    assert "pracha_id" not in claims  # not asked for, and this client may not have it

    userinfo = client.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == str(citizen.pk) and "phone_number" not in userinfo

    refreshed = client.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    again = jwt.decode(refreshed["id_token"], keys)
    assert again["acr"] == "IAL1:AAL1" and again["auth_time"] == claims["auth_time"]

    revoked = HTTP.post(
        metadata["revocation_endpoint"],
        data={"token": refreshed["access_token"], "client_id": client_id, "client_secret": secret},
    )
    assert revoked.status_code == 200
    after = HTTP.get(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {refreshed['access_token']}"}
    )
    assert after.status_code == 401


def test_pracha_id_only_for_a_client_allowed_it(site, citizen):
    metadata = discover(site)
    plain_id, plain_secret = create_relying_party(name="plain", redirect_uris=[REDIRECT], skip_consent=True)
    client = OAuth2Client(
        plain_id,
        plain_secret,
        scope="openid pracha_id",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )
    url, _ = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier="x" * 50)
    with httpx.Client(follow_redirects=False, timeout=TIMEOUT) as browser:
        back = sign_in_through_browserless_form(browser, url, citizen.username)
    assert parse_qs(urlsplit(back).query)["error"] == ["invalid_scope"], back

    allowed_id, secret = create_relying_party(
        name="registry", redirect_uris=[REDIRECT], skip_consent=True, may_read_pracha_id=True
    )
    client = OAuth2Client(
        allowed_id,
        secret,
        scope="openid pracha_id",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )
    url, _ = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier="y" * 50)
    with httpx.Client(follow_redirects=False, timeout=TIMEOUT) as browser:
        back = sign_in_through_browserless_form(browser, url, citizen.username)
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=back, code_verifier="y" * 50
    )
    assert (
        jwt.decode(token["id_token"], JsonWebKey.import_key_set(HTTP.get(metadata["jwks_uri"]).json()))[
            "pracha_id"
        ]
        == citizen.person.id_number
    )


def test_pkce_is_required_for_public_and_confidential_clients(site, citizen):
    metadata = discover(site)
    for confidential in (True, False):
        client_id, _ = create_relying_party(
            name="no pkce", redirect_uris=[REDIRECT], confidential=confidential, skip_consent=True
        )
        client = OAuth2Client(
            client_id, scope="openid", redirect_uri=REDIRECT, timeout=TIMEOUT
        )  # no code_challenge
        url, _ = client.create_authorization_url(metadata["authorization_endpoint"])
        with httpx.Client(follow_redirects=False, timeout=TIMEOUT) as browser:
            back = sign_in_through_browserless_form(browser, url, citizen.username)
        query = parse_qs(urlsplit(back).query)
        assert query["error"] == ["invalid_request"] and "code" not in query
        assert "challenge" in query["error_description"][0].lower()


def test_an_agency_system_gets_a_client_credentials_token_from_discovery(site, make_agency):
    metadata = discover(site)
    assert "client_credentials" in metadata["grant_types_supported"]
    client_id, secret = create_system_client(agency=make_agency("MOL.SSO"), name="SSO system")
    client = OAuth2Client(client_id, secret, scope="exchange", timeout=TIMEOUT)
    token = client.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "exchange"


def test_acr_values_aal2_sends_the_person_to_the_code_step_and_back(site, citizen):
    secret, _uri = totp.start_enrolment(citizen)
    totp.confirm_enrolment(citizen, pyotp.TOTP(secret).now())
    metadata = discover(site)
    assert "IAL1:AAL2" in metadata["acr_values_supported"]
    client_id, client_secret = create_relying_party(name="tax", redirect_uris=[REDIRECT], skip_consent=True)
    client = OAuth2Client(
        client_id,
        client_secret,
        scope="openid",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )
    verifier = "z" * 50
    url, _ = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, acr_values="AAL2"
    )
    with httpx.Client(follow_redirects=False, timeout=TIMEOUT) as browser:
        back = sign_in_through_browserless_form(browser, url, citizen.username, code_secret=secret)
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=back, code_verifier=verifier
    )
    claims = jwt.decode(token["id_token"], JsonWebKey.import_key_set(HTTP.get(metadata["jwks_uri"]).json()))
    assert claims["acr"] == "IAL1:AAL2"
    assert set(claims["amr"]) == {"pwd", "otp", "mfa"}
