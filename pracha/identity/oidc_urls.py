"""The OpenID Connect provider's URLs, mounted at /o/ (issuer <site>/o, discovery under it)."""

from django.urls import path
from oauth2_provider import views as dot

from . import oidc_views

app_name = "oauth2_provider"  # the toolkit reverses its own endpoints in this namespace

urlpatterns = [
    path("authorize/", oidc_views.AuthorizeView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", dot.IntrospectTokenView.as_view(), name="introspect"),
    path(
        ".well-known/openid-configuration",
        oidc_views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("logout/", dot.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
