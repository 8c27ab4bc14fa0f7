from django.urls import include, path, re_path

from pracha.api.api import api, unknown_path

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/", unknown_path),
    path("i18n/", include("django.conf.urls.i18n")),
    # Digital ID: the OpenID Connect provider (issuer <site>/o) and its sign-in and security pages.
    path("o/", include("pracha.identity.oidc_urls")),
    path("id/", include("pracha.identity.urls")),
    path("agencies/", include("pracha.agencies.urls")),
    path("work/", include("pracha.workflow.urls")),
    path("notify/", include("pracha.notify.urls")),
    path("complaints/", include("pracha.complaints.urls")),
    path("services/", include("pracha.services.urls")),
    path("applications/", include("pracha.applications.urls")),
    path("payments/", include("pracha.payments.urls")),
    path("credentials/", include("pracha.credentials.urls")),
    path("consent/", include("pracha.consent.urls")),
    path("exchange/", include("pracha.exchange.urls")),
    path("", include("pracha.portal.urls")),
]

handler400 = "pracha.portal.views.error_400"
handler403 = "pracha.portal.views.error_403"
handler404 = "pracha.portal.views.error_404"
handler500 = "pracha.portal.views.error_500"
