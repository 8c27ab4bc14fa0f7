"""The portal as an OpenID Connect client of Digital ID: authorization code with PKCE (decision 1102).

The portal runs in the same deployment as the provider, so it redeems the code by calling the token
endpoint's view in-process (the same code path as POST /o/token/, without a network hop that could
wait on its own worker), then checks the ID token like any client: signature from the JWKS keys,
issuer, audience, expiry and nonce.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from jwcrypto import jwk, jwt
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import TokenView

from pracha.identity.oidc import portal_client, revoke_access_token, revoke_refresh_token

SESSION_KEY = "portal_oidc_flows"
SCOPES = "openid profile email phone"
# Copied from the browser's request into the in-process token request: how the site was reached.
FORWARDED_META = (
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "REMOTE_ADDR",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
)


class SignInFailed(Exception):
    """The provider's answer could not be trusted or used (shown as a friendly error)."""


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("portal:oidc_callback"))


def authorization_url(request: HttpRequest, next_url: str, acr_values: str = "") -> str:
    """Start a sign-in: remember state, nonce and the PKCE verifier in the session; the provider's URL."""
    client = portal_client()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    flows = request.session.get(SESSION_KEY, {})
    # A few sign-ins may be under way in different tabs; keep the newest five.
    flows = dict(list(flows.items())[-4:])
    flows[state] = {"verifier": verifier, "nonce": nonce, "next": next_url}
    request.session[SESSION_KEY] = flows
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": callback_url(request),
        "scope": SCOPES,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "ui_locales": getattr(request, "LANGUAGE_CODE", "th"),
    }
    if acr_values:
        params["acr_values"] = acr_values
    return f"{reverse('oauth2_provider:authorize')}?{urlencode(params)}"


def _redeem(request: HttpRequest, code: str, verifier: str) -> dict:
    token_request = HttpRequest()
    token_request.method = "POST"
    token_request.path = token_request.path_info = reverse("oauth2_provider:token")
    token_request.META = {k: request.META[k] for k in FORWARDED_META if k in request.META}
    token_request.META["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    body = QueryDict(mutable=True)
    body.update(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_url(request),
            "client_id": portal_client().client_id,
            "code_verifier": verifier,
        }
    )
    token_request.POST = body
    response = TokenView.as_view()(token_request)
    answer = json.loads(response.content)
    if response.status_code != 200 or "id_token" not in answer:
        raise SignInFailed(answer.get("error", "token_error"))
    return answer


def provider_keys() -> jwk.JWKSet:
    keys = jwk.JWKSet()
    for pem in [oauth2_settings.OIDC_RSA_PRIVATE_KEY, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE]:
        private = jwk.JWK.from_pem(pem.encode())
        public = jwk.JWK(**json.loads(private.export_public()))
        public["kid"] = private.thumbprint()
        keys.add(public)
    return keys


def finish(request: HttpRequest, *, state: str, code: str) -> tuple[dict, str, str]:
    """Redeem the code and check the ID token; returns (claims, raw ID token, where to go next)."""
    flows = request.session.get(SESSION_KEY, {})
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_KEY] = flows
    if flow is None or not code:
        raise SignInFailed("unknown_state")
    answer = _redeem(request, code, flow["verifier"])
    try:
        token = jwt.JWT(
            jwt=answer["id_token"],
            key=provider_keys(),
            algs=["RS256"],
            check_claims={
                "iss": oauth2_settings.oidc_issuer(request),
                "aud": portal_client().client_id,
                "exp": None,
                "nonce": flow["nonce"],
            },
        )
    except Exception as exc:  # jwcrypto raises several kinds; every one means "do not trust it"
        raise SignInFailed("bad_id_token") from exc
    # The portal needs only who signed in and how: it keeps no live token it would never use.
    if answer.get("refresh_token"):
        revoke_refresh_token(answer["refresh_token"])
    revoke_access_token(answer["access_token"])
    return json.loads(token.claims), answer["id_token"], flow["next"] or settings.LOGIN_REDIRECT_URL
