"""The portal shell: public home, sign-in and registration, the citizen's page and the officer's workbench."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity

from . import dashboards, oidc_client
from .forms import RegisterForm


def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign-in goes to Digital ID (authorization code + PKCE); the person comes back to the callback."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return redirect(oidc_client.authorization_url(request, next_url))


def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Digital ID sent the person back with a code: redeem it, check the ID token, start the session."""
    if "error" in request.GET:
        messages.error(request, _("Sign-in was not completed. Please try again."))
        return redirect("portal:home")
    try:
        claims, id_token, next_url = oidc_client.finish(
            request, state=request.GET.get("state", ""), code=request.GET.get("code", "")
        )
    except oidc_client.SignInFailed:
        return render(request, "portal/sign_in_failed.html", status=400)
    user = identity.active_user(pk=int(claims["sub"]))
    if user is None:
        return render(request, "portal/sign_in_failed.html", status=400)
    if request.user != user:
        # The provider's session is in this same site; if it differs (another tab signed in as someone
        # else), the ID token decides who this portal session belongs to.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["portal_id_token"] = id_token
    request.session["portal_acr"] = claims.get("acr", "")
    return redirect(next_url)


class LogoutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:workbench" if request.user.is_officer else "portal:my")
    return render(request, "portal/home.html", {"stats": dashboards.public_figures()})


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:my")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = identity.register_person_account(
                id_number=data["id_number"],
                name_th=data["name_th"],
                name_en=data["name_en"],
                phone=data["phone"],
                email=data["email"],
                password=data["password"],
                preferred_language=request.LANGUAGE_CODE,
            )
        except PrachaError as exc:
            for field, code in exc.fields.items():
                form.add_error(field if field in form.fields else None, render_message(code) if code else "")
            if not exc.fields:
                form.add_error(None, render_message(exc.code, **exc.params))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Welcome to Pracha."))
            return redirect("portal:my")
    return render(request, "portal/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/my.html", dashboards.citizen_home(request.user))


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    if not request.user.is_officer:
        return redirect("portal:my")
    return render(request, "portal/workbench.html", dashboards.officer_home(request.user))


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "portal/error.html", {"status": status}, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
