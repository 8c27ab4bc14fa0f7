"""The provider's endpoints: django-oauth-toolkit's views with Pracha's sign-in, acr_values and metadata."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse_lazy
from oauth2_provider import views as dot

from .assurance import ial_rank, parse_acr_values, session_authentication, step_up_url
from .oidc import SCOPE_LABELS, acr_values_supported


class AuthorizeView(dot.AuthorizationView):
    """/o/authorize/: sign in on our page, step up when `acr_values` asks for more, then the code."""

    login_url = reverse_lazy("identity:sign_in")
    template_name = "identity/authorize.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wanted = parse_acr_values(request.GET.get("acr_values", ""))
        if wanted and all(step_up_url(request, ial=ial, aal=aal) for ial, aal in wanted):
            # acr_values lists acceptable levels; none is met, so step up to the least demanding one.
            ial, aal = min(wanted, key=lambda w: (ial_rank(w[0] or "IAL1"), w[1] == "AAL2"))
            return HttpResponseRedirect(step_up_url(request, ial=ial, aal=aal))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope_labels"] = [SCOPE_LABELS.get(s, s) for s in context.get("scopes", [])]
        return context

    def create_authorization_response(self, request, scopes, credentials, allow):
        # How this session authenticated travels with the code into the ID token (acr, amr, auth_time).
        credentials["pracha_auth"] = session_authentication(request)
        return super().create_authorization_response(request, scopes, credentials, allow)


class DiscoveryView(dot.ConnectDiscoveryInfoView):
    """The discovery document, with what a standard client needs that the toolkit leaves out."""

    def get(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "revocation_endpoint": self._get_endpoint_url(request, "revoke-token", required=True),
                "introspection_endpoint": self._get_endpoint_url(request, "introspect", required=True),
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "acr_values_supported": acr_values_supported(),
                "claims_parameter_supported": False,
                "ui_locales_supported": ["th", "en"],
            }
        )
        result = JsonResponse(data)
        result["Access-Control-Allow-Origin"] = "*"
        return result
