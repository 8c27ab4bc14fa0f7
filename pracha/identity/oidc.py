"""Digital ID as an OpenID Connect provider (django-oauth-toolkit): clients, scopes, claims, tokens.

Other apps call `client_for_access_token` (the exchange hub, on every call) and `create_system_client`
(registering an agency system). The portal signs people in through `portal_client()`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken, Application, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

from pracha.agencies.models import Agency
from pracha.audit.chain import record
from pracha.core.errors import PrachaError

from .assurance import AAL_ORDER, IAL_ORDER, acr_of
from .models import ClientProfile, SignInContext, User

PERSON_SCOPES = "openid profile email phone"
SYSTEM_SCOPES = "exchange exchange.batch"
# How long a positive token look-up is trusted without the database (the hub calls it on every request).
TOKEN_CACHE_SECONDS = 30


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


SCOPE_LABELS = {
    "openid": _("That you signed in, and your assurance levels"),
    "profile": _("Your name, birth date and preferred language"),
    "email": _("Your e-mail address"),
    "phone": _("Your mobile phone number"),
    "pracha_id": _("Your 13-digit identification number"),
    "exchange": _("Calls to data exchange services granted to the agency"),
    "exchange.batch": _("Bulk extracts from the data exchange"),
}


# --- Clients ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientIdentity:
    """Who presents an access token: the client, its agency (systems), the person (if any)."""

    client_id: str
    agency_code: str | None
    scopes: frozenset[str]
    user_id: int | None
    expires_at: datetime
    # How the person signed in, for a data request that needs a level ("" for system tokens).
    acr: str = ""

    @property
    def user(self) -> User | None:
        return User.objects.filter(pk=self.user_id, is_active=True).first() if self.user_id else None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def client_for_access_token(token: str) -> ClientIdentity | None:
    """The client behind a bearer token, or None when it is unknown, expired or revoked.

    Positive answers are cached for at most TOKEN_CACHE_SECONDS (and never past expiry), so a revoked
    token may work for that long on a process that looked it up just before; `revoke_access_token`
    clears the cache entry of the process that revokes it.
    """
    if not token or len(token) > 512:
        return None
    checksum = _hash(token)
    key = f"identity.token.{checksum}"
    cached = cache.get(key)
    now = timezone.now()
    if cached is not None and cached.expires_at > now:
        return cached
    # Only the columns needed, no ordering: this runs on every hub call a process has not seen yet.
    row = (
        AccessToken.objects.filter(token_checksum=checksum)
        .order_by()
        .values_list(
            "id",
            "expires",
            "scope",
            "user_id",
            "application__client_id",
            "application__pracha_profile__kind",
            "application__pracha_profile__agency__code",
        )[:1]
    )
    if not row:
        return None
    access_id, expires, scope, user_id, client_id, kind, agency_code = row[0]
    if expires <= now or client_id is None:
        return None
    acr = ""
    if user_id:
        family = (
            RefreshToken.objects.filter(access_token_id=access_id)
            .values_list("token_family", flat=True)
            .first()
        )
        context = SignInContext.objects.filter(token_family=family).first() if family else None
        acr = acr_of(context.ial, context.aal) if context else ""
    identity = ClientIdentity(
        client_id=client_id,
        agency_code=agency_code if kind == ClientProfile.Kind.SYSTEM else None,
        scopes=frozenset(scope.split()),
        user_id=user_id,
        expires_at=expires,
        acr=acr,
    )
    ttl = min(TOKEN_CACHE_SECONDS, int((expires - now).total_seconds()))
    if ttl > 0:
        cache.set(key, identity, ttl)
    return identity


def forget_token(token: str) -> None:
    cache.delete(f"identity.token.{_hash(token)}")


def create_system_client(*, agency: Agency, name: str, actor: User | None = None) -> tuple[str, str]:
    """Register an agency system for the client-credentials grant; returns (client_id, client_secret).

    The secret is shown once: only its hash is stored.
    """
    name = (name or "").strip()[:200]
    if not name:
        raise PrachaError("validation_error", fields={"name": "required"})
    secret = secrets.token_urlsafe(48)
    with transaction.atomic():
        application = Application.objects.create(
            name=f"{agency.code}: {name}",
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
            algorithm=Application.RS256_ALGORITHM,
        )
        ClientProfile.objects.create(
            application=application,
            kind=ClientProfile.Kind.SYSTEM,
            agency=agency,
            allowed_scopes=SYSTEM_SCOPES,
        )
        record(
            "identity.system_client_registered",
            application,
            {"agency": agency.code, "name": name, "client_id": application.client_id},
            actor=f"user:{actor.pk}" if actor else None,
        )
    return application.client_id, secret


def create_relying_party(
    *,
    name: str,
    redirect_uris: list[str],
    confidential: bool = True,
    agency: Agency | None = None,
    may_read_pracha_id: bool = False,
    skip_consent: bool = False,
) -> tuple[str, str]:
    """Register a service that signs people in (authorization code + PKCE); returns (client_id, secret).

    A public client (a phone app) gets an empty secret. `pracha_id` (the 13-digit number) is only for
    clients whose agency has a legal basis to know it.
    """
    for uri in redirect_uris:
        parts = urlsplit(uri)
        if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)):
            raise PrachaError("validation_error", fields={"redirect_uris": "https_required"})
    secret = secrets.token_urlsafe(48) if confidential else ""
    with transaction.atomic():
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(redirect_uris),
            client_secret=secret,
            hash_client_secret=confidential,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=skip_consent,
        )
        scopes = PERSON_SCOPES + (" pracha_id" if may_read_pracha_id else "")
        ClientProfile.objects.create(
            application=application,
            kind=ClientProfile.Kind.RELYING_PARTY,
            agency=agency,
            allowed_scopes=scopes,
        )
        record("identity.relying_party_registered", application, {"name": name, "scopes": scopes})
    return application.client_id, secret


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "testserver"}


def portal_redirect_uris() -> list[str]:
    """Where the provider may send people back to the portal: the site's own names (ALLOWED_HOSTS).

    https for every name; plain http only for loopback names (any port, RFC 8252: the demo and tests).
    The code is useless elsewhere anyway: its PKCE verifier stays in the portal's server-side session.
    """
    path = "/login/callback/"
    uris = []
    if settings.PRACHA_PUBLIC_URL:
        uris.append(settings.PRACHA_PUBLIC_URL.rstrip("/") + path)
    for host in settings.ALLOWED_HOSTS:
        if host and "*" not in host and not host.startswith("."):
            uris.append(f"https://{host}{path}")
            if host in LOOPBACK_HOSTS:
                uris.append(f"http://{host}{path}")
    return list(dict.fromkeys(uris))


def portal_client() -> Application:
    """The portal's own client (public, PKCE; first party, so no consent screen), made on first use."""
    uris = " ".join(portal_redirect_uris())
    application = Application.objects.filter(client_id=settings.PRACHA_PORTAL_CLIENT_ID).first()
    if application is None:
        with transaction.atomic():
            application, created = Application.objects.get_or_create(
                client_id=settings.PRACHA_PORTAL_CLIENT_ID,
                defaults={
                    "name": "Pracha portal",
                    "client_type": Application.CLIENT_PUBLIC,
                    "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                    "redirect_uris": uris,
                    "client_secret": "",
                    "hash_client_secret": False,  # a public client has no secret to hash
                    "algorithm": Application.RS256_ALGORITHM,
                    "skip_authorization": True,
                },
            )
            if created:
                ClientProfile.objects.create(
                    application=application, kind=ClientProfile.Kind.PORTAL, allowed_scopes=PERSON_SCOPES
                )
    elif application.redirect_uris != uris:
        # The operator changed PRACHA_PUBLIC_URL: the registration follows the settings.
        application.redirect_uris = uris
        application.save(update_fields=["redirect_uris"])
    return application


def revoke_access_token(token: str) -> None:
    """Revoke an access token, as /o/revoke_token/ does."""
    access = AccessToken.objects.filter(token_checksum=_hash(token)).first()
    if access is not None:
        access.revoke()
    forget_token(token)


def revoke_refresh_token(token: str) -> None:
    """Revoke a refresh token and the access token issued with it."""
    for refresh in RefreshToken.objects.filter(token_checksum=_hash(token), revoked__isnull=True):
        refresh.revoke()


# --- Scopes per client -----------------------------------------------------------------------------


class ClientScopes(BaseScopes):
    """A client may ask only for the scopes its profile allows (deny by default)."""

    def get_all_scopes(self) -> dict[str, str]:
        return oauth2_settings.SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        if application is None:
            return list(oauth2_settings.SCOPES)
        profile = ClientProfile.objects.filter(application=application).first()
        return profile.allowed_scopes.split() if profile else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        available = self.get_available_scopes(application, request)
        if (
            application is not None
            and application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
        ):
            return available
        return [s for s in ("openid",) if s in available]


# --- Claims, acr/amr and the sign-in context -------------------------------------------------------


class PrachaValidator(OAuth2Validator):
    """django-oauth-toolkit's validator with Pracha's claims and the authentication context."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "pracha_id": "pracha_id",
        "ial": "openid",
        "acr": "openid",
        "amr": "openid",
    }

    def _create_authorization_code(self, request, code, expires=None):
        grant = super()._create_authorization_code(request, code, expires)
        context = getattr(request, "pracha_auth", None) or {}
        SignInContext.objects.create(
            code_hash=_hash(code["code"]),
            user=request.user,
            ial=context.get("ial", "IAL1"),
            aal=context.get("aal", "AAL1"),
            amr=context.get("amr", ["pwd"]),
            auth_time=context.get("auth_time") or timezone.now(),
        )
        return grant

    def _context(self, request) -> SignInContext | None:
        if request.grant_type == "authorization_code" and request.code:
            return SignInContext.objects.filter(code_hash=_hash(request.code)).first()
        instance = getattr(request, "refresh_token_instance", None)
        if (
            request.grant_type == "refresh_token"
            and isinstance(instance, RefreshToken)
            and instance.token_family
        ):
            return SignInContext.objects.filter(token_family=instance.token_family).first()
        return None

    def _save_bearer_token(self, token, request, *args, **kwargs):
        super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and request.code and token.get("refresh_token"):
            family = (
                RefreshToken.objects.filter(token_checksum=_hash(token["refresh_token"]))
                .values_list("token_family", flat=True)
                .first()
            )
            SignInContext.objects.filter(code_hash=_hash(request.code)).update(token_family=family)

    def get_additional_claims(self, request) -> dict[str, Any]:
        user: User = request.user
        person = user.person
        context = self._context(request)
        from .assurance import assurance_of

        assurance = assurance_of(user)
        claims: dict[str, Any] = {
            "preferred_username": user.username if person is None else "",
            "locale": user.preferred_language,
            "ial": context.ial if context else assurance.ial,
        }
        if context is not None:
            claims["acr"] = acr_of(context.ial, context.aal)
            claims["amr"] = list(context.amr)
        if person is not None:
            claims["name"] = person.name_th or person.name_en
            if person.birth_date:
                claims["birthdate"] = person.birth_date.isoformat()
            if person.email:
                claims["email"] = person.email
                claims["email_verified"] = False
            if person.phone:
                claims["phone_number"] = person.phone
                claims["phone_number_verified"] = False
            if person.id_number:
                claims["pracha_id"] = person.id_number
        else:
            claims["name"] = user.get_full_name() or user.username
            if user.email:
                claims["email"] = user.email
                claims["email_verified"] = False
        return {k: v for k, v in claims.items() if v not in ("", None)}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        context = self._context(request)
        if context is not None:
            claims["auth_time"] = int(context.auth_time.timestamp())
        return claims, expiration

    def get_discovery_claims(self, request) -> list[str]:
        return [*self.oidc_claim_scope.keys(), "auth_time"]

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        forget_token(token)


def acr_values_supported() -> list[str]:
    return [acr_of(ial, aal) for ial in IAL_ORDER for aal in AAL_ORDER]
